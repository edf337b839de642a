"""Who is told, when and how: pages (things to acknowledge), the 1-3-5
escalation, in-app notifications, delivery channels and the durable outbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from beatbook.core.scoping import scope_of


class Step(models.IntegerChoices):
    ASSIGNED = 0, _("Assigned officers")
    DUTY = 1, _("Duty officer")
    CHIEF = 3, _("Station chief")
    BREACH = 5, _("Response breach")


class StationPolicy(models.Model):
    """A station's notification settings: its duty officer and the 1-3-5 delays."""

    station = models.OneToOneField(
        "registry.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="notify_policy",
    )
    duty_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("duty officer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duty_after = models.PositiveIntegerField(_("duty officer after (seconds)"), default=60)
    chief_after = models.PositiveIntegerField(_("chief after (seconds)"), default=180)
    breach_after = models.PositiveIntegerField(_("breach after (seconds)"), default=300)

    class Meta:
        verbose_name = _("notification policy")
        verbose_name_plural = _("notification policies")

    def __str__(self) -> str:
        return str(self.station)


class PageQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> PageQuerySet:
        """Chiefs see their station's pages; officers and building heads the
        pages of buildings in their scope (and pages they were told of)."""
        scope = scope_of(user)
        if not scope.sees_residents:
            return self.none()
        q = scope.building_q("building")
        if scope.role == "chief":
            q |= Q(station_id=user.station_id)
        q |= Q(told__user_id=user.pk)
        return self.filter(q).distinct()


class Page(models.Model):
    """One thing people must be told about and acknowledge (an alert)."""

    subject_type = models.CharField(_("subject type"), max_length=32)
    subject_id = models.BigIntegerField(_("subject id"))
    station = models.ForeignKey(
        "registry.Station", verbose_name=_("station"), on_delete=models.CASCADE, related_name="+"
    )
    building = models.ForeignKey(
        "registry.Building",
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    compound = models.ForeignKey(
        "registry.Compound",
        verbose_name=_("compound"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    severity = models.CharField(_("severity"), max_length=16, default="high")
    opened_at = models.DateTimeField(_("opened"))
    #: the delays of the station policy when the page opened (seconds)
    duty_after = models.PositiveIntegerField(default=60)
    chief_after = models.PositiveIntegerField(default=180)
    breach_after = models.PositiveIntegerField(default=300)
    #: when the next step is due; None once acknowledged, closed or breached
    next_step_at = models.DateTimeField(null=True, blank=True, db_index=True)
    step1_at = models.DateTimeField(_("duty officer told"), null=True, blank=True)
    step3_at = models.DateTimeField(_("chief told"), null=True, blank=True)
    breached_at = models.DateTimeField(_("breached"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id"], name="notify_page_subject"
            )
        ]
        indexes = [models.Index(fields=["station", "opened_at"], name="notify_page_station")]

    def __str__(self) -> str:
        return self.title

    @property
    def breached(self) -> bool:
        return self.breached_at is not None

    @property
    def step(self) -> int:
        """The highest step reached (0, 1, 3 or 5), from when each was taken."""
        if self.breached_at is not None:
            return Step.BREACH
        if self.step3_at is not None:
            return Step.CHIEF
        if self.step1_at is not None:
            return Step.DUTY
        return Step.ASSIGNED

    @property
    def seconds_to_ack(self) -> float | None:
        if self.acknowledged_at is None:
            return None
        return (self.acknowledged_at - self.opened_at).total_seconds()

    @property
    def seconds_to_clear(self) -> float | None:
        if self.closed_at is None:
            return None
        return (self.closed_at - self.opened_at).total_seconds()


class Told(models.Model):
    """Someone (or a group channel) was told of a page, at a step, on a channel."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="told")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    #: who, as shown (the user's label, or the group channel's name)
    label = models.CharField(max_length=150)
    step = models.PositiveSmallIntegerField(choices=Step.choices)
    channel = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["page", "at"], name="notify_told_page")]

    def __str__(self) -> str:
        return f"{self.label} ({self.channel}, {self.step})"


class Notification(models.Model):
    """An in-app message to one user: the live feed and the notification list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, default="page")
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-id"], name="notify_notif_user")]

    def __str__(self) -> str:
        return self.title

    def as_event(self) -> dict[str, Any]:
        return {
            **self.payload,
            "id": self.pk,
            "kind": self.kind,
            "title": self.title,
            "body": self.body,
            "url": self.url,
            "page": self.page_id,
            "created_at": self.created_at.isoformat(),
        }


class ChannelKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook (JSON, signed)")
    WECOM = "wecom", _("WeCom group robot")
    DINGTALK = "dingtalk", _("DingTalk group robot")


class ChannelQuerySet(models.QuerySet):
    def visible_to(self, user: Any) -> ChannelQuerySet:
        scope = scope_of(user)
        if scope.administers:
            return self.all()
        if scope.role == "chief" and user.station_id:
            return self.filter(station_id=user.station_id)
        return self.none()


class Channel(models.Model):
    """A station's group delivery channel (webhook, WeCom or DingTalk robot)."""

    station = models.ForeignKey(
        "registry.Station",
        verbose_name=_("station"),
        on_delete=models.CASCADE,
        related_name="notify_channels",
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ChannelKind.choices)
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("secret"), max_length=200, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    #: told from this step on (0: every new page; 1, 3, 5: escalations only)
    from_step = models.PositiveSmallIntegerField(
        _("from step"), choices=Step.choices, default=Step.ASSIGNED
    )
    paused_at = models.DateTimeField(_("paused"), null=True, blank=True)
    failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    last_error = models.TextField(blank=True)
    #: robots' rate window (20 messages a minute)
    window_start = models.DateTimeField(null=True, blank=True)
    window_sent = models.PositiveIntegerField(default=0)

    objects = ChannelQuerySet.as_manager()

    class Meta:
        ordering = ["station", "name"]
        verbose_name = _("channel")
        verbose_name_plural = _("channels")

    def __str__(self) -> str:
        return self.name

    @property
    def url_without_query(self) -> str:
        """The address without its query (robots put their access key there)."""
        return self.url.split("?", 1)[0]


class PushSubscription(models.Model):
    """A browser's Web Push subscription (one per device of a user)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.endpoint[:60]


class PushKeys(models.Model):
    """The server's VAPID key pair, generated on first use (one row)."""

    private_pem = models.TextField()
    public_key = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.public_key[:16]


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting to send")
    HELD = "held", _("Held (channel paused)")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Dead letter")
    #: nobody to deliver to any more (push subscription gone, channel deleted or disabled)
    DROPPED = "dropped", _("Dropped")


class OutboxMessage(models.Model):
    """One outgoing message, kept until sent (or dead after too many failures).

    Claimed by the worker for a lease (``next_attempt_at`` moves forward), sent,
    then marked: a message in flight when a worker dies is sent again once its
    lease runs out (at least once), never lost.
    """

    kind = models.CharField(max_length=16)  # "webpush" or a ChannelKind
    channel = models.ForeignKey(
        Channel, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    endpoint = models.CharField(max_length=1000, blank=True)
    page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="messages"
    )
    step = models.PositiveSmallIntegerField(default=0)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "-id"], name="notify_outbox_status"),
            models.Index(
                fields=["next_attempt_at"],
                name="notify_outbox_pending",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
