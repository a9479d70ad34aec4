from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.crypto import EncryptedTextField, Secret
from shops.models import Shop


class Status(models.TextChoices):
    """The Z/P/N codes tenants, hotlines and extensions share; other codes are kept as they came."""

    NEW = "Z", _("New")
    ENABLED = "P", _("Enabled")
    DISABLED = "N", _("Disabled")


class Tenant(models.Model):
    """A shop's switchboard on eTelecom (`CreateTenant`/`GetTenant`). Activation (`PartnerActivateTenant`) needs
    `owner_id` and `connection_id`, which only eTelecom's answers carry."""

    shop_lookup = "shop"

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="tenant", verbose_name=_("shop"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    domain = models.CharField(_("SIP domain"), max_length=255, blank=True)
    owner_id = models.CharField(_("owner id"), max_length=32, blank=True)
    connection_id = models.CharField(_("connection id"), max_length=32, blank=True)
    connection_method = models.CharField(_("connection method"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("PBX tenant")
        verbose_name_plural = _("PBX tenants")
        ordering = ["shop__name"]

    def __str__(self):
        return self.name or self.domain or self.etelecom_id


class Hotline(models.Model):
    """A phone number of the partner's pool used by a shop (`PartnerAddHotline`, `GetPartnerHotlineList`)."""

    shop_lookup = "shop"

    class Network(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        MOBIFONE = "mobifone", "MobiFone"
        VINAPHONE = "vinaphone", "VinaPhone"
        VIETTEL = "viettel", "Viettel"
        OTHER = "other", _("Other")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="hotlines", verbose_name=_("shop"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32, unique=True)
    hotline = models.CharField(_("number"), max_length=32)
    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    network = models.CharField(_("network"), max_length=16, choices=Network.choices, blank=True)
    is_free_charge = models.BooleanField(
        _("free of charge"), default=False, help_text=_("Calls skip the balance check.")
    )
    owner_id = models.CharField(_("owner id"), max_length=32, blank=True)
    connection_id = models.CharField(_("connection id"), max_length=32, blank=True)
    connection_method = models.CharField(_("connection method"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("hotline")
        verbose_name_plural = _("hotlines")
        ordering = ["shop__name", "hotline"]

    def __str__(self):
        return f"{self.hotline} ({self.name})" if self.name else self.hotline


class PbxUser(models.Model):
    """A shop's staff account on eTelecom (`CreateAccountUser`, `GetAccountUsers`), who can hold an extension."""

    shop_lookup = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="pbx_users", verbose_name=_("shop"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    account_id = models.CharField(_("account id"), max_length=32, blank=True)
    full_name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.CharField(_("email"), max_length=255, blank=True)
    deleted = models.BooleanField(_("deleted on eTelecom"), default=False)
    department_id = models.CharField(_("department id"), max_length=32, blank=True)
    position = models.CharField(_("position"), max_length=128, blank=True)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("PBX user")
        verbose_name_plural = _("PBX users")
        ordering = ["shop__name", "full_name"]
        constraints = [models.UniqueConstraint(fields=["shop", "etelecom_id"], name="pbx_user_unique_per_shop")]

    def __str__(self):
        return f"{self.full_name} ({self.phone})" if self.phone else self.full_name


class Extension(models.Model):
    """An extension of a shop's tenant (`CreateExtension`, `GetExtensions`): a number on a hotline, held by at
    most one user. The SIP password is stored encrypted and shown masked."""

    shop_lookup = "shop"

    class State(models.TextChoices):
        NEW = "Z", _("New")
        VALID = "P", _("Valid")
        EXPIRED = "N", _("Expired")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("shop"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    extension_number = models.CharField(_("extension"), max_length=16)
    hotline = models.ForeignKey(
        Hotline, null=True, blank=True, on_delete=models.SET_NULL, related_name="extensions", verbose_name=_("hotline")
    )
    user = models.ForeignKey(
        PbxUser, null=True, blank=True, on_delete=models.SET_NULL, related_name="extensions", verbose_name=_("user")
    )
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    password_ciphertext = EncryptedTextField(_("SIP password (encrypted)"))
    password_hint = models.CharField(_("SIP password"), max_length=8, blank=True, editable=False)
    tenant_etelecom_id = models.CharField(_("tenant id"), max_length=32, blank=True)
    tenant_domain = models.CharField(_("SIP domain"), max_length=255, blank=True)
    account_id = models.CharField(_("account id"), max_length=32, blank=True)
    subscription_id = models.CharField(_("subscription id"), max_length=32, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=State.choices, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    password = Secret("password_ciphertext")

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["shop__name", "extension_number"]
        constraints = [models.UniqueConstraint(fields=["shop", "etelecom_id"], name="extension_unique_per_shop")]

    def __str__(self):
        return self.extension_number


class CallRecord(models.Model):
    """One call of a shop's PBX (`ListCallLogs`). eTelecom's record has no hotline: the hotline is the one the
    call's extension used when the call was stored. `started_day` and `started_hour` are the local
    (Asia/Ho_Chi_Minh) day and hour the rollups group by."""

    shop_lookup = "shop"
    support_read_only = True

    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")
        INTERNAL = "ext", _("Internal")
        INTERNAL_IN = "ext_in", _("Internal inbound")
        INTERNAL_OUT = "ext_out", _("Internal outbound")
        UNKNOWN = "unknown", _("Unknown")

    class CallState(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        NOT_ANSWERED = "not_answered", _("Not answered")
        UNKNOWN = "unknown", _("Unknown")

    # No single-column indexes on the foreign keys: the composite indexes lead with shop, and every index costs
    # each of the millions of rows a sync writes.
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="calls", verbose_name=_("shop"), db_index=False
    )
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallState.choices)
    # eTelecom's outcome code of a call, in words; one it adds later reads `other (X)`. Not `choices`: the list is
    # eTelecom's.
    CALL_STATUSES = {
        "P": pgettext_lazy("call outcome", "connected"),
        "N": pgettext_lazy("call outcome", "not connected"),
    }
    call_status = models.CharField(_("call status"), max_length=8, blank=True)
    caller = models.CharField(_("caller"), max_length=32)
    callee = models.CharField(_("callee"), max_length=32)
    # The number search looks here: one index instead of one on caller and one on callee, each of which cost a
    # sync a fifth of its time (random inserts into a big B-tree).
    customer_number = models.CharField(
        _("customer's number"),
        max_length=32,
        blank=True,
        help_text=_("The caller of an inbound call, the callee of an outbound one."),
    )
    extension = models.ForeignKey(
        Extension,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("extension"),
        db_index=False,
    )
    hotline = models.ForeignKey(
        Hotline,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("hotline"),
        db_index=False,
    )
    extension_etelecom_id = models.CharField(_("extension id"), max_length=32, blank=True)
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    contact_id = models.CharField(_("contact id"), max_length=32, blank=True)
    duration = models.PositiveIntegerField(_("duration (s)"), default=0)
    started_at = models.DateTimeField(_("started"))
    started_day = models.DateField(_("day"))
    started_hour = models.PositiveSmallIntegerField(_("hour"), default=0)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    recording_urls = models.JSONField(_("recordings"), default=list, blank=True)
    call_targets = models.JSONField(_("targets"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    external_session_id = models.CharField(_("external session id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["shop", "etelecom_id"], name="call_unique_per_shop")]
        indexes = [
            models.Index(fields=["-started_at", "-id"], name="call_started"),
            models.Index(fields=["shop", "-started_at", "-id"], name="call_shop_started"),
            models.Index(fields=["customer_number", "-started_at"], name="call_customer_number"),
        ]

    def __str__(self):
        return f"{self.caller} → {self.callee}"

    def get_call_status_display(self) -> str:
        return formats.coded(self.CALL_STATUSES, self.call_status)


class CallDaily(models.Model):
    """Calls per shop, local day, direction, state, extension, hotline and user: what call reports read."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_days", verbose_name=_("shop"), db_index=False
    )
    day = models.DateField(_("day"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    extension_etelecom_id = models.CharField(_("extension id"), max_length=32, blank=True)
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))
    max_duration = models.PositiveIntegerField(_("longest (s)"))

    class Meta:
        verbose_name = _("daily call count")
        verbose_name_plural = _("daily call counts")
        ordering = ["-day", "shop", "direction", "call_state"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "shop",
                    "day",
                    "direction",
                    "call_state",
                    "extension_etelecom_id",
                    "hotline_etelecom_id",
                    "user_etelecom_id",
                ],
                name="call_daily_unique",
            )
        ]
        # Reports read a range of days over all of a user's shops: without it, every report read the whole table
        # (413,000 rows at 10M calls).
        indexes = [models.Index(fields=["day"], name="call_daily_day")]

    def __str__(self):
        return f"{self.day} {self.direction}/{self.call_state}: {self.calls}"


class CallHourly(models.Model):
    """Calls per shop, local day, local hour, direction and state: the hour-of-day table of the calls report.
    Refreshed with `CallDaily`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_hours", verbose_name=_("shop"), db_index=False
    )
    day = models.DateField(_("day"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("hourly call count")
        verbose_name_plural = _("hourly call counts")
        ordering = ["-day", "hour", "shop"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "day", "hour", "direction", "call_state"], name="call_hourly_unique"
            )
        ]
        indexes = [models.Index(fields=["day"], name="call_hourly_day")]

    def __str__(self):
        return f"{self.day} {self.hour:02d}h {self.direction}/{self.call_state}: {self.calls}"


class CallMonthly(models.Model):
    """`CallDaily` summed by local month (`month` is its first day): a report over a year reads a row a month for
    each line instead of one a day. Refreshed with `CallDaily`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_months", verbose_name=_("shop"), db_index=False
    )
    month = models.DateField(_("month"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    extension_etelecom_id = models.CharField(_("extension id"), max_length=32, blank=True)
    hotline_etelecom_id = models.CharField(_("hotline id"), max_length=32, blank=True)
    user_etelecom_id = models.CharField(_("user id"), max_length=32, blank=True)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("monthly call count")
        verbose_name_plural = _("monthly call counts")
        ordering = ["-month", "shop", "direction", "call_state"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "shop",
                    "month",
                    "direction",
                    "call_state",
                    "extension_etelecom_id",
                    "hotline_etelecom_id",
                    "user_etelecom_id",
                ],
                name="call_monthly_unique",
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.direction}/{self.call_state}: {self.calls}"


class CallMonthlyHour(models.Model):
    """`CallHourly` summed by local month (`month` is its first day): the hour-of-day table of a year's calls
    report reads 24 rows a month for each direction and state instead of 24 a day (600,000 rows at 10M calls).
    Refreshed with `CallHourly`, in the same transaction."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="call_month_hours", verbose_name=_("shop"), db_index=False
    )
    month = models.DateField(_("month"))
    hour = models.PositiveSmallIntegerField(_("hour"))
    direction = models.CharField(_("direction"), max_length=8, choices=CallRecord.Direction.choices)
    call_state = models.CharField(_("state"), max_length=16, choices=CallRecord.CallState.choices)
    calls = models.PositiveIntegerField(_("calls"))
    total_duration = models.PositiveBigIntegerField(_("total duration (s)"))

    class Meta:
        verbose_name = _("monthly call count by hour")
        verbose_name_plural = _("monthly call counts by hour")
        ordering = ["-month", "hour", "shop"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "month", "hour", "direction", "call_state"], name="call_monthly_hour_unique"
            )
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.hour:02d}h {self.direction}/{self.call_state}: {self.calls}"


class CallSyncState(models.Model):
    """Where a shop's call-history sync stands: the high-water mark of the last complete pass, and, while a pass
    is unfinished, its window and the cursor after the last stored page (a rerun continues from there)."""

    shop_lookup = "shop"
    support_read_only = True

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="call_sync", verbose_name=_("shop"))
    synced_until = models.DateTimeField(_("complete up to"), null=True, blank=True)
    pass_from = models.DateTimeField(_("unfinished pass from"), null=True, blank=True)
    pass_to = models.DateTimeField(_("unfinished pass to"), null=True, blank=True)
    pass_cursor = models.CharField(_("unfinished pass cursor"), max_length=255, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("call sync position")
        verbose_name_plural = _("call sync positions")

    def __str__(self):
        return str(self.shop)
