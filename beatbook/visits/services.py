"""Every write of the visits app: atomic, scope-checked, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from beatbook.core import audit
from beatbook.core.scoping import Scope, scope_of
from beatbook.registry.models import Beat, Building, Community, Compound, Flat, Resident
from beatbook.visits import rules
from beatbook.visits.models import (
    FollowUp,
    FollowUpStatus,
    Household,
    Outcome,
    Round,
    RoundKind,
    RoundScope,
    RoundStatus,
    Visit,
    VisitTag,
)

#: outcomes that mean someone was reached: a second such visit in a round asks twice
REACHED = (Outcome.VISITED, Outcome.REFUSED)
#: a clock may run a little fast on a phone
FUTURE_SLACK = dt.timedelta(minutes=10)


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _require_visitor(actor: Any) -> Scope:
    scope = scope_of(actor)
    if not scope.sees_residents:
        raise PermissionDenied(_("Your role does not visit households."))
    return scope


def _require_flat(scope: Scope, flat: Flat) -> None:
    if not scope.covers_building(flat.building_id, flat.building.compound.community_id):
        raise PermissionDenied(_("This household is outside your jurisdiction."))


def _clean_text(value: str | None, field_name: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise ValidationError({field_name: _("At most %(n)d characters.") % {"n": max_length}})
    return text


def _clean_tags(tags: Iterable[str] | None) -> list[str]:
    values = list(dict.fromkeys(tags or []))
    unknown = [t for t in values if t not in VisitTag.values]
    if unknown:
        raise ValidationError({"tags": _("Unknown tag: %(tag)s") % {"tag": unknown[0]}})
    return [t for t in VisitTag.values if t in values]


# --- rounds -------------------------------------------------------------------------


def round_buildings(round_: Round) -> Any:
    return Building.objects.filter(round_.building_q())


def round_create(
    *,
    actor: Any,
    name: str,
    scope: str,
    start_date: dt.date,
    end_date: dt.date,
    kind: str = RoundKind.ROUTINE,
    beat: Beat | None = None,
    community: Community | None = None,
    compound: Compound | None = None,
    buildings: Sequence[Building] = (),
    household_due_date: dt.date | None = None,
    daily_target: int | None = None,
    status: str = RoundStatus.ACTIVE,
    notes: str = "",
) -> Round:
    """A new round; the actor must cover every building in its scope."""
    actor_scope = _require_visitor(actor)
    name = _clean_text(name, "name", 100)
    if not name:
        raise ValidationError({"name": _("Name is required.")})
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if status not in RoundStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    if household_due_date and not start_date <= household_due_date <= end_date:
        raise ValidationError(
            {"household_due_date": _("The household due date lies outside the round's dates.")}
        )
    if daily_target is not None and daily_target <= 0:
        raise ValidationError({"daily_target": _("A daily target is a positive number.")})
    targets = {
        RoundScope.BEAT: beat,
        RoundScope.COMMUNITY: community,
        RoundScope.COMPOUND: compound,
    }
    if scope == RoundScope.BUILDINGS:
        if not buildings:
            raise ValidationError({"buildings": _("Choose at least one building.")})
    elif scope in targets:
        if targets[scope] is None:  # type: ignore[index]
            raise ValidationError({scope: _("Choose where the round takes place.")})
    else:
        raise ValidationError({"scope": _("Unknown scope.")})
    with transaction.atomic():
        round_ = Round.objects.create(
            name=name,
            kind=kind,
            scope=scope,
            beat=beat if scope == RoundScope.BEAT else None,
            community=community if scope == RoundScope.COMMUNITY else None,
            compound=compound if scope == RoundScope.COMPOUND else None,
            start_date=start_date,
            end_date=end_date,
            household_due_date=household_due_date,
            daily_target=daily_target,
            status=status,
            notes=_clean_text(notes, "notes", 2000),
            created_by=actor,
        )
        if scope == RoundScope.BUILDINGS:
            round_.buildings.set(buildings)
        outside = round_buildings(round_).exclude(actor_scope.building_q(""))
        if not actor_scope.community_ids and not actor_scope.building_ids or outside.exists():
            raise PermissionDenied(_("The round reaches outside your jurisdiction."))
        audit.record(
            actor=actor,
            action="visits.round.create",
            obj=round_,
            after={
                "name": name,
                "kind": kind,
                "scope": scope,
                "target": getattr(targets.get(scope), "pk", None),  # type: ignore[call-overload]
                "buildings": [b.pk for b in buildings],
                "start_date": start_date,
                "end_date": end_date,
                "household_due_date": household_due_date,
                "daily_target": daily_target,
                "status": status,
            },
        )
    return round_


ROUND_FIELDS = ("name", "end_date", "household_due_date", "daily_target", "status", "notes")


def round_update(*, actor: Any, round_: Round, **changes: Any) -> Round:
    """Change a round's name, end, targets or status (its scope stays)."""
    actor_scope = _require_visitor(actor)
    unknown = set(changes) - set(ROUND_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    if round_buildings(round_).exclude(actor_scope.building_q("")).exists():
        raise PermissionDenied(_("The round reaches outside your jurisdiction."))
    before = {f: getattr(round_, f) for f in ROUND_FIELDS}
    for key, value in changes.items():
        setattr(round_, key, value)
    if round_.status not in RoundStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if round_.end_date < round_.start_date:
        raise ValidationError({"end_date": _("The end date is before the start date.")})
    before, after = audit.diff(before, {f: getattr(round_, f) for f in ROUND_FIELDS})
    if not after:
        return round_
    with transaction.atomic():
        round_.save(update_fields=list(after))
        audit.record(
            actor=actor, action="visits.round.update", obj=round_, before=before, after=after
        )
    return round_


# --- visits ---------------------------------------------------------------------------


@dataclass
class LoggedVisit:
    """A visit just logged, and the other visits of the same household in the
    same round by someone else (the duplicate warning)."""

    visit: Visit
    duplicate_of: list[int] = field(default_factory=list)


def _clean_visited_at(value: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    moment = rules.as_aware(value) if value is not None else now
    if moment > now + FUTURE_SLACK:
        raise ValidationError({"visited_at": _("The visit time is in the future.")})
    return moment


def _clean_visitors(actor: Any, visitors: Iterable[Any] | None) -> list[Any]:
    people = list(visitors or [])
    if not people:
        return [actor]
    ids = {getattr(p, "pk", p) for p in people}
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids) or not all(scope_of(u).sees_residents for u in users):
        raise ValidationError({"visitors": _("Visitors are active officers or workers.")})
    return users


def duplicates(*, flat: Flat, round_: Round | None, actor: Any) -> list[int]:
    """Ids of visits of this household in this round that reached someone and
    were made by others (neither logged by nor with ``actor``)."""
    if round_ is None:
        return []
    return list(
        Visit.objects.current()
        .filter(flat=flat, round=round_, outcome__in=REACHED)
        .exclude(Q(author=actor) | Q(visitors=actor))
        .order_by("visited_at", "id")
        .values_list("id", flat=True)
        .distinct()
    )


def _check_round(actor_scope: Scope, round_: Round, flat: Flat, when: dt.datetime) -> None:
    if round_.status != RoundStatus.ACTIVE:
        raise ValidationError({"round": _("This round is not active.")})
    if not Flat.objects.filter(pk=flat.pk).filter(round_.building_q("building")).exists():
        raise ValidationError({"flat": _("This household is not in the round.")})
    if rules.local_date(when) < round_.start_date:
        raise ValidationError({"visited_at": _("The visit is before the round started.")})


def _visit_values(visit: Visit) -> dict[str, Any]:
    return {
        "flat": visit.flat_id,
        "round": visit.round_id,
        "outcome": visit.outcome,
        "visited_at": visit.visited_at,
        "people_met": visit.people_met,
        "notes": visit.notes,
        "tags": visit.tags,
    }


def visit_log(
    *,
    actor: Any,
    flat: Flat,
    outcome: str,
    round_: Round | None = None,
    visited_at: dt.datetime | None = None,
    visitors: Iterable[Any] | None = None,
    people_met: str = "",
    residents_met: Iterable[Resident] = (),
    notes: str = "",
    tags: Iterable[str] | None = None,
    followup_task: str = "",
    followup_due: dt.date | None = None,
    followup_assignee: Any = None,
    now: dt.datetime | None = None,
) -> LoggedVisit:
    """Log a visit (with an optional follow-up). It is saved even when someone
    else already visited the household in the round; ``duplicate_of`` says so."""
    actor_scope = _require_visitor(actor)
    _require_flat(actor_scope, flat)
    moment = _now(now)
    when = _clean_visited_at(visited_at, moment)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    if round_ is not None:
        _check_round(actor_scope, round_, flat, when)
    people = _clean_visitors(actor, visitors)
    met = list(residents_met)
    if any(r.flat_id != flat.pk for r in met):
        raise ValidationError({"residents_met": _("Only people of this household.")})
    if followup_task and followup_due is None:
        raise ValidationError({"followup_due": _("A follow-up needs a due date.")})
    with transaction.atomic():
        duplicate_of = duplicates(flat=flat, round_=round_, actor=actor)
        visit = Visit.objects.create(
            flat=flat,
            round=round_,
            visited_at=when,
            outcome=outcome,
            people_met=_clean_text(people_met, "people_met", 200),
            notes=_clean_text(notes, "notes", 4000),
            tags=_clean_tags(tags),
            author=actor,
        )
        visit.visitors.set(people)
        if met:
            visit.residents_met.set(met)
        audit.record(
            actor=actor,
            action="visits.visit.log",
            obj=visit,
            after={**_visit_values(visit), "visitors": [u.pk for u in people]},
            extra={"duplicate_of": duplicate_of} if duplicate_of else None,
        )
        if followup_task:
            followup_create(
                actor=actor,
                flat=flat,
                task=followup_task,
                due_date=followup_due,  # type: ignore[arg-type]
                assignee=followup_assignee or actor,
                visit=visit,
            )
    return LoggedVisit(visit=visit, duplicate_of=duplicate_of)


VISIT_FIELDS = ("outcome", "visited_at", "people_met", "notes", "tags")


def _clean_visit_changes(changes: dict[str, Any], moment: dt.datetime) -> dict[str, Any]:
    unknown = set(changes) - set(VISIT_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    clean = dict(changes)
    if "outcome" in clean and clean["outcome"] not in Outcome.values:
        raise ValidationError({"outcome": _("Unknown outcome.")})
    if "visited_at" in clean:
        clean["visited_at"] = _clean_visited_at(clean["visited_at"], moment)
    if "people_met" in clean:
        clean["people_met"] = _clean_text(clean["people_met"], "people_met", 200)
    if "notes" in clean:
        clean["notes"] = _clean_text(clean["notes"], "notes", 4000)
    if "tags" in clean:
        clean["tags"] = _clean_tags(clean["tags"])
    return clean


def may_edit(actor: Any, visit: Visit, now: dt.datetime | None = None) -> bool:
    """Its author, for 24 hours after logging it, while nobody corrected it."""
    return (
        getattr(actor, "pk", None) == visit.author_id
        and not visit.superseded
        and _now(now) < rules.editable_until(visit.created_at)
    )


def visit_update(
    *, actor: Any, visit: Visit, now: dt.datetime | None = None, **changes: Any
) -> Visit:
    """Change a visit: its author only, within 24 hours (then: a correction)."""
    moment = _now(now)
    if not may_edit(actor, visit, moment):
        raise PermissionDenied(
            _("Only its author may change a visit, within 24 hours; append a correction instead.")
        )
    _require_flat(_require_visitor(actor), visit.flat)
    clean = _clean_visit_changes(changes, moment)
    if (
        visit.round is not None
        and "visited_at" in clean
        and rules.local_date(clean["visited_at"]) < visit.round.start_date
    ):
        raise ValidationError({"visited_at": _("The visit is before the round started.")})
    before = {f: getattr(visit, f) for f in VISIT_FIELDS}
    for key, value in clean.items():
        setattr(visit, key, value)
    before, after = audit.diff(before, {f: getattr(visit, f) for f in VISIT_FIELDS})
    if not after:
        return visit
    with transaction.atomic():
        visit.save(update_fields=[*after, "updated_at"])
        audit.record(
            actor=actor, action="visits.visit.update", obj=visit, before=before, after=after
        )
    return visit


def visit_correct(
    *, actor: Any, visit: Visit, reason: str, now: dt.datetime | None = None, **changes: Any
) -> Visit:
    """Append a correction: a new visit with the corrected values that
    replaces ``visit`` (kept, marked superseded) in coverage and lists."""
    actor_scope = _require_visitor(actor)
    _require_flat(actor_scope, visit.flat)
    moment = _now(now)
    reason = _clean_text(reason, "reason", 500)
    if not reason:
        raise ValidationError({"reason": _("Say why the visit is corrected.")})
    clean = _clean_visit_changes(changes, moment)
    with transaction.atomic():
        original = Visit.objects.select_for_update().get(pk=visit.pk)
        if original.superseded:
            raise ValidationError(_("This visit was already corrected; correct the correction."))
        values = {f: clean.get(f, getattr(original, f)) for f in VISIT_FIELDS}
        correction = Visit.objects.create(
            flat_id=original.flat_id,
            round_id=original.round_id,
            author=actor,
            corrects=original,
            correction_reason=reason,
            **values,
        )
        correction.visitors.set(original.visitors.all())
        correction.residents_met.set(original.residents_met.all())
        original.superseded = True
        original.save(update_fields=["superseded", "updated_at"])
        visit.superseded = True
        before, after = audit.diff(
            {f: getattr(original, f) for f in VISIT_FIELDS}, {f: values[f] for f in VISIT_FIELDS}
        )
        audit.record(
            actor=actor,
            action="visits.visit.correct",
            obj=correction,
            before=before,
            after=after,
            extra={"corrects": original.pk, "reason": reason},
        )
    return correction


# --- follow-ups ---------------------------------------------------------------------------


def _require_assignee(flat: Flat, assignee: Any) -> None:
    assignee_scope = scope_of(assignee)
    if not assignee_scope.covers_building(flat.building_id, flat.building.compound.community_id):
        raise ValidationError({"assignee": _("The assignee does not cover this household.")})


def followup_create(
    *,
    actor: Any,
    flat: Flat,
    task: str,
    due_date: dt.date,
    assignee: Any,
    resident: Resident | None = None,
    visit: Visit | None = None,
) -> FollowUp:
    actor_scope = _require_visitor(actor)
    _require_flat(actor_scope, flat)
    task = _clean_text(task, "task", 300)
    if not task:
        raise ValidationError({"task": _("Say what is to be done.")})
    _require_assignee(flat, assignee)
    if resident is not None and resident.flat_id != flat.pk:
        raise ValidationError({"resident": _("Only people of this household.")})
    with transaction.atomic():
        followup = FollowUp.objects.create(
            flat=flat,
            resident=resident,
            visit=visit,
            task=task,
            due_date=due_date,
            assignee=assignee,
            created_by=actor,
        )
        audit.record(
            actor=actor,
            action="visits.followup.create",
            obj=followup,
            after={
                "flat": flat.pk,
                "resident": getattr(resident, "pk", None),
                "visit": getattr(visit, "pk", None),
                "task": task,
                "due_date": due_date,
                "assignee": assignee.pk,
            },
        )
    return followup


def followup_complete(
    *, actor: Any, followup: FollowUp, note: str = "", now: dt.datetime | None = None
) -> FollowUp:
    _require_flat(_require_visitor(actor), followup.flat)
    if followup.status == FollowUpStatus.DONE:
        raise ValidationError(_("This follow-up is already done."))
    with transaction.atomic():
        followup.status = FollowUpStatus.DONE
        followup.done_at = _now(now)
        followup.done_by = actor
        followup.done_note = _clean_text(note, "note", 500)
        followup.save(update_fields=["status", "done_at", "done_by", "done_note"])
        audit.record(
            actor=actor,
            action="visits.followup.complete",
            obj=followup,
            before={"status": FollowUpStatus.OPEN},
            after={"status": FollowUpStatus.DONE, "note": followup.done_note},
        )
    return followup


def followup_reassign(
    *, actor: Any, followup: FollowUp, assignee: Any, due_date: dt.date
) -> FollowUp:
    _require_flat(_require_visitor(actor), followup.flat)
    _require_assignee(followup.flat, assignee)
    before = {"assignee": followup.assignee_id, "due_date": followup.due_date}
    with transaction.atomic():
        followup.assignee = assignee
        followup.due_date = due_date
        followup.save(update_fields=["assignee", "due_date"])
        before, after = audit.diff(before, {"assignee": assignee.pk, "due_date": due_date})
        audit.record(
            actor=actor, action="visits.followup.update", obj=followup, before=before, after=after
        )
    return followup


# --- households ----------------------------------------------------------------------------

HOUSEHOLD_FIELDS = (*Household.CLASSIFICATION, "care_every_days", "notes")


def household_update(
    *, actor: Any, flat: Flat, today: dt.date | None = None, **changes: Any
) -> Household:
    """Set a household's classification and care-list cadence."""
    _require_flat(_require_visitor(actor), flat)
    unknown = set(changes) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed: %s") % ", ".join(sorted(unknown)))
    cadence = changes.get("care_every_days")
    if cadence is not None and not 1 <= int(cadence) <= 365:
        raise ValidationError({"care_every_days": _("Between 1 and 365 days.")})
    if "notes" in changes:
        changes["notes"] = _clean_text(changes["notes"], "notes", 2000)
    with transaction.atomic():
        household, created = Household.objects.select_for_update().get_or_create(flat=flat)
        before = {f: getattr(household, f) for f in HOUSEHOLD_FIELDS}
        for key, value in changes.items():
            setattr(household, key, value)
        if household.care_every_days and not before["care_every_days"]:
            household.care_since = today or timezone.localdate()
        if not household.care_every_days:
            household.care_since = None
        household.updated_by = actor
        household.save()
        before, after = audit.diff(before, {f: getattr(household, f) for f in HOUSEHOLD_FIELDS})
        if after or created:
            audit.record(
                actor=actor,
                action="visits.household.update",
                obj=household,
                object_repr=flat.address,
                before=before,
                after=after,
            )
    return household
