"""Emergency sweeps (专项排查): the questions a sweep asks each household,
the answers given on a visit, and home observation with its daily checks.

A sweep is a ``visits.Round`` of kind ``sweep``. Nothing here stores a
derived state: missed days and "lost to follow-up" come from the checks
(``beatbook.sweeps.days``), coverage from the visit log.
"""

from __future__ import annotations

from typing import Any, cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beatbook.registry.models import Flat, Resident, ScopedQuerySet
from beatbook.visits.models import Round, Visit


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")
    CHOICE = "choice", _("Choice")


class QuestionQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> QuestionQuerySet:
        """Questions of the rounds the user sees."""
        return self.filter(round__in=Round.objects.visible_to(user))


class Question(models.Model):
    """One question a sweep asks at every household (or of every person in it)."""

    round = models.ForeignKey(
        Round, verbose_name=_("sweep"), on_delete=models.CASCADE, related_name="sweep_questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(
        _("answer"), max_length=8, choices=QuestionKind.choices, default=QuestionKind.YES_NO
    )
    #: the options of a choice question
    choices = models.JSONField(_("options"), default=list, blank=True)
    #: asked of each person of the household rather than once per household
    per_person = models.BooleanField(_("asked of each person"), default=False)
    #: a "yes" about a person (or one of ``flag_choices``) puts them under
    #: home observation for this many days
    observe_days = models.PositiveSmallIntegerField(
        _("a yes means home observation for (days)"), null=True, blank=True
    )
    flag_choices = models.JSONField(_("options that flag"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["round_id", "position", "id"]
        verbose_name = _("sweep question")
        verbose_name_plural = _("sweep questions")

    def __str__(self) -> str:
        return self.text

    def flags(self, value: Any) -> bool:
        """Whether this answer flags the household or person."""
        if self.kind == QuestionKind.YES_NO:
            return value is True
        if self.kind == QuestionKind.CHOICE:
            return value in (self.flag_choices or [])
        return False


class AnswerQuerySet(ScopedQuerySet):
    building_path = "visit__flat__building"

    def visible_to(self, user: Any) -> AnswerQuerySet:
        return cast(AnswerQuerySet, super().visible_to(user))


class Answer(models.Model):
    """The answer given on one visit to one question (about one person for
    per-person questions)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="sweep_answers"
    )
    question = models.ForeignKey(
        Question, verbose_name=_("question"), on_delete=models.PROTECT, related_name="answers"
    )
    resident = models.ForeignKey(
        Resident,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sweep_answers",
    )
    #: True/False, an integer, or text (a choice is its option's text)
    value = models.JSONField(_("answer"), null=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(auto_now=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["visit_id", "question__position", "question_id", "resident_id"]
        verbose_name = _("sweep answer")
        verbose_name_plural = _("sweep answers")
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "question"],
                condition=Q(resident__isnull=True),
                name="sweep_answer_once_per_visit",
            ),
            models.UniqueConstraint(
                fields=["visit", "question", "resident"],
                condition=Q(resident__isnull=False),
                name="sweep_answer_once_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.value}"


class ObservationQuerySet(ScopedQuerySet):
    building_path = "flat__building"

    def visible_to(self, user: Any) -> ObservationQuerySet:
        return cast(ObservationQuerySet, super().visible_to(user))


class Observation(models.Model):
    """A person under home observation (居家观察) for a period, checked on
    every day of it. The period's end may be moved (``ObservationChange``)."""

    round = models.ForeignKey(
        Round,
        verbose_name=_("sweep"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    resident = models.ForeignKey(
        Resident, verbose_name=_("person"), on_delete=models.PROTECT, related_name="observations"
    )
    #: the household the person is observed at (scoping)
    flat = models.ForeignKey(
        Flat, verbose_name=_("household"), on_delete=models.PROTECT, related_name="observations"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("from visit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observations",
    )
    reason = models.CharField(_("reason"), max_length=300)
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="observations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        verbose_name = _("home observation")
        verbose_name_plural = _("home observations")
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")),
                name="observation_dates_in_order",
            )
        ]
        indexes = [models.Index(fields=["end_date"], name="observation_end")]

    def __str__(self) -> str:
        return f"{self.resident.name} {self.start_date:%m-%d}–{self.end_date:%m-%d}"


class DailyCheck(models.Model):
    """One daily check of a person under observation (by phone or at the door)."""

    observation = models.ForeignKey(
        Observation, verbose_name=_("observation"), on_delete=models.CASCADE, related_name="checks"
    )
    checked_at = models.DateTimeField(_("checked at"))
    #: no fever, no symptoms
    well = models.BooleanField(_("well"), default=True)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("checked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["observation_id", "checked_at", "id"]
        verbose_name = _("daily check")
        verbose_name_plural = _("daily checks")
        indexes = [models.Index(fields=["observation", "checked_at"], name="check_obs_time")]

    def __str__(self) -> str:
        return f"{self.observation_id} {self.checked_at:%Y-%m-%d %H:%M}"


class ObservationChange(models.Model):
    """A move of an observation's last day (extension, or shortening with a reason)."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="changes")
    old_end = models.DateField(_("last day before"))
    new_end = models.DateField(_("last day after"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["observation_id", "at", "id"]
        verbose_name = _("observation period change")
        verbose_name_plural = _("observation period changes")

    def __str__(self) -> str:
        return f"{self.old_end} → {self.new_end}"
