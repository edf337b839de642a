"""Telling the notify app about alerts: raised → page_open, acknowledged →
page_acknowledge, cleared → page_close.

Every change to an alert sets ``page_pending`` in the same commit; ``sync``
tells notify and resets it. It runs right after the commit (for speed) and
again from every worker call (for alerts whose worker was killed between the
commit and the call). The notify calls are idempotent, so telling twice is
harmless; telling never is what this prevents.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from beatbook.alerts.models import Alert, AlertState
from beatbook.notify import services as notify

log = logging.getLogger(__name__)

SUBJECT_TYPE = "alert"


def title_of(alert: Alert) -> str:
    if alert.rule == "count":
        return pgettext("alerts", "%(what)s (%(n)s times)") % {
            "what": alert.headline,
            "n": alert.count,
        }
    return alert.headline


def body_of(alert: Alert) -> str:
    device = alert.device
    where = device.address or str(device.compound)
    return pgettext("alerts", "%(where)s (device %(key)s)") % {"where": where, "key": device.key}


def sync(*, ids: Sequence[int] | None = None, limit: int = 500) -> int:
    """Tell notify of the pending changes (of ``ids``, or of any alert);
    returns how many alerts were handled."""
    qs = Alert.objects.filter(page_pending=True)
    if ids is not None:
        qs = qs.filter(id__in=list(ids))
    alerts = list(
        qs.select_related(
            "device__compound__community__beat", "acknowledged_by", "cleared_by"
        ).order_by("id")[:limit]
    )
    if not alerts:
        return 0
    done = []
    with translation.override("zh-hans"):
        for alert in alerts:
            try:
                _tell(alert)
            except Exception:  # one failing page must not hold back the rest
                log.exception("paging alert %s failed; retried on the next worker call", alert.pk)
                continue
            done.append(alert.pk)
    Alert.objects.filter(id__in=done).update(page_pending=False)
    return len(done)


def _tell(alert: Alert) -> None:
    device = alert.device
    if alert.state == AlertState.ACTIVE:
        notify.page_open(
            subject_type=SUBJECT_TYPE,
            subject_id=alert.pk,
            station_id=device.compound.community.beat.station_id,
            building_id=device.building_id,
            compound_id=device.compound_id,
            title=title_of(alert),
            body=body_of(alert),
            url=reverse("alerts:alert-detail", args=[alert.pk]),
            severity=alert.severity,
            now=alert.created_at,
        )
    if alert.acknowledged:
        notify.page_acknowledge(
            subject_type=SUBJECT_TYPE,
            subject_id=alert.pk,
            actor=alert.acknowledged_by,
            now=alert.acknowledged_at,
        )
    if alert.state == AlertState.CLEARED:
        notify.page_close(
            subject_type=SUBJECT_TYPE,
            subject_id=alert.pk,
            actor=alert.cleared_by,
            now=alert.cleared_at,
        )
