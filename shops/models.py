import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from . import jobs
from .crypto import EncryptedTextField, Secret, hint


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Shop(models.Model):
    """A shop on eTelecom (`baShop`), and how the console authenticates as it.

    Partner-connected shops are called with their `shop_key` on the partner base URL; directly connected shops with
    their own `api_key` on the shop base URL. Either key is stored encrypted in `credential_ciphertext`.
    """

    # Every shop-owned model names its lookup to Shop here; the admin scoping mixin reads it.
    shop_lookup = "pk"

    class Connection(models.TextChoices):
        PARTNER = "partner", _("Partner (shop_key)")
        DIRECT = "direct", _("Direct (api_key)")

    class CredentialStatus(models.TextChoices):
        UNKNOWN = "unknown", _("Not checked")
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")

    name = models.CharField(_("name"), max_length=255)
    etelecom_id = models.CharField(_("eTelecom shop id"), max_length=32, unique=True)
    email = models.CharField(_("email"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    connection = models.CharField(_("connected"), max_length=16, choices=Connection.choices)
    credential_ciphertext = EncryptedTextField(_("credential (encrypted)"))
    credential_hint = models.CharField(_("credential"), max_length=8, blank=True, editable=False)
    credential_status = models.CharField(
        _("credential status"), max_length=16, choices=CredentialStatus.choices, default=CredentialStatus.UNKNOWN
    )
    credential_checked_at = models.DateTimeField(_("credential checked"), null=True, blank=True, editable=False)
    credential_error = models.TextField(_("last credential error"), blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    # The unguessable part of this shop's webhook URL: eTelecom signs nothing, so knowing it is the authentication.
    webhook_secret = models.CharField(
        _("webhook secret"), max_length=64, unique=True, default=new_webhook_secret, editable=False
    )
    webhook_registered_at = models.DateTimeField(_("webhook registered"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    credential = Secret("credential_ciphertext")

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["credential_status", "name"], name="shop_credential_status")]

    def __str__(self):
        return self.name

    def set_credential(self, secret: str) -> None:
        self.credential = secret
        self.credential_hint = hint(secret)


class ShopMembership(models.Model):
    """Gives a staff user access to one shop. Superusers see every shop without one."""

    shop_lookup = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("shop"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_memberships", verbose_name=_("user")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop member")
        verbose_name_plural = _("shop members")
        constraints = [models.UniqueConstraint(fields=["shop", "user"], name="shop_membership_unique")]

    def __str__(self):
        return f"{self.user} → {self.shop}"


class ApiCall(models.Model):
    """One HTTP call to eTelecom made for a shop (or partner-wide, without one): the audit log."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="api_calls", verbose_name=_("shop")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("user")
    )
    job = models.CharField(_("job"), max_length=64, blank=True)
    method = models.CharField(_("method"), max_length=64)
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    error_code = models.CharField(_("error code"), max_length=64, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("API call to eTelecom")
        verbose_name_plural = _("API calls to eTelecom")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["shop", "-created_at"], name="api_call_shop_time")]

    def __str__(self):
        return f"{self.method} {self.status or '-'}"


class WebhookEvent(models.Model):
    """One event eTelecom posted to a shop's webhook URL, kept as it came (bounded in size), once per event."""

    shop_lookup = "shop"
    support_read_only = True

    class Status(models.TextChoices):
        PROCESSED = "processed", _("Processed")
        UNKNOWN = "unknown", _("Kept (kind not handled)")
        SKIPPED = "skipped", _("Skipped (nothing to update)")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="webhook_events", verbose_name=_("shop"))
    kind = models.CharField(_("kind"), max_length=64, help_text=_("Zalo's event_name, or eTelecom's entity."))
    dedupe_key = models.CharField(_("event id"), max_length=64)
    body = models.JSONField(_("body"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "dedupe_key"], name="webhook_event_once")]

    def __str__(self):
        return f"{self.kind} #{self.pk}"


class SyncRun(models.Model):
    """One run of a background job (a sync, a check, a bulk upload) for a shop, or partner-wide without one."""

    shop_lookup = "shop"
    support_read_only = True

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    # A `shops.jobs` kind; each app declares its own jobs, so the hub needs no migration for them.
    kind = models.CharField(_("kind"), max_length=32)
    shop = models.ForeignKey(
        Shop, null=True, blank=True, on_delete=models.CASCADE, related_name="sync_runs", verbose_name=_("shop")
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    queued_at = models.DateTimeField(_("queued"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # A running run's worker stamps this every JOB_HEARTBEAT_SECONDS; a run that stops stamping it is dead.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    worker = models.CharField(_("worker"), max_length=128, blank=True, help_text=_("Host and process id."))
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("triggered by")
    )

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-queued_at", "-pk"]
        indexes = [
            models.Index(fields=["shop", "kind", "-queued_at"], name="sync_run_shop_kind"),
            # /metrics counts the runs finished in the last hour.
            models.Index(fields=["finished_at"], name="sync_run_finished"),
            # The reaper and the fan-out look at queued and running runs only: a few among many thousands.
            models.Index(
                fields=["kind", "shop"], condition=Q(status__in=["queued", "running"]), name="sync_run_active"
            ),
            # The dashboard's failing syncs: the failed runs, and the last success of each shop's kind. Without them
            # (1,000 shops, 60,000 runs) the plan read every run and cost enough for PostgreSQL to JIT-compile it:
            # 205 ms, 187 of them compiling; 7 ms with them.
            models.Index(fields=["shop", "kind"], condition=Q(status="failed"), name="sync_run_failed"),
            models.Index(fields=["shop", "kind", "id"], condition=Q(status="succeeded"), name="sync_run_succeeded"),
        ]
        constraints = [
            # Two runs of one kind for one shop never overlap: the second one to start is recorded as skipped.
            models.UniqueConstraint(
                fields=["shop", "kind"], condition=Q(status="running", shop__isnull=False), name="sync_run_one_running"
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=Q(status="running", shop__isnull=True), name="sync_run_one_running_global"
            ),
        ]

    def __str__(self):
        return f"{self.kind_label} #{self.pk}"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at and self.started_at else None

    @property
    def kind_label(self) -> str:
        return jobs.label(self.kind)


class SentAlert(models.Model):
    """An alert mailed to a shop's staff, kept while its condition lasts so that it is mailed once: `kind` is what is
    wrong, `subject` what it is wrong with (the shop, a sync kind, an OA), `fingerprint` the detail that makes it a
    new alert (an expiry date, today's date). When the condition clears the row goes, and the alert can come again."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sent_alerts", verbose_name=_("shop"))
    kind = models.CharField(_("kind"), max_length=32)
    subject = models.CharField(_("subject"), max_length=64)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert sent")
        verbose_name_plural = _("alerts sent")
        constraints = [
            models.UniqueConstraint(fields=["shop", "kind", "subject", "fingerprint"], name="sent_alert_once"),
        ]

    def __str__(self):
        return f"{self.kind} {self.subject}"


class UserPreference(models.Model):
    """What a staff user chose for themselves: whether alerts reach them by mail, and in which language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference", verbose_name=_("user")
    )
    alert_emails = models.BooleanField(
        _("mail me alerts"),
        default=True,
        help_text=_("A digest of new problems in your shops: rejected keys, failing syncs, OA quality and quota."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self):
        return str(self.user)


class BulkJobBase(models.Model):
    """A CSV upload of sends, checked row by row, then sent by a background run (`shops.uploads`): what every
    app's upload has. The concrete model adds what is sent and from where, `shop` (the shop it sends for),
    and `run_kind` (the kind of its job, `shops.jobs`)."""

    class Status(models.TextChoices):
        CHECKED = "checked", _("Checked, not started")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Sending")
        DONE = "done", _("Done")
        HELD = "held", _("Rows held for later")
        FAILED = "failed", _("Stopped by an error")

    file_name = models.CharField(_("file"), max_length=255)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CHECKED)
    error = models.TextField(_("error"), blank=True)
    # The run that sends the upload now. A run sends only while it is this one: one taken for dead that wakes up
    # stops before its next send.
    run = models.ForeignKey(
        "shops.SyncRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("run")
    )
    resumes = models.PositiveSmallIntegerField(
        _("automatic resumes"), default=0, help_text=_("Times the upload went on by itself after its worker died.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True


class BulkRowBase(models.Model):
    """One row of an upload and what became of it. Its tracking id is fixed when the file is checked, so a send
    that is retried after a crash is found instead of being sent again. The concrete model adds `job` (related
    name `rows`) and the links to what each row made."""

    class State(models.TextChoices):
        INVALID = "invalid", _("Invalid")
        PENDING = "pending", _("To send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        HELD = "held", _("Held, sent later")
        UNCONFIRMED = "unconfirmed", _("Not confirmed yet")
        FAILED = "failed", _("Refused")

    line = models.PositiveIntegerField(_("line"))
    phone = models.CharField(_("phone"), max_length=32)
    data = models.JSONField(_("values"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    error = models.TextField(_("error"), blank=True)
    tracking_id = models.CharField(_("tracking id"), max_length=64, blank=True)
    # When a run last took the row to send it: a request that may have gone is looked for from then on.
    attempted_at = models.DateTimeField(_("attempted"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.job} #{self.line}"
