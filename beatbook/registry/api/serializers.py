"""Shapes of the registry API.

Read serializers render what a selector returned (annotations included);
write serializers only parse and type-check a request body: the service
called with their ``validated_data`` decides what is valid and saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from beatbook.core.shortcuts import as_object_id
from beatbook.registry import selectors, services
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    DocumentType,
    Flat,
    FlatStatus,
    PopulationType,
    Premises,
    PremisesKind,
    Relation,
    Resident,
    Sex,
    TransferRequest,
)


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A parent given by id, looked up among what the selector lets the user
    see: an out-of-scope id answers "object does not exist", like a missing one."""

    def __init__(
        self, model: type[Model], selector: Callable[..., QuerySet[Any]], **kwargs: Any
    ) -> None:
        self.selector = selector
        # the empty queryset names the model for the schema; lookups use get_queryset()
        super().__init__(queryset=model._default_manager.none(), **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.selector(user=self.context["request"].user)

    def to_internal_value(self, data: Any) -> Any:
        # an id beyond the database's integer range is simply not there
        is_number = not isinstance(data, bool) and str(data).isdigit()
        if is_number and as_object_id(data) is None:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _text(**kwargs: Any) -> serializers.CharField:
    """An optional free-text field ('' allowed)."""
    return serializers.CharField(required=False, allow_blank=True, **kwargs)


# --- reads ---------------------------------------------------------------------


class BeatSerializer(serializers.ModelSerializer):
    station_name = serializers.CharField(source="station.name", read_only=True)

    class Meta:
        model = Beat
        fields = ["id", "name", "code", "station", "station_name"]
        read_only_fields = fields


class CommunitySerializer(serializers.ModelSerializer):
    beat_name = serializers.CharField(source="beat.name", read_only=True)

    class Meta:
        model = Community
        fields = ["id", "name", "beat", "beat_name"]
        read_only_fields = fields


class CompoundSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    building_count = serializers.IntegerField(read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    resident_count = serializers.IntegerField(read_only=True, help_text="Current residents.")

    class Meta:
        model = Compound
        fields = [
            "id",
            "community",
            "community_name",
            *services.COMPOUND_FIELDS,
            "building_count",
            "household_count",
            "resident_count",
        ]
        read_only_fields = fields


class BuildingSerializer(serializers.ModelSerializer):
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    vacant_count = serializers.IntegerField(read_only=True)
    resident_count = serializers.IntegerField(read_only=True, help_text="Current residents.")

    class Meta:
        model = Building
        fields = [
            "id",
            "compound",
            "compound_name",
            "number",
            "label",
            "name",
            "floors",
            "household_count",
            "vacant_count",
            "resident_count",
        ]
        read_only_fields = fields
        # ``label`` is the model's property (a declared field of that name would
        # shadow Field.label)
        extra_kwargs = {"label": {"help_text": '"6号楼" for number 6; the name if it has one.'}}


class FlatSerializer(serializers.ModelSerializer):
    entrance = serializers.CharField(
        source="entrance.number",
        read_only=True,
        allow_null=True,
        help_text='Entrance number ("2" for 2单元), or null.',
    )
    head_name = serializers.CharField(
        read_only=True, help_text="Current head of household, '' if none."
    )
    resident_count = serializers.IntegerField(read_only=True, help_text="Current residents.")

    class Meta:
        model = Flat
        fields = [
            "id",
            "building",
            "entrance",
            "room",
            "floor",
            "status",
            "address",
            "area_m2",
            "notes",
            "head_name",
            "resident_count",
        ]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer):
    """A resident. ``id_number`` is masked unless the view says the full number
    may be shown (the audited detail read, or the number the user just sent)."""

    id_number = serializers.SerializerMethodField(
        help_text="Masked (1501**********123X) except in the audited detail."
    )
    address = serializers.CharField(
        source="flat.address", read_only=True, help_text="Standard address of the flat."
    )
    phones = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="E.164 numbers."
    )
    moved_out = serializers.BooleanField(read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "flat",
            "address",
            "name",
            "id_number",
            "document_type",
            "passport_country",
            "sex",
            "birth_date",
            "phones",
            "population_type",
            "relation",
            "is_head",
            "moved_in_on",
            "moved_out",
            "moved_out_on",
            "ethnicity",
            "occupation",
            "notes",
        ]
        read_only_fields = fields

    def get_id_number(self, resident: Resident) -> str:
        full = bool(self.context.get("full_id_number"))
        return selectors.id_number_for(self.context["request"].user, resident, full=full)


class PremisesSerializer(serializers.ModelSerializer):
    class Meta:
        model = Premises
        fields = ["id", "community", "compound", "building", *services.PREMISES_EDITABLE_FIELDS]
        read_only_fields = fields


class TransferRequestSerializer(serializers.ModelSerializer):
    """A request to move a person from another beat here. The person's record
    stays in the other beat until the chief approves, so it is not shown."""

    to_flat_address = serializers.CharField(source="to_flat.address", read_only=True)
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)

    class Meta:
        model = TransferRequest
        fields = [
            "id",
            "to_flat",
            "to_flat_address",
            "relation",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


# --- writes --------------------------------------------------------------------


class CompoundCreateSerializer(serializers.Serializer):
    community = VisibleRelatedField(Community, selectors.community_list)
    name = serializers.CharField(max_length=100)
    address = _text(max_length=200)
    property_manager = _text(max_length=100)
    property_phone = _text(max_length=32)


class CompoundUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    address = _text(max_length=200)
    property_manager = _text(max_length=100)
    property_phone = _text(max_length=32)


class BuildingUpdateSerializer(serializers.Serializer):
    number = serializers.CharField(
        max_length=32, required=False, help_text='"6", "6号楼" or a name such as "A座".'
    )
    name = _text(max_length=100)
    floors = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=200)


class BuildingCreateSerializer(BuildingUpdateSerializer):
    compound = VisibleRelatedField(Compound, selectors.compound_list)
    number = serializers.CharField(max_length=32, help_text='"6", "6号楼" or a name such as "A座".')


class FlatUpdateSerializer(serializers.Serializer):
    room = serializers.CharField(max_length=32, required=False, help_text='"301" or "301室".')
    floor = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=-10,
        max_value=200,
        help_text="Derived from the room if omitted.",
    )
    status = serializers.ChoiceField(choices=FlatStatus.choices, required=False)
    area_m2 = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    notes = _text()


class FlatCreateSerializer(FlatUpdateSerializer):
    building = VisibleRelatedField(Building, selectors.building_list)
    entrance = serializers.CharField(
        source="entrance_number",
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=32,
        help_text='Entrance number ("2" or "2单元"); created if new. Omit for a building without entrances.',
    )
    room = serializers.CharField(max_length=32, help_text='"301" or "301室".')


class ResidentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64, required=False)
    id_number = serializers.CharField(max_length=32, required=False)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    passport_country = _text(max_length=3, help_text="ISO 3166 alpha-3 code, for passports.")
    sex = serializers.ChoiceField(
        choices=Sex.choices,
        required=False,
        allow_blank=True,
        help_text="Taken from the ID number when it has one.",
    )
    birth_date = serializers.DateField(
        required=False, allow_null=True, help_text="Taken from the ID number when it has one."
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, max_length=10
    )
    population_type = serializers.ChoiceField(choices=PopulationType.choices, required=False)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    is_head = serializers.BooleanField(required=False)
    ethnicity = _text(max_length=32)
    occupation = _text(max_length=100)
    notes = _text()
    moved_in_on = serializers.DateField(required=False, allow_null=True)


class ResidentCreateSerializer(ResidentUpdateSerializer):
    flat = VisibleRelatedField(Flat, selectors.flat_list)
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(
        max_length=32, help_text="ID card, residence permit or passport number."
    )


class ResidentMoveOutSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, help_text="Today if omitted.")
    reason = _text(max_length=200)


class ResidentMoveSerializer(serializers.Serializer):
    flat = VisibleRelatedField(Flat, selectors.flat_list)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    is_head = serializers.BooleanField(required=False)


class PremisesUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    kind = serializers.ChoiceField(choices=PremisesKind.choices, required=False)
    address = _text(max_length=255)
    contact_name = _text(max_length=64)
    contact_phone = _text(max_length=32)
    licence_number = _text(max_length=64)
    notes = _text()


class PremisesCreateSerializer(PremisesUpdateSerializer):
    """Where the premises are: a building (which implies its compound and
    community), or a community and optionally a compound in it."""

    community = VisibleRelatedField(Community, selectors.community_list, required=False)
    compound = VisibleRelatedField(
        Compound, selectors.compound_list, required=False, allow_null=True
    )
    building = VisibleRelatedField(
        Building, selectors.building_list, required=False, allow_null=True
    )
    name = serializers.CharField(max_length=200)


class TransferRequestCreateSerializer(serializers.Serializer):
    to_flat = VisibleRelatedField(Flat, selectors.flat_list)
    id_number = serializers.CharField(
        max_length=32, help_text="The person's document number, as registered."
    )
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    passport_country = _text(max_length=3)
    relation = serializers.ChoiceField(choices=Relation.choices, required=False)
    reason = serializers.CharField(max_length=500)


class TransferDecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = _text(max_length=500)
