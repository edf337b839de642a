"""Every write to the registry: atomic, scope-checked, audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from beatbook.core import audit
from beatbook.core.scoping import Scope, scope_of
from beatbook.registry import addresses
from beatbook.registry.idnumbers import IdNumberError, parse_id_number
from beatbook.registry.models import (
    Building,
    Community,
    Compound,
    DocumentType,
    Entrance,
    Flat,
    FlatStatus,
    PopulationType,
    Premises,
    PremisesKind,
    Relation,
    Residence,
    Resident,
    TransferRequest,
    TransferStatus,
)
from beatbook.registry.phones import PhoneError, normalize_phone, parse_phone_list

# --- permission helpers -----------------------------------------------------


def _require_registry_editor(actor: Any) -> Scope:
    scope = scope_of(actor)
    if not scope.edits_registry:
        raise PermissionDenied(_("Your role cannot change the registry."))
    return scope


def _require_building_in_scope(scope: Scope, building: Building) -> None:
    if not scope.covers_building(building.pk, building.compound.community_id):
        raise PermissionDenied(_("This building is outside your jurisdiction."))


def _require_community_for_structure(scope: Scope, community: Community) -> None:
    if not scope.builds_in(community.pk):
        raise PermissionDenied(
            _("Compounds and buildings can be created only inside your own beat.")
        )


def _snapshot(obj: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def _apply_changes(
    obj: Any, changes: Mapping[str, Any], fields: Iterable[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    before = _snapshot(obj, fields)
    for key, value in changes.items():
        setattr(obj, key, value)
    after = _snapshot(obj, fields)
    before, after = audit.diff(before, after)
    # Equal values of another form (Decimal('80') and Decimal('80.00')) are no change.
    same = [key for key in after if before[key] == after[key]]
    for key in same:
        del before[key], after[key]
    return before, after


def _clean_name(value: str, field: str, label: str, max_length: int = 100) -> str:
    text = addresses.clean_text(value)
    if not text:
        raise ValidationError({field: _("%(label)s is required.") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return text


def id_error_message(exc: IdNumberError) -> str:
    """The user's language: the check module's detailed English text, or a translation by code."""
    if (get_language() or "").startswith("en"):
        return str(exc)
    messages = {
        "length": _("An ID number has 18 characters (15 on an old card)."),
        "characters": _("An ID number has only digits, with X allowed as the last character."),
        "checksum": _(
            "The check character (the last one) does not match: check the number for a typo."
        ),
        "birth_date": _("The birth date in the ID number is not a real date."),
        "future": _("The birth date in the ID number is in the future."),
        "region": _("The ID number starts with an unknown region code."),
    }
    return messages.get(exc.code, str(exc))


def phone_error_message(exc: PhoneError) -> str:
    if (get_language() or "").startswith("en"):
        return str(exc)
    messages = {
        "empty": _("Enter a phone number."),
        "characters": _("A phone number may contain only digits, +, spaces, dashes and brackets."),
        "area_code": _("A landline needs its area code, e.g. 010-88886666."),
        "invalid": _("Not a valid Chinese mobile or landline number."),
    }
    text = messages.get(exc.code, str(exc))
    bad = str(exc).split(": ", 1)[0] if ": " in str(exc) else ""
    return (
        f"{bad}: {text}"
        if bad and bad != str(exc) and not bad.startswith(("Phone", "Mobile", "Landline", "Not"))
        else text
    )


def _clean_phone(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    try:
        return normalize_phone(text)
    except PhoneError as exc:
        raise ValidationError({field: phone_error_message(exc)}) from exc


# --- compounds and buildings ----------------------------------------------------

COMPOUND_FIELDS = ("name", "address", "property_manager", "property_phone")


def compound_create(
    *,
    actor: Any,
    community: Community,
    name: str,
    address: str = "",
    property_manager: str = "",
    property_phone: str = "",
) -> Compound:
    scope = _require_registry_editor(actor)
    _require_community_for_structure(scope, community)
    name = _clean_name(name, "name", _("Name"))
    if Compound.objects.filter(community=community, name=name).exists():
        raise ValidationError({"name": _("A compound with this name already exists.")})
    compound = Compound(
        community=community,
        name=name,
        address=address.strip(),
        property_manager=property_manager.strip(),
        property_phone=_clean_phone(property_phone, "property_phone"),
    )
    with transaction.atomic():
        compound.save()
        audit.record(
            actor=actor,
            action="compound.create",
            obj=compound,
            after={"community": community.pk, **_snapshot(compound, COMPOUND_FIELDS)},
        )
    return compound


def compound_update(*, actor: Any, compound: Compound, **changes: Any) -> Compound:
    scope = _require_registry_editor(actor)
    _require_community_for_structure(scope, compound.community)
    unknown = set(changes) - set(COMPOUND_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"unknown fields: {sorted(unknown)}"})
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"], "name", _("Name"))
        if (
            Compound.objects.filter(community=compound.community, name=changes["name"])
            .exclude(pk=compound.pk)
            .exists()
        ):
            raise ValidationError({"name": _("A compound with this name already exists.")})
    if "property_phone" in changes:
        changes["property_phone"] = _clean_phone(changes["property_phone"], "property_phone")
    with transaction.atomic():
        before, after = _apply_changes(compound, changes, COMPOUND_FIELDS)
        if not after:
            return compound
        compound.save(update_fields=[*after.keys()])
        if "name" in after:
            _readdress(Flat.objects.filter(building__compound=compound))
        audit.record(
            actor=actor, action="compound.update", obj=compound, before=before, after=after
        )
    return compound


def _readdress(flats: Any) -> None:
    changed = list(flats.select_related("building__compound", "entrance"))
    for flat in changed:
        flat.address = flat.compute_address()
    Flat.objects.bulk_update(changed, ["address"], batch_size=500)


BUILDING_FIELDS = ("number", "name", "floors")


def building_create(
    *, actor: Any, compound: Compound, number: str, name: str = "", floors: int | None = None
) -> Building:
    scope = _require_registry_editor(actor)
    _require_community_for_structure(scope, compound.community)
    number = addresses.normalize_building_number(number)
    if not number:
        raise ValidationError({"number": _("Building number is required.")})
    if Building.objects.filter(compound=compound, number=number).exists():
        raise ValidationError(
            {
                "number": _("Building %(n)s already exists in %(c)s.")
                % {"n": addresses.building_label(number), "c": compound.name}
            }
        )
    floors = _clean_whole_number(floors, "floors", FLOORS_RANGE)
    building = Building(compound=compound, number=number, name=name.strip(), floors=floors)
    with transaction.atomic():
        building.save()
        audit.record(
            actor=actor,
            action="building.create",
            obj=building,
            after={"compound": compound.pk, **_snapshot(building, BUILDING_FIELDS)},
        )
    return building


def building_update(*, actor: Any, building: Building, **changes: Any) -> Building:
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, building)
    unknown = set(changes) - set(BUILDING_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"unknown fields: {sorted(unknown)}"})
    if "number" in changes:
        if not scope.builds_in(building.compound.community_id):
            raise PermissionDenied(_("Only the beat officer can renumber a building."))
        changes["number"] = addresses.normalize_building_number(changes["number"])
        if not changes["number"]:
            raise ValidationError({"number": _("Building number is required.")})
        if (
            Building.objects.filter(compound=building.compound, number=changes["number"])
            .exclude(pk=building.pk)
            .exists()
        ):
            raise ValidationError(
                {"number": _("That building number is already used in this compound.")}
            )
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    if "floors" in changes:
        changes["floors"] = _clean_whole_number(changes["floors"], "floors", FLOORS_RANGE)
    with transaction.atomic():
        before, after = _apply_changes(building, changes, BUILDING_FIELDS)
        if not after:
            return building
        building.save(update_fields=[*after.keys(), "sort_key"])
        if "number" in after:
            _readdress(Flat.objects.filter(building=building))
        audit.record(
            actor=actor, action="building.update", obj=building, before=before, after=after
        )
    return building


# --- flats ---------------------------------------------------------------------

FLAT_FIELDS = ("room", "floor", "status", "area_m2", "notes")


_AREA_MAX = Decimal("99999.99")  # Flat.area_m2: max_digits=7, decimal_places=2


def _clean_area(value: Any) -> Decimal | None:
    """A flat's area in m² to two decimals; '' or None is unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        area = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {"area_m2": _("Enter the area as a number of square metres.")}
        ) from exc
    if not area.is_finite() or area < 0 or area > _AREA_MAX:
        raise ValidationError({"area_m2": _("The area must be between 0 and 99999.99 m².")})
    return area.quantize(Decimal("0.01"))


FLOORS_RANGE = (1, 200)  # storeys a building has
FLOOR_RANGE = (-10, 200)  # the floor a flat is on (basements below 0)


def _clean_whole_number(value: Any, field: str, bounds: tuple[int, int]) -> int | None:
    """A whole number within ``bounds``, or None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    low, high = bounds
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError({field: _("Enter a whole number.")}) from exc
    if not low <= number <= high:
        raise ValidationError(
            {field: _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high}}
        )
    return number


def entrance_get_or_create(*, building: Building, number: str) -> Entrance:
    number = addresses.normalize_entrance_number(number)
    entrance, _created = Entrance.objects.get_or_create(building=building, number=number)
    return entrance


def flat_create(
    *,
    actor: Any,
    building: Building,
    room: str,
    entrance_number: str | None = None,
    status: str = FlatStatus.UNKNOWN,
    floor: int | None = None,
    area_m2: Decimal | None = None,
    notes: str = "",
) -> Flat:
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, building)
    room = addresses.normalize_room(room)
    if not room:
        raise ValidationError({"room": _("Room number is required.")})
    if status not in FlatStatus.values:
        raise ValidationError({"status": _("Unknown flat status.")})
    area_m2 = _clean_area(area_m2)
    floor = _clean_whole_number(floor, "floor", FLOOR_RANGE)
    with transaction.atomic():
        entrance = (
            entrance_get_or_create(building=building, number=entrance_number)
            if entrance_number and entrance_number.strip()
            else None
        )
        flat = Flat(
            building=building,
            entrance=entrance,
            room=room,
            floor=floor if floor is not None else addresses.floor_of_room(room),
            status=status,
            area_m2=area_m2,
            notes=notes.strip(),
        )
        flat.address = flat.compute_address()
        if Flat.objects.filter(building=building, entrance=entrance, room=flat.room).exists():
            raise ValidationError({"room": _("%(a)s already exists.") % {"a": flat.address}})
        flat.save()
        audit.record(
            actor=actor,
            action="flat.create",
            obj=flat,
            after={
                "building": building.pk,
                "entrance": entrance.pk if entrance else None,
                **_snapshot(flat, FLAT_FIELDS),
            },
        )
    return flat


def flat_update(*, actor: Any, flat: Flat, **changes: Any) -> Flat:
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, flat.building)
    unknown = set(changes) - set(FLAT_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"unknown fields: {sorted(unknown)}"})
    if "status" in changes and changes["status"] not in FlatStatus.values:
        raise ValidationError({"status": _("Unknown flat status.")})
    if "floor" in changes:
        changes["floor"] = _clean_whole_number(changes["floor"], "floor", FLOOR_RANGE)
    if "room" in changes:
        changes["room"] = addresses.normalize_room(changes["room"])
        if not changes["room"]:
            raise ValidationError({"room": _("Room number is required.")})
        if changes.get("floor") is None:  # not given: as flat_create, read it from the room
            changes["floor"] = addresses.floor_of_room(changes["room"])
    if "notes" in changes:
        changes["notes"] = (changes["notes"] or "").strip()
    if "area_m2" in changes:
        changes["area_m2"] = _clean_area(changes["area_m2"])
    with transaction.atomic():
        before, after = _apply_changes(flat, changes, FLAT_FIELDS)
        if not after:
            return flat
        fields = list(after.keys())
        if "room" in after:
            flat.address = flat.compute_address()
            if (
                Flat.objects.filter(building=flat.building, entrance=flat.entrance, room=flat.room)
                .exclude(pk=flat.pk)
                .exists()
            ):
                raise ValidationError({"room": _("%(a)s already exists.") % {"a": flat.address}})
            fields.append("address")
        flat.save(update_fields=fields)
        audit.record(actor=actor, action="flat.update", obj=flat, before=before, after=after)
    return flat


# --- residents -----------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    document_type: str
    id_number: str
    passport_country: str
    birth_date: dt.date | None
    sex: str


_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,20}$")


def clean_document(document_type: str, id_number: str, passport_country: str = "") -> Document:
    """Validate an identity document; Chinese ID kinds are told apart by the number itself."""
    if document_type == DocumentType.PASSPORT:
        number = addresses.clean_text(id_number).replace(" ", "").upper()
        country = addresses.clean_text(passport_country).upper()
        errors: dict[str, str] = {}
        if not _PASSPORT_RE.match(number):
            errors["id_number"] = _("A passport number has 5 to 20 letters and digits.")
        if not re.match(r"^[A-Z]{3}$", country):
            errors["passport_country"] = _(
                "Give the passport's country as a three-letter code, e.g. KOR."
            )
        if errors:
            raise ValidationError(errors)
        return Document(DocumentType.PASSPORT, number, country, None, "")
    if document_type not in DocumentType.values:
        raise ValidationError({"document_type": _("Unknown document type.")})
    try:
        info = parse_id_number(id_number, today=timezone.localdate())
    except IdNumberError as exc:
        raise ValidationError(
            {"id_number": ValidationError(id_error_message(exc), code=f"id_{exc.code}")}
        ) from exc
    kind_to_type = {
        "resident": DocumentType.ID_CARD,
        "hkmo": DocumentType.RESIDENCE_PERMIT,
        "tw": DocumentType.RESIDENCE_PERMIT,
        "foreigner": DocumentType.FOREIGNER_PR,
    }
    return Document(kind_to_type[info.kind], info.number, "", info.birth_date, info.sex)


def find_document_owner(doc: Document) -> Resident | None:
    return (
        Resident.objects.filter(
            document_type=doc.document_type,
            passport_country=doc.passport_country,
            id_number=doc.id_number,
        )
        .select_related("flat__building__compound")
        .first()
    )


def document_check(
    *,
    actor: Any,
    id_number: str,
    document_type: str = DocumentType.ID_CARD,
    passport_country: str = "",
    resident: Resident | None = None,
) -> Document:
    """Check a document as resident_register / resident_update would, saving nothing
    (the forms' inline check); ``resident`` is the person being edited, if any."""
    _require_registry_editor(actor)
    doc = clean_document(document_type, id_number, passport_country)
    owner = find_document_owner(doc)
    if owner is not None and (resident is None or owner.pk != resident.pk):
        raise _duplicate_error(actor, owner)
    return doc


def _duplicate_error(actor: Any, owner: Resident) -> ValidationError:
    if Resident.objects.visible_to(actor).filter(pk=owner.pk).exists():
        url = reverse("registry:resident-detail", args=[owner.pk])
        return ValidationError(
            {
                "id_number": ValidationError(
                    _("This ID number already belongs to %(name)s (%(address)s)."),
                    code="duplicate",
                    params={
                        "name": owner.name,
                        "address": owner.flat.address,
                        "resident_id": owner.pk,
                        "url": url,
                    },
                )
            }
        )
    return ValidationError(
        {
            "id_number": ValidationError(
                _(
                    "This person is registered in another beat. Ask for a transfer to move them here."
                ),
                code="registered_elsewhere",
            )
        }
    )


def _clean_resident_fields(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    out: dict[str, Any] = {}
    if "name" in data:
        name = addresses.clean_text(data["name"])
        if not name:
            errors["name"] = _("Name is required.")
        elif len(name) > 64:
            errors["name"] = _("At most %(n)d characters.") % {"n": 64}
        out["name"] = name
    if "phones" in data:
        raw = data["phones"]
        try:
            out["phones"] = parse_phone_list(raw if raw is not None else [])
        except PhoneError as exc:
            errors["phones"] = phone_error_message(exc)
    if "population_type" in data:
        if data["population_type"] not in PopulationType.values:
            errors["population_type"] = _("Unknown population type.")
        out["population_type"] = data["population_type"]
    if "relation" in data:
        if data["relation"] not in Relation.values:
            errors["relation"] = _("Unknown relation.")
        out["relation"] = data["relation"]
    for key in ("ethnicity", "occupation", "notes"):
        if key in data:
            out[key] = (data[key] or "").strip()
    for key in ("is_head",):
        if key in data:
            out[key] = bool(data[key])
    for key in ("moved_in_on",):
        if key in data:
            out[key] = data[key]
    if errors:
        raise ValidationError(errors)
    return out


def _check_head(flat: Flat, resident_pk: int | None) -> None:
    other = (
        Resident.objects.filter(flat=flat, is_head=True, moved_out_on__isnull=True)
        .exclude(pk=resident_pk)
        .first()
    )
    if other is not None:
        raise ValidationError(
            {"is_head": _("%(name)s is already the head of this household.") % {"name": other.name}}
        )


#: a resident's particulars besides the identity document (``_clean_resident_fields``)
RESIDENT_DETAIL_FIELDS = (
    "name",
    "phones",
    "population_type",
    "relation",
    "is_head",
    "ethnicity",
    "occupation",
    "notes",
    "moved_in_on",
)
#: the identity document, as the forms send it
DOCUMENT_FIELDS = ("id_number", "document_type", "passport_country")
#: what ``resident_update`` accepts (sex and birth date count only for a passport)
RESIDENT_EDITABLE_FIELDS = (
    "name",
    "document_type",
    "id_number",
    "passport_country",
    "sex",
    "birth_date",
    *RESIDENT_DETAIL_FIELDS[1:],  # phones … moved_in_on
)
#: what the audit log records of a resident
RESIDENT_FIELDS = (*RESIDENT_EDITABLE_FIELDS, "moved_out_on")


def resident_register(
    *,
    actor: Any,
    flat: Flat,
    name: str,
    id_number: str,
    document_type: str = DocumentType.ID_CARD,
    passport_country: str = "",
    phones: list[str] | str | None = None,
    population_type: str = PopulationType.REGISTERED,
    relation: str = Relation.OWNER,
    is_head: bool = False,
    ethnicity: str = "",
    occupation: str = "",
    notes: str = "",
    moved_in_on: dt.date | None = None,
    sex: str = "",
    birth_date: dt.date | None = None,
) -> Resident:
    """Register a person in a flat. The same document never makes a second person."""
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, flat.building)
    errors: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    try:
        fields = _clean_resident_fields(
            {
                "name": name,
                "phones": phones,
                "population_type": population_type,
                "relation": relation,
                "is_head": is_head,
                "ethnicity": ethnicity,
                "occupation": occupation,
                "notes": notes,
                "moved_in_on": moved_in_on,
            }
        )
    except ValidationError as exc:
        errors.update(exc.error_dict)
    doc: Document | None = None
    try:
        doc = clean_document(document_type, id_number, passport_country)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if (
        doc is not None
        and doc.document_type == DocumentType.PASSPORT
        and sex
        and sex not in ("M", "F")
    ):
        errors["sex"] = [ValidationError(_("Unknown sex."))]
    if errors:
        raise ValidationError(errors)
    assert doc is not None
    with transaction.atomic():
        owner = find_document_owner(doc)
        if owner is not None:
            raise _duplicate_error(actor, owner)
        if fields.get("is_head"):
            _check_head(flat, None)
        resident = Resident(
            flat=flat,
            document_type=doc.document_type,
            id_number=doc.id_number,
            passport_country=doc.passport_country,
            sex=doc.sex or sex,
            birth_date=doc.birth_date or birth_date,
            **fields,
        )
        try:
            with transaction.atomic():
                resident.save()
        except IntegrityError as exc:  # a concurrent registration of the same document
            raise ValidationError(
                {"id_number": _("This ID number was just registered by someone else.")}
            ) from exc
        Residence.objects.create(
            resident=resident,
            flat=flat,
            relation=resident.relation,
            is_head=resident.is_head,
            moved_in_on=resident.moved_in_on,
            reason="registered",
        )
        audit.record(
            actor=actor,
            action="resident.create",
            obj=resident,
            after={"flat": flat.pk, **_snapshot(resident, RESIDENT_FIELDS)},
        )
    return resident


def resident_update(*, actor: Any, resident: Resident, **changes: Any) -> Resident:
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, resident.flat.building)
    unknown = set(changes) - set(RESIDENT_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"unknown fields: {sorted(unknown)}"})
    errors: dict[str, Any] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = _clean_resident_fields(changes)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if set(DOCUMENT_FIELDS) & set(changes):
        try:
            doc = clean_document(
                changes.get("document_type", resident.document_type),
                changes.get("id_number", resident.id_number),
                changes.get("passport_country", resident.passport_country),
            )
            cleaned.update(
                document_type=doc.document_type,
                id_number=doc.id_number,
                passport_country=doc.passport_country,
            )
            if doc.birth_date:
                cleaned.update(birth_date=doc.birth_date, sex=doc.sex)
            else:  # a passport carries no birth date or sex: keep what was typed
                cleaned.update(
                    {key: changes[key] for key in ("sex", "birth_date") if key in changes}
                )
        except ValidationError as exc:
            errors.update(exc.error_dict)
    elif resident.document_type == DocumentType.PASSPORT:
        for key in ("sex", "birth_date"):
            if key in changes:
                cleaned[key] = changes[key]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if "id_number" in cleaned:
            owner = find_document_owner(
                Document(
                    cleaned["document_type"],
                    cleaned["id_number"],
                    cleaned["passport_country"],
                    None,
                    "",
                )
            )
            if owner is not None and owner.pk != resident.pk:
                raise _duplicate_error(actor, owner)
        if cleaned.get("is_head") and resident.moved_out_on is None:
            _check_head(resident.flat, resident.pk)
        before, after = _apply_changes(resident, cleaned, RESIDENT_FIELDS)
        if not after:
            return resident
        resident.save(update_fields=[*after.keys(), "updated_at"])
        if {"relation", "is_head"} & set(after):
            Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(
                relation=resident.relation, is_head=resident.is_head
            )
        audit.record(
            actor=actor, action="resident.update", obj=resident, before=before, after=after
        )
    return resident


def resident_move_out(
    *, actor: Any, resident: Resident, on: dt.date | None = None, reason: str = ""
) -> Resident:
    """Mark a resident as moved out; the record stays findable with its history."""
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, resident.flat.building)
    if resident.moved_out_on is not None:
        raise ValidationError(
            {"moved_out_on": _("Already moved out on %(d)s.") % {"d": resident.moved_out_on}}
        )
    on = on or timezone.localdate()
    with transaction.atomic():
        before = _snapshot(resident, ("moved_out_on", "is_head"))
        # Conditional update: a second move-out from a stale copy (another tab) changes nothing.
        now = timezone.now()
        if not Resident.objects.filter(pk=resident.pk, moved_out_on__isnull=True).update(
            moved_out_on=on, is_head=False, updated_at=now
        ):
            raise ValidationError({"moved_out_on": _("This person has already moved out.")})
        resident.moved_out_on, resident.is_head, resident.updated_at = on, False, now
        Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(
            moved_out_on=on, reason=(reason or "moved out")[:200]
        )
        audit.record(
            actor=actor,
            action="resident.move_out",
            obj=resident,
            before=before,
            after={"moved_out_on": on, "is_head": False},
            extra={"reason": reason},
        )
    return resident


def _relocate(resident: Resident, flat: Flat, relation: str, is_head: bool, reason: str) -> None:
    today = timezone.localdate()
    Residence.objects.filter(resident=resident, moved_out_on__isnull=True).update(
        moved_out_on=today, reason=reason[:200]
    )
    if is_head:
        _check_head(flat, resident.pk)
    resident.flat = flat
    resident.relation = relation
    resident.is_head = is_head
    resident.moved_in_on = today
    resident.moved_out_on = None
    resident.save(
        update_fields=["flat", "relation", "is_head", "moved_in_on", "moved_out_on", "updated_at"]
    )
    Residence.objects.create(
        resident=resident,
        flat=flat,
        relation=relation,
        is_head=is_head,
        moved_in_on=today,
        reason=reason[:200],
    )


def resident_move(
    *,
    actor: Any,
    resident: Resident,
    flat: Flat,
    relation: str = Relation.OTHER,
    is_head: bool = False,
) -> Resident:
    """Move a resident to another flat inside the actor's jurisdiction (history kept)."""
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, resident.flat.building)
    _require_building_in_scope(scope, flat.building)
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    with transaction.atomic():
        old_flat = resident.flat
        _relocate(resident, flat, relation, is_head, "moved")
        audit.record(
            actor=actor,
            action="resident.move",
            obj=resident,
            before={"flat": old_flat.pk, "address": old_flat.address},
            after={
                "flat": flat.pk,
                "address": flat.address,
                "relation": relation,
                "is_head": is_head,
            },
        )
    return resident


# --- transfers between beats ----------------------------------------------------


def transfer_request_create(
    *,
    actor: Any,
    to_flat: Flat,
    id_number: str,
    document_type: str = DocumentType.ID_CARD,
    passport_country: str = "",
    relation: str = Relation.OTHER,
    reason: str = "",
) -> TransferRequest:
    """Ask for a person registered in another beat to be moved to a flat here."""
    scope = _require_registry_editor(actor)
    _require_building_in_scope(scope, to_flat.building)
    doc = clean_document(document_type, id_number, passport_country)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the person should be moved here.")})
    if relation not in Relation.values:
        raise ValidationError({"relation": _("Unknown relation.")})
    owner = find_document_owner(doc)
    if owner is None:
        raise ValidationError(
            {"id_number": _("Nobody is registered with this number: register the person instead.")}
        )
    if Resident.objects.visible_to(actor).filter(pk=owner.pk).exists():
        raise ValidationError(
            {"id_number": _("This person is already in your jurisdiction: move them directly.")}
        )
    if TransferRequest.objects.filter(resident=owner, status=TransferStatus.PENDING).exists():
        raise ValidationError(
            {"id_number": _("A transfer request for this person is already pending.")}
        )
    with transaction.atomic():
        req = TransferRequest.objects.create(
            resident=owner,
            to_flat=to_flat,
            relation=relation,
            requested_by=actor,
            reason=reason[:500],
        )
        audit.record(
            actor=actor,
            action="transfer.request",
            obj=req,
            after={"resident": owner.pk, "to_flat": to_flat.pk, "reason": reason},
        )
    return req


def transfer_request_decide(
    *, actor: Any, request: TransferRequest, approve: bool, note: str = ""
) -> TransferRequest:
    scope = scope_of(actor)
    if not scope.approves_transfers:
        raise PermissionDenied(_("Only the station chief decides transfers."))
    if not scope.decides_transfers_into(request.to_flat.building.compound.community_id):
        raise PermissionDenied(_("This transfer is for another station."))
    if request.status != TransferStatus.PENDING:
        raise ValidationError({"status": _("This request was already decided.")})
    with transaction.atomic():
        status = TransferStatus.APPROVED if approve else TransferStatus.REJECTED
        decided_at = timezone.now()
        decision_note = (note or "").strip()[:500]
        # Conditional update: of two decisions on one request (two chiefs, two tabs) only the first counts.
        if not TransferRequest.objects.filter(pk=request.pk, status=TransferStatus.PENDING).update(
            status=status, decided_by=actor, decided_at=decided_at, decision_note=decision_note
        ):
            raise ValidationError({"status": _("This request was already decided.")})
        request.status, request.decided_by, request.decided_at, request.decision_note = (
            status,
            actor,
            decided_at,
            decision_note,
        )
        # The person may have moved since the request was made: relocate from where they are now.
        resident = Resident.objects.select_related("flat").get(pk=request.resident_id)
        request.resident = resident
        old_flat = resident.flat
        if approve:
            _relocate(resident, request.to_flat, request.relation, False, f"transfer #{request.pk}")
            audit.record(
                actor=actor,
                action="resident.transfer",
                obj=resident,
                before={"flat": old_flat.pk, "address": old_flat.address},
                after={"flat": request.to_flat.pk, "address": request.to_flat.address},
                extra={"transfer_request": request.pk},
            )
        audit.record(
            actor=actor,
            action="transfer.decide",
            obj=request,
            after={"status": request.status, "note": request.decision_note},
        )
    return request


# --- premises ---------------------------------------------------------------------

#: what ``premises_update`` accepts (the place is set once, at creation)
PREMISES_EDITABLE_FIELDS = (
    "name",
    "kind",
    "address",
    "contact_name",
    "contact_phone",
    "licence_number",
    "notes",
)
#: what the audit log records of premises
PREMISES_FIELDS = (*PREMISES_EDITABLE_FIELDS, "compound_id", "building_id")


def premises_create(
    *,
    actor: Any,
    name: str,
    community: Community | None = None,
    kind: str = PremisesKind.SHOP,
    compound: Compound | None = None,
    building: Building | None = None,
    address: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    licence_number: str = "",
    notes: str = "",
) -> Premises:
    """Register premises where they are: a building (which decides the compound
    and community), or a compound (which decides the community), or a community."""
    scope = _require_registry_editor(actor)
    if building is not None:
        _require_building_in_scope(scope, building)
        compound = building.compound
        community = compound.community
    elif community is None and compound is not None:
        community = compound.community
    if community is None:
        raise ValidationError(
            {"community": _("Choose the community (or a compound or building in it).")}
        )
    if building is None and community.pk not in scope.community_ids:
        raise PermissionDenied(_("This community is outside your jurisdiction."))
    if compound is not None and compound.community_id != community.pk:
        raise ValidationError({"compound": _("The compound is not in this community.")})
    if kind not in PremisesKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    premises = Premises(
        community=community,
        compound=compound,
        building=building,
        name=_clean_name(name, "name", _("Name"), 200),
        kind=kind,
        address=address.strip(),
        contact_name=contact_name.strip(),
        contact_phone=_clean_phone(contact_phone, "contact_phone"),
        licence_number=licence_number.strip(),
        notes=notes.strip(),
    )
    with transaction.atomic():
        premises.save()
        audit.record(
            actor=actor,
            action="premises.create",
            obj=premises,
            after={"community": community.pk, **_snapshot(premises, PREMISES_FIELDS)},
        )
    return premises


def premises_update(*, actor: Any, premises: Premises, **changes: Any) -> Premises:
    scope = _require_registry_editor(actor)
    if premises.building_id:
        _require_building_in_scope(scope, premises.building)  # type: ignore[arg-type]
    elif premises.community_id not in scope.community_ids:
        raise PermissionDenied(_("This community is outside your jurisdiction."))
    unknown = set(changes) - set(PREMISES_EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({"__all__": f"unknown fields: {sorted(unknown)}"})
    if "name" in changes:
        changes["name"] = _clean_name(changes["name"], "name", _("Name"), 200)
    if "kind" in changes and changes["kind"] not in PremisesKind.values:
        raise ValidationError({"kind": _("Unknown kind.")})
    if "contact_phone" in changes:
        changes["contact_phone"] = _clean_phone(changes["contact_phone"], "contact_phone")
    for key in ("address", "contact_name", "licence_number", "notes"):
        if key in changes:
            changes[key] = (changes[key] or "").strip()
    with transaction.atomic():
        before, after = _apply_changes(premises, changes, PREMISES_FIELDS)
        if not after:
            return premises
        premises.save(update_fields=list(after.keys()))
        audit.record(
            actor=actor, action="premises.update", obj=premises, before=before, after=after
        )
    return premises
