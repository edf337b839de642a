"""Every scoped read of alerts starts here, from ``Alert.objects.visible_to(user)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import Prefetch, QuerySet

from beatbook.alerts.models import Alert, AlertState, RuleSetting, Silence
from beatbook.alerts.paging import SUBJECT_TYPE
from beatbook.alerts.rules import ABSENCE, ACTIVITY_TYPES, Rule, rulebook
from beatbook.core import audit
from beatbook.core.shortcuts import get_visible_or_404
from beatbook.notify.selectors import PageInfo, pages_for
from beatbook.registry.models import Compound, Resident
from beatbook.sensing.models import Device, Event, EventPicture, EventType

#: the last events shown on an alert's page
LAST_EVENTS = 10


def alert_list(
    *, user: Any, state: str | None = None, acknowledged: bool | None = None
) -> QuerySet[Alert]:
    """Visible alerts, newest first, with what a list row shows (no per-row query)."""
    qs = Alert.objects.visible_to(user).select_related(
        "device", "device__compound", "device__building", "person", "acknowledged_by"
    )
    if state in AlertState.values:
        qs = qs.filter(state=state)
    if acknowledged is not None:
        qs = qs.filter(acknowledged=acknowledged)
    return qs.order_by("-created_at", "-id")


def alert_get(*, user: Any, pk: Any) -> Alert:
    """One visible alert (404 when out of scope, missing or malformed)."""
    return get_visible_or_404(alert_list(user=user), pk)


def pages_of(alerts: list[Alert]) -> dict[int, PageInfo]:
    """Each alert's page (escalation step, breach, who was told): two queries."""
    return pages_for(SUBJECT_TYPE, [a.pk for a in alerts])


def attach_pages(alerts: list[Alert]) -> list[Alert]:
    """Set ``alert.page`` (a PageInfo or None) on each alert."""
    pages = pages_of(alerts)
    for alert in alerts:
        alert.page = pages.get(alert.pk)  # type: ignore[attr-defined]
    return alerts


@dataclass
class AlertDetail:
    alert: Alert
    page: PageInfo | None
    person: Resident | None
    household: list[Resident] = field(default_factory=list)
    last_visit: Any = None
    events: list[Event] = field(default_factory=list)
    #: the device's latest door or motion event (for absence alerts)
    last_activity: Event | None = None


def _last_visit(flat_id: int) -> Any:
    """The household's last visit, once the visits app records them."""
    try:
        visit_model = apps.get_model("visits", "Visit")
    except LookupError:
        return None
    fields = {f.name for f in visit_model._meta.get_fields()}
    if "flat" not in fields:
        return None
    order = next((f for f in ("visited_at", "at", "created_at") if f in fields), "pk")
    return visit_model.objects.filter(flat_id=flat_id).order_by(f"-{order}").first()


def alert_detail(*, user: Any, pk: Any) -> AlertDetail:
    """Everything an alert's page shows: the place, the person and their
    household (their records' opening is audited), the last events with
    pictures, and who has been told."""
    alert = alert_get(user=user, pk=pk)
    device = alert.device
    person = alert.person
    if person is not None and not Resident.objects.visible_to(user).filter(pk=person.pk).exists():
        person = None
    household: list[Resident] = []
    last_visit = None
    flat_id = person.flat_id if person is not None else device.flat_id
    if flat_id is not None:
        household = list(
            Resident.objects.visible_to(user)
            .filter(flat_id=flat_id, moved_out_on__isnull=True)
            .order_by("-is_head", "id")
        )
        last_visit = _last_visit(flat_id)
    if person is not None:
        audit.record(
            actor=user,
            action="resident.read",
            obj=person,
            extra={"purpose": "alert", "alert": alert.pk, "id_number": "none"},
        )
    visible_events = Event.objects.visible_to(user)
    events_qs = visible_events.filter(device_id=alert.device_id)
    if person is not None and alert.rule != "offline":
        events_qs = visible_events.filter(device__person_id=person.pk)
    events = list(
        events_qs.select_related("device")
        .prefetch_related(
            Prefetch("pictures", queryset=EventPicture.objects.only("id", "event_id", "filename"))
        )
        .order_by("-received_at", "-id")[:LAST_EVENTS]
    )
    page = pages_of([alert]).get(alert.pk)
    last_activity = None
    if alert.rule == ABSENCE:
        last_activity = (
            events_qs.filter(type__in=sorted(ACTIVITY_TYPES)).order_by("-received_at").first()
        )
    return AlertDetail(
        alert=alert,
        page=page,
        person=person,
        household=household,
        last_visit=last_visit,
        events=events,
        last_activity=last_activity,
    )


def picture_get(*, user: Any, pk: Any) -> EventPicture:
    """An event picture, when the user sees its device."""
    visible = Event.objects.visible_to(user)
    return get_visible_or_404(EventPicture.objects.filter(event__in=visible), pk)


# --- silences and per-compound rules -------------------------------------------------


def silence_list(*, user: Any, now: Any) -> QuerySet[Silence]:
    """Silences in force or still to come, soonest ending first."""
    return (
        Silence.objects.visible_to(user)
        .filter(ends_at__gt=now)
        .select_related("device", "created_by")
        .order_by("ends_at", "id")
    )


def silence_get(*, user: Any, pk: Any) -> Silence:
    return get_visible_or_404(Silence.objects.visible_to(user), pk)


def device_by_key(*, user: Any, key: str) -> Device | None:
    return Device.objects.visible_to(user).select_related("compound").filter(key=key).first()


@dataclass(frozen=True)
class RuleRow:
    event_type: str
    label: str
    rule: Rule | None  # what applies in the compound (None: no alert)
    adjusted: bool  # an officer changed the default here


def compound_rules(*, user: Any, pk: Any) -> tuple[Compound, list[RuleRow]]:
    """A visible compound's rule per event type: the default or its adjustment."""
    compound = get_visible_or_404(Compound.objects.visible_to(user), pk)
    overrides = {s.event_type: s.as_rule() for s in RuleSetting.objects.filter(compound=compound)}
    book = rulebook(overrides)
    rows = [
        RuleRow(value, str(label), book.get(value), value in overrides)
        for value, label in EventType.choices
        if value not in ("heartbeat", "door_open", "door_close", "motion") or value in overrides
    ]
    return compound, rows
