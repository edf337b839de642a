"""/api/v1/notifications/: own notifications only."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.authtoken.models import Token

from beatbook.notify import live
from beatbook.notify.models import Notification


def api(api_client: Any, user: Any) -> Any:
    token, _ = Token.objects.get_or_create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api_client


def test_every_role_lists_only_its_own(world: Any, api_client: Any) -> None:
    users = world.users()
    for role, user in users.items():
        live.publish([user.pk], {"title": f"for {role}", "kind": "page", "page": None})
    for role, user in users.items():
        response = api(api_client, user).get(reverse("api:notification-list"))
        assert response.status_code == 200
        assert [n["title"] for n in response.json()["results"]] == [f"for {role}"], role
    api_client.credentials()
    assert api_client.get(reverse("api:notification-list")).status_code in (401, 403)


def test_unread_and_after_filters(world: Any, api_client: Any) -> None:
    user = world.officer_a
    for i in range(3):
        live.publish([user.pk], {"title": f"n{i}"})
    first = Notification.objects.order_by("id").first()
    assert first is not None
    client = api(api_client, user)
    url = reverse("api:notification-list")
    titles = [n["title"] for n in client.get(url, {"after": first.pk}).json()["results"]]
    assert titles == ["n2", "n1"]
    Notification.objects.filter(pk=first.pk).update(read_at=first.created_at)
    assert len(client.get(url, {"unread": "true"}).json()["results"]) == 2


def test_mark_read_only_own(world: Any, api_client: Any) -> None:
    live.publish([world.officer_a.pk], {"title": "a"})
    live.publish([world.officer_b.pk], {"title": "b"})
    mine = Notification.objects.get(user=world.officer_a)
    theirs = Notification.objects.get(user=world.officer_b)
    client = api(api_client, world.officer_a)
    url = reverse("api:notification-read")
    response = client.post(url, {"ids": [mine.pk, theirs.pk]}, format="json")
    assert response.status_code == 200 and response.json() == {"marked": 1}
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(url, {"ids": ["x"]}, format="json").status_code == 400
    live.publish([world.officer_a.pk], {"title": "a2"})
    assert client.post(url, {}, format="json").json() == {"marked": 1}
