"""The registry of the beat (一标三实): standard addresses, real population,
real housing and real units.

Station → beat → community → compound → building → entrance → flat; residents
live in flats; premises (实有单位) hang on the same tree. Every model's manager
has ``visible_to(user)``, the one place jurisdiction is applied.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beatbook.core.scoping import scope_of
from beatbook.registry import addresses
from beatbook.search import keys as search_keys


class ScopedQuerySet(models.QuerySet):
    #: lookup path from this model to its Building ('' for Building itself);
    #: None for models above the building level, which override visible_to
    building_path: str | None = None

    def visible_to(self, user: Any) -> ScopedQuerySet:
        scope = scope_of(user)
        assert self.building_path is not None
        return self.filter(scope.building_q(self.building_path))


# --- jurisdiction -----------------------------------------------------------


class StationQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> StationQuerySet:
        scope = scope_of(user)
        if scope.administers:
            return self.all()
        # the stations of the user's beats and of the buildings they head
        # (possibly in another station), found by this query, not by scope_of
        return self.filter(
            Q(id__in=Beat.objects.filter(id__in=sorted(scope.beat_ids)).values("station_id"))
            | Q(
                id__in=Building.objects.filter(id__in=sorted(scope.building_ids)).values(
                    "compound__community__beat__station_id"
                )
            )
        )


class Station(models.Model):
    """A police station (派出所)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    code = models.CharField(_("code"), max_length=32, blank=True)

    objects = StationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")

    def __str__(self) -> str:
        return self.name


class BeatQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> BeatQuerySet:
        scope = scope_of(user)
        if scope.administers:
            return self.all()
        if not scope.sees_residents:
            return self.none()
        q = Q(id__in=sorted(scope.beat_ids))
        if scope.building_ids:
            q |= Q(communities__compounds__buildings__id__in=sorted(scope.building_ids))
        return self.filter(q).distinct()


class Beat(models.Model):
    """A beat (警务区), covered by one or more community officers."""

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="beats"
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, blank=True)

    objects = BeatQuerySet.as_manager()

    class Meta:
        ordering = ["station_id", "name"]
        verbose_name = _("beat")
        verbose_name_plural = _("beats")
        constraints = [models.UniqueConstraint(fields=["station", "name"], name="beat_unique_name")]

    def __str__(self) -> str:
        return self.name


class CommunityQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CommunityQuerySet:
        scope = scope_of(user)
        if scope.administers:
            return self.all()
        if not scope.sees_residents:
            return self.none()
        q = Q(id__in=sorted(scope.community_ids))
        if scope.building_ids:
            q |= Q(compounds__buildings__id__in=sorted(scope.building_ids))
        return self.filter(q).distinct()


class Community(models.Model):
    """A community (社区), configured by the system administrator."""

    beat = models.ForeignKey(
        Beat, verbose_name=_("beat"), on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("name"), max_length=100, unique=True)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("community")
        verbose_name_plural = _("communities")

    def __str__(self) -> str:
        return self.name


# --- the address tree -------------------------------------------------------


class CompoundQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CompoundQuerySet:
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        q = Q(community_id__in=sorted(scope.community_ids))
        if scope.building_ids:
            q |= Q(
                id__in=Building.objects.filter(id__in=sorted(scope.building_ids)).values(
                    "compound_id"
                )
            )
        return self.filter(q)


class Compound(models.Model):
    """A residential compound (小区)."""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="compounds"
    )
    name = models.CharField(_("name"), max_length=100, db_index=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    property_manager = models.CharField(_("property manager"), max_length=100, blank=True)
    property_phone = models.CharField(_("property manager phone"), max_length=32, blank=True)

    objects = CompoundQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("compound")
        verbose_name_plural = _("compounds")
        # Names such as 幸福小区 repeat across a city; within a community they don't.
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="compound_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class BuildingQuerySet(ScopedQuerySet):
    building_path = ""


class Building(models.Model):
    """A building (楼栋); ``number`` is '6' for 6号楼, or a name such as 'A座'."""

    compound = models.ForeignKey(
        Compound, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="buildings"
    )
    number = models.CharField(_("number"), max_length=32)
    name = models.CharField(_("name"), max_length=100, blank=True)
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    #: numeric part of number, for natural ordering (2 before 10)
    sort_key = models.IntegerField(default=0, editable=False)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        ordering = ["compound_id", "sort_key", "number"]
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="building_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.compound.name}{self.label}"

    @property
    def label(self) -> str:
        return self.name or addresses.building_label(self.number)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_key = addresses.sort_key(self.number)
        super().save(*args, **kwargs)


class EntranceQuerySet(ScopedQuerySet):
    building_path = "building"


class Entrance(models.Model):
    """An entrance / stairwell (单元) of a building."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.CASCADE, related_name="entrances"
    )
    number = models.CharField(_("number"), max_length=32)
    sort_key = models.IntegerField(default=0, editable=False)

    objects = EntranceQuerySet.as_manager()

    class Meta:
        ordering = ["building_id", "sort_key", "number"]
        verbose_name = _("entrance")
        verbose_name_plural = _("entrances")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="entrance_unique_number")
        ]

    def __str__(self) -> str:
        return addresses.entrance_label(self.number)

    @property
    def label(self) -> str:
        return addresses.entrance_label(self.number)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.sort_key = addresses.sort_key(self.number)
        super().save(*args, **kwargs)


class FlatStatus(models.TextChoices):
    OCCUPIED = "occupied", _("Occupied by owner")
    RENTED = "rented", _("Rented out")
    VACANT = "vacant", _("Vacant")
    RENOVATING = "renovating", _("Under renovation")
    UNKNOWN = "unknown", _("Not yet known")


class FlatQuerySet(ScopedQuerySet):
    building_path = "building"


class Flat(models.Model):
    """A flat / room (户); every flat is a household, vacant or not."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="flats"
    )
    entrance = models.ForeignKey(
        Entrance,
        verbose_name=_("entrance"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="flats",
    )
    room = models.CharField(_("room"), max_length=32)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FlatStatus.choices, default=FlatStatus.UNKNOWN
    )
    address = models.CharField(_("standard address"), max_length=255, db_index=True)
    area_m2 = models.DecimalField(
        _("area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = FlatQuerySet.as_manager()

    class Meta:
        ordering = ["building_id", "entrance_id", "floor", "room"]
        verbose_name = _("flat")
        verbose_name_plural = _("flats")
        constraints = [
            models.UniqueConstraint(
                fields=["building", "entrance", "room"],
                condition=Q(entrance__isnull=False),
                name="flat_unique_room",
            ),
            models.UniqueConstraint(
                fields=["building", "room"],
                condition=Q(entrance__isnull=True),
                name="flat_unique_room_no_entrance",
            ),
        ]

    def __str__(self) -> str:
        return self.address

    def compute_address(self) -> str:
        return addresses.flat_address(
            self.building.compound.name,
            self.building.number,
            self.entrance.number if self.entrance_id and self.entrance else None,
            self.room,
        )


class PremisesKind(models.TextChoices):
    SHOP = "shop", _("Shop")
    FIRM = "firm", _("Company")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Clinic / hospital")
    RESTAURANT = "restaurant", _("Restaurant")
    HOTEL = "hotel", _("Hotel / guesthouse")
    PUBLIC = "public", _("Public institution")
    OTHER = "other", _("Other")


class PremisesQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> PremisesQuerySet:
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        q = Q(community_id__in=sorted(scope.community_ids))
        if scope.building_ids:
            q |= Q(building_id__in=sorted(scope.building_ids))
        return self.filter(q)


class Premises(models.Model):
    """A unit that is not a home (实有单位): shop, firm, school…"""

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="premises"
    )
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="premises",
    )
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="premises",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=PremisesKind.choices, default=PremisesKind.SHOP
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    licence_number = models.CharField(_("licence number"), max_length=64, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = PremisesQuerySet.as_manager()

    class Meta:
        ordering = ["community_id", "name"]
        verbose_name = _("premises")
        verbose_name_plural = _("premises")

    def __str__(self) -> str:
        return self.name


# --- people -----------------------------------------------------------------


class DocumentType(models.TextChoices):
    ID_CARD = "id_card", _("Resident identity card")
    RESIDENCE_PERMIT = "residence_permit", _("HK/Macao/Taiwan residence permit")
    FOREIGNER_PR = "foreigner_pr", _("Foreigner's permanent residence ID card")
    PASSPORT = "passport", _("Passport")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class PopulationType(models.TextChoices):
    REGISTERED = "registered", _("Registered population")
    FLOATING = "floating", _("Floating population")
    FOREIGN = "foreign", _("Foreign national")
    SEPARATED = "separated", _("Registered elsewhere")


class Relation(models.TextChoices):
    OWNER = "owner", _("Owner")
    OWNER_FAMILY = "owner_family", _("Owner's family")
    TENANT = "tenant", _("Tenant")
    OTHER = "other", _("Other")


class ResidentQuerySet(ScopedQuerySet):
    building_path = "flat__building"

    def current(self) -> ResidentQuerySet:
        return self.filter(moved_out_on__isnull=True)


class Resident(models.Model):
    """A person living (or who lived) in a flat (实有人口)."""

    flat = models.ForeignKey(
        Flat, verbose_name=_("flat"), on_delete=models.PROTECT, related_name="residents"
    )
    name = models.CharField(_("name"), max_length=64, db_index=True)
    document_type = models.CharField(
        _("document type"),
        max_length=20,
        choices=DocumentType.choices,
        default=DocumentType.ID_CARD,
    )
    id_number = models.CharField(_("ID number"), max_length=32)
    #: ISO 3166 alpha-3 country code for passports, '' otherwise
    passport_country = models.CharField(_("passport country"), max_length=3, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    #: the phones joined by spaces, kept in step by save(), for searching
    phones_text = models.CharField(max_length=255, blank=True, editable=False, db_index=True)
    # Search keys (beatbook.search.keys), kept in step by save() through
    # derived_fields(); each has an index the one-box search walks in order.
    #: the name in simplified characters, compacted (張偉 → 张伟)
    name_simplified = models.CharField(max_length=64, blank=True, editable=False, default="")
    #: the given name alone, simplified (欧阳修文 → 修文)
    name_given = models.CharField(max_length=64, blank=True, editable=False, default="")
    #: full pinyin without tones or separators (zhangwei)
    name_pinyin = models.CharField(max_length=255, blank=True, editable=False, default="")
    #: pinyin initials (zw)
    name_initials = models.CharField(max_length=64, blank=True, editable=False, default="")
    #: the ID number backwards: its last characters become an index prefix
    id_reversed = models.CharField(max_length=32, blank=True, editable=False, default="")
    #: the first and second phones' national numbers backwards (tails as prefixes)
    phone_reversed = models.CharField(max_length=20, blank=True, editable=False, default="")
    phone2_reversed = models.CharField(max_length=20, blank=True, editable=False, default="")
    population_type = models.CharField(
        _("population type"),
        max_length=16,
        choices=PopulationType.choices,
        default=PopulationType.REGISTERED,
    )
    relation = models.CharField(
        _("relation"), max_length=16, choices=Relation.choices, default=Relation.OWNER
    )
    is_head = models.BooleanField(_("head of household"), default=False)
    ethnicity = models.CharField(_("ethnicity"), max_length=32, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    moved_in_on = models.DateField(_("moved in"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResidentQuerySet.as_manager()

    class Meta:
        ordering = ["flat_id", "-is_head", "id"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "passport_country", "id_number"],
                name="resident_unique_document",
            ),
            models.UniqueConstraint(
                fields=["flat"],
                condition=Q(is_head=True, moved_out_on__isnull=True),
                name="flat_one_head",
            ),
        ]
        indexes = [
            models.Index(fields=["id_number"], name="resident_id_number"),
            models.Index(fields=["flat", "moved_out_on"], name="resident_flat_current"),
            models.Index(fields=["name_simplified", "id"], name="resident_search_name"),
            models.Index(fields=["name_given", "id"], name="resident_search_given"),
            models.Index(fields=["name_pinyin", "id"], name="resident_search_pinyin"),
            models.Index(fields=["name_initials", "id"], name="resident_search_initials"),
            models.Index(fields=["id_reversed", "id"], name="resident_search_id_tail"),
            models.Index(fields=["phone_reversed", "id"], name="resident_search_phone"),
            models.Index(fields=["phone2_reversed", "id"], name="resident_search_phone2"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def moved_out(self) -> bool:
        return self.moved_out_on is not None

    @staticmethod
    def phones_text_of(phones: list[str] | None) -> str:
        """What ``phones_text`` holds for these phones (set by save(); bulk loaders call it)."""
        return " ".join(phones or [])[:255]

    #: the fields derived_fields() reads; saving any of them refreshes the derived ones
    DERIVED_FROM = frozenset({"name", "id_number", "phones"})

    @classmethod
    def derived_fields(
        cls, *, name: str, id_number: str, phones: list[str] | None
    ) -> dict[str, Any]:
        """The columns computed from others (for searching), kept in step by
        save(). Bulk loaders (demo, import) that bypass save() set them from this.
        Fast for a million rows: the name keys are memoised per name."""
        return {
            "phones_text": cls.phones_text_of(phones),
            **search_keys.resident_keys(name=name, id_number=id_number, phones=phones),
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        derived = self.derived_fields(name=self.name, id_number=self.id_number, phones=self.phones)
        for field_name, value in derived.items():
            setattr(self, field_name, value)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and self.DERIVED_FROM & set(update_fields):
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)


class Residence(models.Model):
    """History of where a resident lived: one row per stay in a flat."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="residences")
    flat = models.ForeignKey(Flat, on_delete=models.PROTECT, related_name="residences")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    is_head = models.BooleanField(default=False)
    moved_in_on = models.DateField(null=True, blank=True)
    moved_out_on = models.DateField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["resident_id", "id"]
        verbose_name = _("residence")
        verbose_name_plural = _("residences")

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.flat_id}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class TransferRequestQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> TransferRequestQuerySet:
        """The requester sees their requests; the chief sees those for flats
        in the station. The resident's current record is never exposed here."""
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        q = Q(requested_by_id=user.pk)
        if scope.approves_transfers:
            q |= Q(to_flat__building__compound__community_id__in=sorted(scope.community_ids))
        return self.filter(q)


class TransferRequest(models.Model):
    """A request to move a person registered in another beat into a flat here;
    the station chief decides."""

    resident = models.ForeignKey(
        Resident, on_delete=models.PROTECT, related_name="transfer_requests"
    )
    to_flat = models.ForeignKey(Flat, on_delete=models.PROTECT, related_name="transfer_requests")
    relation = models.CharField(max_length=16, choices=Relation.choices, default=Relation.OTHER)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(
        max_length=16, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    objects = TransferRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("transfer request")
        verbose_name_plural = _("transfer requests")

    def __str__(self) -> str:
        return f"transfer #{self.pk}"
