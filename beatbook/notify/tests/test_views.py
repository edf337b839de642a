"""Pages of the notify app, and who may use each."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from beatbook.core.models import AuditEntry
from beatbook.notify import live
from beatbook.notify.models import Channel, Notification, OutboxMessage, PushSubscription, Status
from beatbook.registry.tests import factories as f

ROLES = ("officer_a", "officer_b", "head", "worker_a", "chief", "sysadmin", "auditor")


def login(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


@pytest.fixture
def channels(world: Any) -> dict[str, Channel]:
    other = f.StationFactory(name="别的派出所")
    return {
        "own": Channel.objects.create(
            station=world.station,
            name="本所短信网关",
            kind="webhook",
            url="http://127.0.0.1:9/hook?key=SECRETKEY",
            secret="s",
        ),
        "other": Channel.objects.create(
            station=other, name="别所钉钉", kind="dingtalk", url="http://127.0.0.1:9/robot"
        ),
    }


def test_inbox_every_role_sees_only_its_own(world: Any, client: Any) -> None:
    users = world.users()
    for role, user in users.items():
        live.publish([user.pk], {"title": f"消息给 {role}", "url": "/x/"})
    for role, user in users.items():
        html = login(client, user).get(reverse("notify:inbox")).content.decode()
        for other in users:
            assert (f"消息给 {other}" in html) == (other == role), (role, other)


def test_mark_read(world: Any, client: Any) -> None:
    live.publish([world.officer_a.pk, world.officer_b.pk], {"title": "t"})
    login(client, world.officer_a).post(reverse("notify:mark-read"))
    assert not Notification.objects.filter(user=world.officer_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.officer_b, read_at__isnull=True).exists()


def test_inbox_is_paginated_in_constant_queries(
    world: Any, client: Any, django_assert_max_num_queries: Any
) -> None:
    login(client, world.officer_a)
    live.publish([world.officer_a.pk], {"title": "one"})
    client.get(reverse("notify:inbox"))  # VAPID keys generated once
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("notify:inbox"))
    for i in range(80):
        live.publish([world.officer_a.pk], {"title": f"n{i}"})
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("notify:inbox"))


def subscription_json(endpoint: str = "https://push.example.test/abc") -> str:
    return json.dumps(
        {
            "endpoint": endpoint,
            "keys": {"p256dh": "BPk" + "A" * 84, "auth": "abcdefghijklmnopqrstuv"},
        }
    )


def test_push_subscribe_and_remove(world: Any, client: Any) -> None:
    login(client, world.officer_a)
    url = reverse("notify:push-subscribe")
    response = client.post(url, subscription_json(), content_type="application/json")
    assert response.status_code == 201
    sub = PushSubscription.objects.get()
    assert sub.user == world.officer_a
    assert client.post(url, "nonsense", content_type="application/json").status_code == 400
    assert client.post(url, "{}", content_type="application/json").status_code == 400
    # someone else cannot remove it
    login(client, world.officer_b).post(reverse("notify:push-delete", args=[sub.pk]))
    assert PushSubscription.objects.filter(pk=sub.pk).exists()
    login(client, world.officer_a).post(reverse("notify:push-delete", args=[sub.pk]))
    assert not PushSubscription.objects.exists()
    assert AuditEntry.objects.filter(action="notify.push_unsubscribe").exists()


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://push.example.test/abc",  # not https
        "https://127.0.0.1:8000/admin",
        "https://10.1.2.3/x",
        "https://192.168.1.1/x",
        "https://[::1]/x",
        "https://localhost/x",
        "ftp://push.example.test/x",
    ],
)
def test_push_subscription_must_be_a_public_https_service(
    world: Any, client: Any, endpoint: str
) -> None:
    login(client, world.officer_a)
    response = client.post(
        reverse("notify:push-subscribe"),
        subscription_json(endpoint),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert not PushSubscription.objects.exists()


def test_push_endpoints_need_login(db: Any, client: Any) -> None:
    response = client.post(
        reverse("notify:push-subscribe"), subscription_json(), content_type="application/json"
    )
    assert response.status_code == 302
    assert not PushSubscription.objects.exists()


def test_every_role_only_its_own_push_subscriptions(world: Any, client: Any) -> None:
    for role, user in world.users().items():
        login(client, user).post(
            reverse("notify:push-subscribe"),
            subscription_json(f"https://push.example.test/{role}"),
            content_type="application/json",
        )
    for role, user in world.users().items():
        html = login(client, user).get(reverse("notify:inbox")).content.decode()
        own = PushSubscription.objects.get(user=user)
        for sub in PushSubscription.objects.all():
            marker = reverse("notify:push-delete", args=[sub.pk])
            assert (marker in html) == (sub == own), role


def test_service_worker(db: Any, client: Any) -> None:
    response = client.get(reverse("notify:service-worker"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in response.content


def test_channel_list_admin_all_chief_own_station_others_refused(
    world: Any, client: Any, channels: dict[str, Channel]
) -> None:
    for role, user in world.users().items():
        response = login(client, user).get(reverse("notify:channel-list"))
        if role == "sysadmin":
            html = response.content.decode()
            assert "本所短信网关" in html and "别所钉钉" in html
            assert reverse("notify:channel-edit", args=[channels["own"].pk]) in html
        elif role == "chief":
            html = response.content.decode()
            assert "本所短信网关" in html and "别所钉钉" not in html
            assert "SECRETKEY" not in html  # robots keep their key in the query
            assert reverse("notify:channel-edit", args=[channels["own"].pk]) not in html
        else:
            assert response.status_code == 403, role


def test_channel_create_edit_keeps_secret_and_audits(world: Any, client: Any) -> None:
    login(client, world.sysadmin)
    data = {
        "station": world.station.pk,
        "name": "钉钉群",
        "kind": "dingtalk",
        "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SEC123",
        "from_step": "0",
        "enabled": "on",
    }
    response = client.post(reverse("notify:channel-create"), data)
    assert response.status_code == 302
    channel = Channel.objects.get(name="钉钉群")
    assert channel.secret == "SEC123"
    data.update(name="钉钉值班群", secret="", from_step="1")
    client.post(reverse("notify:channel-edit", args=[channel.pk]), data)
    channel.refresh_from_db()
    assert (channel.name, channel.secret, channel.from_step) == ("钉钉值班群", "SEC123", 1)
    entries = AuditEntry.objects.filter(action__startswith="notify.channel")
    assert entries.count() == 2
    assert "SEC123" not in json.dumps([e.after for e in entries], ensure_ascii=False)
    # test message queued
    client.post(reverse("notify:channel-test", args=[channel.pk]))
    assert OutboxMessage.objects.filter(channel=channel).count() == 1
    client.post(reverse("notify:channel-delete", args=[channel.pk]))
    assert not Channel.objects.filter(pk=channel.pk).exists()


def test_chief_cannot_change_channels(
    world: Any, client: Any, channels: dict[str, Channel]
) -> None:
    login(client, world.chief)
    pk = channels["own"].pk
    for name in ("channel-edit", "channel-resume", "channel-test", "channel-delete"):
        assert client.post(reverse(f"notify:{name}", args=[pk]), {}).status_code == 403
    assert Channel.objects.filter(pk=pk).exists()


def test_policy_edit(world: Any, client: Any) -> None:
    from beatbook.accounts.models import Role
    from beatbook.accounts.tests.factories import UserFactory
    from beatbook.notify.models import StationPolicy

    duty = UserFactory(username="t-duty", role=Role.OFFICER, station=world.station)
    login(client, world.sysadmin)
    url = reverse("notify:policy-edit", args=[world.station.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"duty_officer": duty.pk, "duty_after": 60, "chief_after": 120, "breach_after": 240}
    )
    assert response.status_code == 302
    policy = StationPolicy.objects.get(station=world.station)
    assert (policy.duty_officer, policy.chief_after, policy.breach_after) == (duty, 120, 240)
    # the form opens on the saved policy
    initial = client.get(url).context["form"].initial
    assert (initial["duty_officer"], initial["chief_after"]) == (duty.pk, 120)
    # delays must grow
    response = client.post(
        url, {"duty_officer": "", "duty_after": 300, "chief_after": 120, "breach_after": 240}
    )
    assert response.status_code == 200
    assert StationPolicy.objects.get(station=world.station).chief_after == 120


def test_dead_letters_page_and_retry(world: Any, client: Any, channels: dict[str, Channel]) -> None:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    message = OutboxMessage.objects.create(
        kind="webhook",
        channel=channels["own"],
        payload={"title": "张三 独居老人 24小时未开门"},
        status=Status.DEAD,
        attempts=5,
        last_error="HTTP 500: down",
        next_attempt_at=now,
        created_at=now,
    )
    login(client, world.sysadmin)
    html = client.get(reverse("notify:dead-letters")).content.decode()
    assert f'data-message="{message.pk}"' in html and "HTTP 500" in html
    assert "张三" not in html  # the text stays hidden from the administrator
    client.post(reverse("notify:dead-letters-retry"), {"id": message.pk})
    message.refresh_from_db()
    assert message.status == Status.PENDING and message.attempts == 0
    for role in ROLES:
        if role != "sysadmin":
            login(client, getattr(world, role))
            assert client.get(reverse("notify:dead-letters")).status_code == 403
