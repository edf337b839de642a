"""Door-to-door visits: rounds, the one visit log shared by police and
community workers, follow-ups and what we know about each household.

Coverage is never stored: it is derived from the visits of a round
(``beatbook.visits.coverage`` holds the rule, ``selectors`` the query).
Every model's manager has ``visible_to(user)``: rows hang on a flat, and a
flat is visible when its building is (``Scope.building_q``); a round is
visible when its scope reaches into the user's jurisdiction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beatbook.core.scoping import scope_of
from beatbook.registry.models import (
    Beat,
    Building,
    Community,
    Compound,
    Flat,
    Resident,
    ScopedQuerySet,
)

# --- rounds -----------------------------------------------------------------


class RoundKind(models.TextChoices):
    ROUTINE = "routine", _("Routine visits")
    CARE = "care", _("Care visits")
    SWEEP = "sweep", _("Emergency sweep")


class RoundScope(models.TextChoices):
    BUILDINGS = "buildings", _("Buildings")
    COMPOUND = "compound", _("Compound")
    COMMUNITY = "community", _("Community")
    BEAT = "beat", _("Beat")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class RoundQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> RoundQuerySet:
        """Rounds whose scope reaches into the user's jurisdiction (a building
        head sees the rounds that cover one of their buildings)."""
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        communities = sorted(scope.community_ids)
        buildings = sorted(scope.building_ids)
        through = Round.buildings.through.objects
        q = Q(pk__in=[])
        if communities:
            q |= (
                Q(beat_id__in=Community.objects.filter(id__in=communities).values("beat_id"))
                | Q(community_id__in=communities)
                | Q(compound__community_id__in=communities)
                | Q(
                    id__in=through.filter(building__compound__community_id__in=communities).values(
                        "round_id"
                    )
                )
            )
        if buildings:
            mine = Building.objects.filter(id__in=buildings)
            q |= (
                Q(beat_id__in=mine.values("compound__community__beat_id"))
                | Q(community_id__in=mine.values("compound__community_id"))
                | Q(compound_id__in=mine.values("compound_id"))
                | Q(id__in=through.filter(building_id__in=buildings).values("round_id"))
            )
        return self.filter(q)

    def active_on(self, day: dt.date) -> RoundQuerySet:
        """Rounds under way on ``day`` (active, started; the end date passing
        leaves them on the worklists until someone closes them)."""
        return self.filter(status=RoundStatus.ACTIVE, start_date__lte=day)


class Round(models.Model):
    """A visit round (走访轮次): every household in its scope is to be visited
    once between the start and end dates."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=16, choices=RoundKind.choices, default=RoundKind.ROUTINE
    )
    scope = models.CharField(
        _("scope"), max_length=16, choices=RoundScope.choices, default=RoundScope.COMPOUND
    )
    #: exactly one of beat / community / compound / buildings is set, by ``scope``
    beat = models.ForeignKey(
        Beat,
        verbose_name=_("beat"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    compound = models.ForeignKey(
        Compound,
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    buildings = models.ManyToManyField(
        Building, verbose_name=_("buildings"), blank=True, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    #: the date by which each household should have been visited (the end
    #: date when empty); orders unvisited households on worklists
    household_due_date = models.DateField(_("household due date"), null=True, blank=True)
    #: households a day (sweeps)
    daily_target = models.PositiveIntegerField(_("daily target"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.ACTIVE
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "name"]
        verbose_name = _("visit round")
        verbose_name_plural = _("visit rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="round_dates_in_order"
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        scope="beat",
                        beat__isnull=False,
                        community__isnull=True,
                        compound__isnull=True,
                    )
                    | Q(
                        scope="community",
                        beat__isnull=True,
                        community__isnull=False,
                        compound__isnull=True,
                    )
                    | Q(
                        scope="compound",
                        beat__isnull=True,
                        community__isnull=True,
                        compound__isnull=False,
                    )
                    | Q(
                        scope="buildings",
                        beat__isnull=True,
                        community__isnull=True,
                        compound__isnull=True,
                    )
                ),
                name="round_scope_matches",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def due_date(self) -> dt.date:
        return self.household_due_date or self.end_date

    def building_q(self, path: str = "") -> Q:
        """Q selecting rows whose building (reached through ``path``, '' for
        Building itself) lies in this round's scope."""
        prefix = f"{path}__" if path else ""
        if self.scope == RoundScope.BEAT:
            return Q(**{f"{prefix}compound__community__beat_id": self.beat_id})
        if self.scope == RoundScope.COMMUNITY:
            return Q(**{f"{prefix}compound__community_id": self.community_id})
        if self.scope == RoundScope.COMPOUND:
            return Q(**{f"{prefix}compound_id": self.compound_id})
        ids = Round.buildings.through.objects.filter(round_id=self.pk).values("building_id")
        return Q(**{f"{prefix}id__in": ids})


# --- the visit log ------------------------------------------------------------


class Outcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    VACANT = "vacant", _("Flat vacant")
    MOVED = "moved", _("Moved away")


class VisitTag(models.TextChoices):
    NEEDS_HELP = "needs_help", _("Needs help")
    HAZARD = "hazard", _("Hazard seen")
    DISPUTE = "dispute", _("Dispute")
    TIP = "tip", _("Tip")
    OPINION = "opinion", _("Opinion on police work")


class VisitQuerySet(ScopedQuerySet):
    building_path = "flat__building"

    def visible_to(self, user: Any) -> VisitQuerySet:
        return cast(VisitQuerySet, super().visible_to(user))

    def current(self) -> VisitQuerySet:
        """Visits not replaced by a correction."""
        return self.filter(superseded=False)


class Visit(models.Model):
    """One visit to one household, by police or community workers.

    Never deleted; editable by its author for 24 hours, then corrected by a
    new Visit whose ``corrects`` points here (this one becomes ``superseded``).
    """

    flat = models.ForeignKey(
        Flat, verbose_name=_("household"), on_delete=models.PROTECT, related_name="visits"
    )
    round = models.ForeignKey(
        Round,
        verbose_name=_("round"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("visitors"), related_name="visits"
    )
    visited_at = models.DateTimeField(_("visited at"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    #: who was met, as the visitor wrote it ("户主及儿子")
    people_met = models.CharField(_("people met"), max_length=200, blank=True)
    residents_met = models.ManyToManyField(
        Resident, verbose_name=_("residents met"), blank=True, related_name="visits"
    )
    notes = models.TextField(_("notes"), blank=True)
    #: VisitTag values
    tags = models.JSONField(_("tags"), default=list, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)
    #: set when a correction replaces this visit
    superseded = models.BooleanField(default=False)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        indexes = [
            # covers coverage's scan of a round: households, their latest outcome
            models.Index(
                fields=["round", "superseded", "flat", "visited_at", "outcome"],
                name="visit_round_state",
            ),
            models.Index(fields=["flat", "visited_at"], name="visit_flat_time"),
            # the log, newest first, in all and per round (lists stop after a page)
            models.Index(
                fields=["-visited_at", "-id"],
                condition=Q(superseded=False),
                name="visit_recent",
            ),
            models.Index(
                fields=["round", "-visited_at", "-id"],
                condition=Q(superseded=False),
                name="visit_round_recent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flat.address} {self.visited_at:%Y-%m-%d}"


# --- follow-ups -----------------------------------------------------------------


class FollowUpStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class FollowUpQuerySet(ScopedQuerySet):
    building_path = "flat__building"

    def visible_to(self, user: Any) -> FollowUpQuerySet:
        return cast(FollowUpQuerySet, super().visible_to(user))

    def open(self) -> FollowUpQuerySet:
        return self.filter(status=FollowUpStatus.OPEN)


class FollowUp(models.Model):
    """Something to do for a household by a date (回访); overdue is derived
    from the date (``beatbook.visits.followups``), never stored."""

    flat = models.ForeignKey(
        Flat, verbose_name=_("household"), on_delete=models.PROTECT, related_name="followups"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("from visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followups",
    )
    task = models.CharField(_("what to do"), max_length=300)
    due_date = models.DateField(_("due date"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="followups",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    done_note = models.CharField(_("outcome"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="followup_worklist"),
        ]

    def __str__(self) -> str:
        return self.task


# --- households ---------------------------------------------------------------------


class HouseholdQuerySet(ScopedQuerySet):
    building_path = "flat__building"

    def visible_to(self, user: Any) -> HouseholdQuerySet:
        return cast(HouseholdQuerySet, super().visible_to(user))

    def on_care_list(self) -> HouseholdQuerySet:
        return self.filter(care_every_days__isnull=False)


class Household(models.Model):
    """What visitors know about a household (户情): its classification and,
    for households on the care list, how often it is to be visited."""

    #: the classification flags, in display order
    CLASSIFICATION = (
        "elderly_alone",
        "young_children",
        "tenants",
        "shop_at_home",
        "needs_care",
    )

    flat = models.OneToOneField(
        Flat, verbose_name=_("household"), on_delete=models.PROTECT, related_name="household"
    )
    elderly_alone = models.BooleanField(_("elderly person living alone"), default=False)
    young_children = models.BooleanField(_("family with young children"), default=False)
    tenants = models.BooleanField(_("tenants"), default=False)
    shop_at_home = models.BooleanField(_("shop at home"), default=False)
    needs_care = models.BooleanField(_("people needing care"), default=False)
    #: on the care list when set: visit at least every N days (关爱走访)
    care_every_days = models.PositiveSmallIntegerField(
        _("care visit every (days)"), null=True, blank=True
    )
    care_since = models.DateField(_("on the care list since"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["flat_id"]
        verbose_name = _("household profile")
        verbose_name_plural = _("household profiles")
        constraints = [
            models.CheckConstraint(
                condition=Q(care_every_days__isnull=True) | Q(care_every_days__gt=0),
                name="household_care_cadence_positive",
            )
        ]
        indexes = [models.Index(fields=["care_every_days"], name="household_care_list")]

    def __str__(self) -> str:
        return f"household {self.flat_id}"

    @property
    def classification(self) -> list[str]:
        return [name for name in self.CLASSIFICATION if getattr(self, name)]
