"""Users, roles and what each one covers."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICER = "officer", _("Community officer")
    BUILDING_HEAD = "building_head", _("Building head")
    WORKER = "worker", _("Community worker")
    CHIEF = "chief", _("Station chief")
    SYSADMIN = "sysadmin", _("System administrator")
    AUDITOR = "auditor", _("Audit administrator")


class User(AbstractUser):
    """A Beatbook user.

    What a user may see is derived from the role and the assignments below
    (``beatbook.core.scoping``): beats for a community officer, buildings for a
    building head (possibly outside their beats), communities for a community
    worker, the station for a chief. The system and audit administrators see
    no residents' data (three-way split of administration, MLPS level 3).
    """

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.OFFICER)
    display_name = models.CharField(_("name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    station = models.ForeignKey(
        "registry.Station",
        verbose_name=_("station"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    beats = models.ManyToManyField(
        "registry.Beat", verbose_name=_("beats"), blank=True, related_name="officers"
    )
    communities = models.ManyToManyField(
        "registry.Community", verbose_name=_("communities"), blank=True, related_name="workers"
    )
    head_of_buildings = models.ManyToManyField(
        "registry.Building",
        verbose_name=_("building head of"),
        blank=True,
        related_name="building_heads",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def label(self) -> str:
        return f"{self.display_name} ({self.username})" if self.display_name else self.username
