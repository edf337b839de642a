"""Scoped reads for exports: rows in the import format, from ``visible_to(user)``.

Each ``*_export_rows`` yields lists of cell values in the order of the
matching import's headers, so an exported file can be edited and imported
back; it runs a constant number of queries (one streaming query, plus one
for the heads of household) whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from beatbook.core import audit
from beatbook.core.scoping import scope_of
from beatbook.core.shortcuts import as_object_id, get_visible_or_404
from beatbook.exchange import rows as rules
from beatbook.registry.idnumbers import mask_id_number
from beatbook.registry.models import Beat, Building, Community, Compound, Flat, Premises, Resident
from beatbook.registry.phones import format_phone

#: rows fetched per round trip while streaming
FETCH = 2000

_POPULATION_WORDS = {value: word for word, value in rules.POPULATION_TYPES.items()}
_STATUS_WORDS = {value: word for word, value in rules.FLAT_STATUSES.items()}
_KIND_WORDS: dict[str, str] = {}
for _word, _value in rules.PREMISES_KINDS.items():
    _KIND_WORDS.setdefault(_value, _word)
_SEX_WORDS = {value: word for word, value in rules.SEX_WORDS.items()}

RESIDENT_HEADERS = [c.header for c in rules.RESIDENTS.columns]
HOUSEHOLD_HEADERS = [c.header for c in rules.FLATS.columns] + ["户主", "人数"]
PREMISES_HEADERS = [c.header for c in rules.PREMISES.columns]
HEADERS = {
    "residents": RESIDENT_HEADERS,
    "households": HOUSEHOLD_HEADERS,
    "premises": PREMISES_HEADERS,
}


@dataclass(frozen=True)
class ExportScope:
    """Which part of the user's jurisdiction: ``mine`` or ``level:id``."""

    level: str  # mine, beat, community, compound, building
    id: int | None = None

    @classmethod
    def parse(cls, text: str) -> ExportScope:
        text = (text or "").strip()
        if text == "mine":
            return cls("mine")
        level, _sep, raw = text.partition(":")
        pk = as_object_id(raw)
        if level not in ("beat", "community", "compound", "building") or pk is None:
            raise ValidationError(
                {"scope": _("Scope is mine, beat:ID, community:ID, compound:ID or building:ID.")}
            )
        return cls(level, pk)

    def __str__(self) -> str:
        return self.level if self.id is None else f"{self.level}:{self.id}"

    def building_q(self, path: str) -> Q:
        """Q on a model whose Building is reached through ``path``."""
        prefix = f"{path}__" if path else ""
        lookups = {
            "beat": f"{prefix}compound__community__beat_id",
            "community": f"{prefix}compound__community_id",
            "compound": f"{prefix}compound_id",
            "building": f"{prefix}id" if path else "id",
        }
        if self.level == "mine":
            return Q()
        return Q(**{lookups[self.level]: self.id})


def scope_check(*, user: Any, scope: ExportScope) -> None:
    """404 unless the user sees residents and the chosen beat/community/... ."""
    if not scope_of(user).sees_residents:
        raise Http404
    if scope.level == "mine":
        return
    models: dict[str, Any] = {
        "beat": Beat,
        "community": Community,
        "compound": Compound,
        "building": Building,
    }
    get_visible_or_404(models[scope.level].objects.visible_to(user), scope.id)


def scope_choices(*, user: Any) -> list[tuple[str, str]]:
    """(value, label) for every part of the user's jurisdiction (a few queries)."""
    choices = [("mine", _("Everything I see"))]
    beat_label, community_label = _("Beat"), _("Community")
    compound_label, building_label = _("Compound"), _("Building")
    for beat in Beat.objects.visible_to(user):
        choices.append((f"beat:{beat.pk}", f"{beat_label}: {beat.name}"))
    for community in Community.objects.visible_to(user):
        choices.append((f"community:{community.pk}", f"{community_label}: {community.name}"))
    for compound in Compound.objects.visible_to(user):
        choices.append((f"compound:{compound.pk}", f"{compound_label}: {compound.name}"))
    for building in Building.objects.visible_to(user).select_related("compound"):
        choices.append((f"building:{building.pk}", f"{building_label}: {building}"))
    return choices


def _residents(user: Any, scope: ExportScope) -> QuerySet[Resident]:
    return (
        Resident.objects.visible_to(user)
        .filter(scope.building_q("flat__building"), moved_out_on__isnull=True)
        .order_by("flat__building_id", "flat__entrance_id", "flat__room", "-is_head", "id")
    )


def resident_export_rows(*, user: Any, scope: ExportScope, full_ids: bool) -> Iterator[list[Any]]:
    """Current residents in the residents import format. ID numbers are masked
    unless ``full_ids`` and the user may see full numbers; with masked numbers
    the birth date is left out too (with it, the masked digits are guessable)."""
    full = full_ids and scope_of(user).sees_full_id_numbers
    rows = _residents(user, scope).values_list(
        "name",
        "id_number",
        "sex",
        "birth_date",
        "ethnicity",
        "phones",
        "flat__building__compound__community__name",
        "flat__building__compound__name",
        "flat__building__number",
        "flat__entrance__number",
        "flat__room",
        "population_type",
        "relation",
        "is_head",
        "notes",
    )
    for (
        name,
        id_number,
        sex,
        birth,
        ethnicity,
        phones,
        community,
        compound,
        building,
        entrance,
        room,
        population,
        relation,
        is_head,
        notes,
    ) in rows.iterator(chunk_size=FETCH):
        yield [
            name,
            id_number if full else mask_id_number(id_number),
            _SEX_WORDS.get(sex, ""),
            birth.isoformat() if birth and full else "",
            ethnicity,
            _national(phones[0]) if phones else "",
            community,
            compound,
            building,
            entrance or "",
            room,
            _POPULATION_WORDS.get(population, ""),
            _relation_word(relation, is_head),
            notes,
        ]


def _relation_word(relation: str, is_head: bool) -> str:
    """What imports back as the same relation ('' keeps the stored one)."""
    if is_head:
        return "户主"
    return {"owner_family": "家属", "tenant": "租户", "other": "其他"}.get(relation, "")


def _national(e164: str) -> str:
    """A number as written at home (13812345678, 010 8888 6666), which imports back."""
    if e164.startswith("+86") and rules.CN_MOBILE.fullmatch(e164[3:]):
        return e164[3:]
    return format_phone(e164)


def household_export_rows(*, user: Any, scope: ExportScope) -> Iterator[list[Any]]:
    """Flats in the address-list import format, with the head and the number
    of current residents (columns an import ignores)."""
    flats = (
        Flat.objects.visible_to(user)
        .filter(scope.building_q("building"))
        .annotate(n=Count("residents", filter=Q(residents__moved_out_on__isnull=True)))
        .order_by("building_id", "entrance_id", "room")
        .values_list(
            "id",
            "building__compound__community__name",
            "building__compound__name",
            "building__number",
            "entrance__number",
            "room",
            "status",
            "n",
        )
    )
    heads = dict(
        Resident.objects.visible_to(user)
        .filter(scope.building_q("flat__building"), is_head=True, moved_out_on__isnull=True)
        .values_list("flat_id", "name")
    )
    for pk, community, compound, building, entrance, room, status, n in flats.iterator(
        chunk_size=FETCH
    ):
        yield [
            community,
            compound,
            building,
            entrance or "",
            room,
            _STATUS_WORDS.get(status, ""),
            heads.get(pk, ""),
            n,
        ]


def premises_export_rows(*, user: Any, scope: ExportScope) -> Iterator[list[Any]]:
    qs = Premises.objects.visible_to(user)
    if scope.level == "beat":
        qs = qs.filter(community__beat_id=scope.id)
    elif scope.level == "community":
        qs = qs.filter(community_id=scope.id)
    elif scope.level == "compound":
        qs = qs.filter(compound_id=scope.id)
    elif scope.level == "building":
        qs = qs.filter(building_id=scope.id)
    for name, kind, community, compound, address, contact, phone in (
        qs.order_by("community_id", "name", "id")
        .values_list(
            "name",
            "kind",
            "community__name",
            "compound__name",
            "address",
            "contact_name",
            "contact_phone",
        )
        .iterator(chunk_size=FETCH)
    ):
        yield [
            name,
            _KIND_WORDS.get(kind, ""),
            community,
            compound or "",
            address,
            contact,
            _national(phone) if phone else "",
        ]


EXPORT_KINDS = ("residents", "households", "premises")


def export_rows(*, user: Any, kind: str, scope: ExportScope, full_ids: bool) -> Iterator[list[Any]]:
    if kind == "residents":
        return resident_export_rows(user=user, scope=scope, full_ids=full_ids)
    if kind == "households":
        return household_export_rows(user=user, scope=scope)
    if kind == "premises":
        return premises_export_rows(user=user, scope=scope)
    raise ValidationError({"kind": _("Unknown export.")})


def export_xlsx(
    *,
    user: Any,
    kind: str,
    scope: ExportScope,
    reason: str,
    full_ids: bool,
    path: str | Path,
) -> int:
    """Write an export to ``path`` (xlsx, streamed in constant memory) and
    audit it with its reason; returns the number of rows. Raises Http404 for a
    scope the user does not see, ValidationError without a reason,
    PermissionDenied for full ID numbers the user may not see."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you export this list.")})
    if kind not in EXPORT_KINDS:
        raise ValidationError({"kind": _("Unknown export.")})
    scope_check(user=user, scope=scope)
    if full_ids and not scope_of(user).sees_full_id_numbers:
        raise PermissionDenied(_("Your role does not see full ID numbers."))
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet(kind)
    text_format = workbook.add_format({"num_format": "@"})
    bold = workbook.add_format({"bold": True})
    headers = HEADERS[kind]
    sheet.write_row(0, 0, headers, bold)
    count = 0
    for count, values in enumerate(
        export_rows(user=user, kind=kind, scope=scope, full_ids=full_ids), start=1
    ):
        for col, value in enumerate(values):
            if isinstance(value, int):
                sheet.write_number(count, col, value)
            else:
                # text cells: ID numbers and phones keep every digit
                sheet.write_string(count, col, value or "", text_format)
    sheet.set_column(0, len(headers) - 1, 14)
    workbook.close()
    with transaction.atomic():
        audit.record(
            actor=user,
            action=f"{kind}.export",
            object_type=f"exchange.{kind}_export",
            object_repr=str(scope),
            extra={
                "scope": str(scope),
                "reason": reason,
                "rows": count,
                "id_numbers": "full" if full_ids and kind == "residents" else "masked",
            },
        )
    return count
