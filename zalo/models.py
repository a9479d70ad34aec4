"""The zalo app's models, one module as Django expects them (migrations and the admin read them by app): the
mirrored eTelecom records (OAs and their snapshots, followers, call permission requests, ZNS templates and
messages, journey tokens), conversations, bulk uploads and the daily rollups. Longer than ~400 lines for that
reason; the code that writes them lives in the entity modules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.crypto import EncryptedTextField, Secret
from shops.models import BulkJobBase, BulkRowBase, Shop


class OfficialAccount(models.Model):
    """A Zalo Official Account connected to a shop on eTelecom: the OA record of `ListOA`/`GetShopOA`.

    Enum fields keep eTelecom's raw code (samples carry `Z` and `unknown`, which no table lists); the choices only
    label the documented ones.
    """

    shop_lookup = "shop"

    class Status(models.TextChoices):
        CONNECTED = "P", _("Connected")
        DISCONNECTED = "N", _("Disconnected")

    class Quality(models.TextChoices):
        HIGH = "HIGH", _("High")
        MEDIUM = "MEDIUM", _("Medium")
        LOW = "LOW", _("Low")
        UNDEFINED = "UNDEFINED", _("No ZNS sent")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="oas", verbose_name=_("shop"))
    oa_id = models.CharField(_("OA id"), max_length=32)
    name = models.CharField(_("name"), max_length=255, blank=True)
    description = models.TextField(_("description"), blank=True)
    avatar = models.URLField(_("avatar"), max_length=1000, blank=True)
    cover = models.URLField(_("cover"), max_length=1000, blank=True)
    is_verified = models.BooleanField(_("verified by Zalo"), default=False)
    app_id = models.CharField(_("Zalo app id"), max_length=32, blank=True)
    app_secret_ciphertext = EncryptedTextField(_("Zalo app secret (encrypted)"))
    connection_id = models.CharField(_("connection id"), max_length=32, blank=True)
    connection_method = models.CharField(_("connection method"), max_length=16, blank=True)
    owner_id = models.CharField(_("owner id"), max_length=32, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    current_quality = models.CharField(_("quality (48 h)"), max_length=16, choices=Quality.choices, blank=True)
    last_week_quality = models.CharField(_("quality (7 days)"), max_length=16, choices=Quality.choices, blank=True)
    daily_quota = models.PositiveIntegerField(_("daily ZNS quota"), null=True, blank=True)
    remaining_quota = models.PositiveIntegerField(_("ZNS left today"), null=True, blank=True)
    daily_quota_promotion = models.PositiveIntegerField(_("daily promotion quota"), null=True, blank=True)
    monthly_promotion_quota = models.PositiveIntegerField(_("monthly promotion quota"), null=True, blank=True)
    remaining_monthly_promotion_quota = models.PositiveIntegerField(
        _("promotion quota left this month"), null=True, blank=True
    )
    estimated_next_month_promotion_quota = models.PositiveIntegerField(
        _("promotion quota expected next month"), null=True, blank=True
    )
    webhook_url = models.URLField(_("webhook URL"), max_length=1000, blank=True)
    expires_at = models.DateTimeField(_("authorization expires"), null=True, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)
    missing_since = models.DateTimeField(
        _("missing since"), null=True, blank=True, help_text=_("eTelecom no longer lists this OA.")
    )
    # Set while a renewal waits for the OA admin on Zalo's page, so a second one cannot start over it.
    renewal_started_at = models.DateTimeField(_("renewal started"), null=True, blank=True, editable=False)

    app_secret = Secret("app_secret_ciphertext")

    class Meta:
        verbose_name = _("Zalo Official Account")
        verbose_name_plural = _("Zalo Official Accounts")
        ordering = ["shop__name", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["shop", "oa_id"], name="oa_unique_per_shop")]
        indexes = [
            models.Index(fields=["current_quality"], name="oa_quality"),
            models.Index(fields=["expires_at"], name="oa_expires"),
        ]

    def __str__(self):
        return self.name or self.oa_id

    # eTelecom sends `unknown` before Zalo has rated an OA; not a choice to filter on, but said in words.
    QUALITY_WORDS = {**dict(Quality.choices), "unknown": pgettext_lazy("quality", "not rated yet")}

    def get_current_quality_display(self) -> str:
        return formats.coded(self.QUALITY_WORDS, self.current_quality) if self.current_quality else ""

    def get_last_week_quality_display(self) -> str:
        return formats.coded(self.QUALITY_WORDS, self.last_week_quality) if self.last_week_quality else ""

    @property
    def remaining_percent(self) -> float | None:
        if not self.daily_quota or self.remaining_quota is None:
            return None
        return 100.0 * self.remaining_quota / self.daily_quota


class OASnapshot(models.Model):
    """Quota and quality of one OA as one sync saw them: the history reports draw."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("OA"))
    taken_at = models.DateTimeField(_("time"))
    status = models.CharField(_("status"), max_length=8, blank=True)
    current_quality = models.CharField(_("quality (48 h)"), max_length=16, blank=True)
    last_week_quality = models.CharField(_("quality (7 days)"), max_length=16, blank=True)
    daily_quota = models.PositiveIntegerField(_("daily ZNS quota"), null=True, blank=True)
    remaining_quota = models.PositiveIntegerField(_("ZNS left today"), null=True, blank=True)
    remaining_monthly_promotion_quota = models.PositiveIntegerField(
        _("promotion quota left this month"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("OA quota and quality snapshot")
        verbose_name_plural = _("OA quota and quality history")
        ordering = ["-taken_at", "-pk"]
        indexes = [models.Index(fields=["oa", "-taken_at"], name="oa_snapshot_time")]

    def __str__(self):
        return f"{self.oa} @ {self.taken_at:%Y-%m-%d %H:%M}"


class OADaily(models.Model):
    """One OA's quota and quality on one local day, kept up to date by every snapshot of that day: what the Zalo
    report draws (a 90-day chart reads 90 rows an OA, not every snapshot). Zalo renews the daily quota at local
    midnight, so `daily_quota - lowest_remaining` is what the OA used that day."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="days", verbose_name=_("OA"))
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=8, blank=True)
    current_quality = models.CharField(_("quality (48 h)"), max_length=16, blank=True)
    last_week_quality = models.CharField(_("quality (7 days)"), max_length=16, blank=True)
    daily_quota = models.PositiveIntegerField(_("daily ZNS quota"), null=True, blank=True)
    remaining_quota = models.PositiveIntegerField(_("ZNS left"), null=True, blank=True)
    lowest_remaining = models.PositiveIntegerField(_("fewest ZNS left"), null=True, blank=True)
    snapshots = models.PositiveIntegerField(_("snapshots"), default=0)
    last_taken_at = models.DateTimeField(_("last snapshot"))

    class Meta:
        verbose_name = _("OA day")
        verbose_name_plural = _("OA days")
        ordering = ["-day", "oa"]
        constraints = [models.UniqueConstraint(fields=["oa", "day"], name="oa_daily_unique")]

    def __str__(self):
        return f"{self.oa} {self.day}"


class Follower(models.Model):
    """A Zalo user of an OA (`ListFollowers`), and the console's view of the conversation with them: when the customer
    last wrote (Zalo's consulting window runs from there), the newest message either way, and when staff last read
    it (what the unread count counts from)."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="followers", verbose_name=_("OA"))
    # NULL for a follower first seen in a follow event, which carries no eTelecom id: many may wait for the next
    # follower sync at once, and NULLs do not collide in the unique constraint.
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32, null=True, blank=True)  # noqa: DJ001
    zl_user_id = models.CharField(_("Zalo user id"), max_length=32, blank=True)
    full_name = models.CharField(_("name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Zalo's genders and follow states in words (`get_gender_display`, `get_state_display`); one it adds later reads
    # `other (X)`. Not `choices`: the lists are Zalo's.
    GENDERS = {
        "male": pgettext_lazy("gender", "male"),
        "female": pgettext_lazy("gender", "female"),
        "other": pgettext_lazy("gender", "other"),
        "unknown": pgettext_lazy("gender", "not stated"),
    }
    STATES = {"follow": pgettext_lazy("follower", "follows"), "unfollow": pgettext_lazy("follower", "unfollowed")}
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    state = models.CharField(_("follows"), max_length=16, blank=True)
    has_conversation = models.BooleanField(_("has a conversation"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    shared_info = models.JSONField(_("shared information"), default=dict, blank=True)
    assigned_user_id = models.CharField(_("assigned staff id"), max_length=32, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"))
    last_customer_message_at = models.DateTimeField(_("customer last wrote"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    read_at = models.DateTimeField(_("read by staff"), null=True, blank=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        ordering = ["full_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["oa", "etelecom_id"], name="follower_unique_per_oa")]
        indexes = [
            models.Index(fields=["oa", "phone"], name="follower_phone"),
            models.Index(fields=["oa", "zl_user_id"], name="follower_zalo_user"),
            models.Index(fields=["oa", "-last_message_at"], name="follower_conversation_time"),
            models.Index(fields=["assigned_user_id", "-last_message_at"], name="follower_assigned_time"),
            # The customer view looks a number up across every OA of the user's shops.
            models.Index(fields=["phone"], name="follower_phone_any_oa"),
        ]

    def __str__(self):
        return self.full_name or self.zl_user_id

    def get_gender_display(self) -> str:
        return formats.coded(self.GENDERS, self.gender)

    def get_state_display(self) -> str:
        return formats.coded(self.STATES, self.state)


class Consent(models.Model):
    """A call-permission request an OA sent a customer (`RequestConsent`, `ListRequestConsent`), with what
    `CheckConsent` last said about the permission."""

    shop_lookup = "oa__shop"

    class CallType(models.TextChoices):
        AUDIO = "audio", _("Voice")
        VIDEO = "video", _("Video")
        BOTH = "audio_and_video", _("Voice and video")

    class Reason(models.TextChoices):
        CONSULTING = "product_service_consulting", _("Product or service advice")
        CONFIRMATION = "order_appointment_confirmation", _("Order or appointment confirmation")
        DELIVERY = "delivery_notification", _("Delivery notice")
        FLIGHT = "flight_announcement", _("Flight notice")
        ORDER_UPDATE = "update_order", _("Order update")

    class Status(models.TextChoices):
        SENT = "P", _("Sent")
        FAILED = "N", _("Failed")

    class Reply(models.TextChoices):
        AWAITING = "S", _("Awaiting reply")
        NONE = "NS", _("No reply")
        ACCEPTED = "P", _("Accepted")
        REFUSED = "N", _("Refused")

    class Delivery(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        RECEIVED = "received", _("Received")
        SEEN = "seen", _("Seen")

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="consents", verbose_name=_("OA"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    phone = models.CharField(_("phone"), max_length=16)
    call_type = models.CharField(_("call type"), max_length=16, choices=CallType.choices)
    reason_code = models.CharField(_("reason"), max_length=40, choices=Reason.choices)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    reply_status = models.CharField(_("reply"), max_length=8, choices=Reply.choices, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, blank=True)
    delivery_time = models.DateTimeField(pgettext_lazy("moment", "delivered"), null=True, blank=True)
    is_charged = models.BooleanField(_("charged"), default=False)
    error_code = models.IntegerField(_("error code"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    etelecom_user_id = models.CharField(_("eTelecom user id"), max_length=32, blank=True)
    etelecom_created_at = models.DateTimeField(_("requested"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("requested by")
    )
    permission_until = models.DateTimeField(
        _("may call until"), null=True, blank=True, help_text=_("What the last permission check answered.")
    )
    checked_at = models.DateTimeField(_("permission checked"), null=True, blank=True)
    day = models.DateField(_("day"), help_text=_("The local day of the request: what the consent report groups by."))
    synced_at = models.DateTimeField(_("last synced"))

    class Meta:
        verbose_name = _("call permission request")
        verbose_name_plural = _("call permission requests")
        ordering = ["-etelecom_created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["oa", "etelecom_id"], name="consent_unique_per_oa")]
        indexes = [
            models.Index(fields=["oa", "-etelecom_created_at"], name="consent_oa_time"),
            models.Index(fields=["phone"], name="consent_phone"),
            models.Index(fields=["reply_status", "expires_at"], name="consent_reply_expiry"),
            models.Index(fields=["oa", "day"], name="consent_oa_day"),
        ]

    def __str__(self):
        return f"{self.phone} ({self.get_reply_status_display() or '-'})"


class ZnsTemplate(models.Model):
    """A ZNS template registered for an OA on eTelecom (`CreateTemplate`, `GetTemplate`, `ListTemplates`)."""

    shop_lookup = "oa__shop"

    class Type(models.TextChoices):
        TEXT = "text", _("Text")
        OTP = "otp", "OTP"
        TABLE = "table", _("Table")
        RATING = "rating", _("Rating")

    class Status(models.TextChoices):
        PENDING = "PENDING_REVIEW", _("Under review")
        ENABLED = "ENABLE", _("Approved")
        REJECTED = "REJECT", _("Rejected")
        DISABLED = "DISABLE", _("Locked")

    class Tag(models.TextChoices):
        OTP = "OTP", "OTP"
        IN_TRANSACTION = "IN_TRANSACTION", _("Transaction")
        POST_TRANSACTION = "POST_TRANSACTION", _("After-sale support")
        ACCOUNT_UPDATE = "ACCOUNT_UPDATE", _("Account update")
        GENERAL_UPDATE = "GENERAL_UPDATE", _("Service update")
        FOLLOW_UP = "FOLLOW_UP", _("Promotion to customers")

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="templates", verbose_name=_("OA"))
    template_id = models.BigIntegerField(_("Zalo template id"))
    name = models.CharField(_("name"), max_length=255, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=Type.choices, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    quality = models.CharField(_("quality"), max_length=16, choices=OfficialAccount.Quality.choices, blank=True)
    tag = models.CharField(_("tag"), max_length=32, choices=Tag.choices, blank=True)
    price = models.PositiveIntegerField(_("price (VND)"), null=True, blank=True)
    timeout = models.PositiveIntegerField(_("charge timeout"), null=True, blank=True)
    apply_template_quota = models.BooleanField(_("has its own quota"), default=False)
    daily_quota = models.PositiveIntegerField(_("daily quota"), null=True, blank=True)
    remaining_quota = models.PositiveIntegerField(_("left today"), null=True, blank=True)
    params = models.JSONField(_("parameters"), default=list, blank=True)
    preview_url = models.URLField(_("preview"), max_length=1000, blank=True)
    is_journey = models.BooleanField(_("journey template"), default=False)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"))

    class Meta:
        verbose_name = _("ZNS template")
        verbose_name_plural = _("ZNS templates")
        ordering = ["oa__name", "template_id"]
        constraints = [models.UniqueConstraint(fields=["oa", "template_id"], name="zns_template_unique_per_oa")]

    def __str__(self):
        return f"{self.name or self.template_id} ({self.template_id})"

    @property
    def sendable(self) -> bool:
        return self.status == self.Status.ENABLED


class Message(models.Model):
    """A ZNS message (`SendZNS`, `SendZNSJourney`, `ListMessages`, `GetMessage`). Messages the console sends carry a
    `tracking_id` of its own and exist here before eTelecom answers: an unanswered send is settled by reading
    back by that id, never by sending again."""

    shop_lookup = "oa__shop"

    class SendState(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        UNCONFIRMED = "unconfirmed", _("Not confirmed yet")
        FAILED = "failed", _("Not sent")

    class Status(models.TextChoices):
        NEW = "Z", _("New")
        ACCEPTED = "P", pgettext_lazy("zns status", "Accepted")
        FAILED = "N", _("Failed")

    # eTelecom's message types and sending modes in words (`get_type_display`, `get_sending_mode_display`); one it
    # adds later reads `other (X)`. Not `choices`: the lists are eTelecom's.
    TYPES = {"template": pgettext_lazy("zns type", "template message"), "journey": _("journey message")}
    SENDING_MODES = {
        "default": _("Normal"),
        "tag3": _("Past the daily quota (tag 3)"),
        "unknown": pgettext_lazy("sending mode", "not stated"),
    }

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="messages", verbose_name=_("OA"))
    template = models.ForeignKey(
        ZnsTemplate,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        verbose_name=_("template"),
    )
    template_id_sent = models.BigIntegerField(_("Zalo template id"), null=True, blank=True)
    tracking_id = models.CharField(_("tracking id"), max_length=64, blank=True)
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32, blank=True)
    msg_id = models.CharField(_("Zalo message id"), max_length=64, blank=True)
    send_state = models.CharField(_("send"), max_length=16, choices=SendState.choices, default=SendState.SENT)
    phone = models.CharField(_("phone"), max_length=16)
    type = models.CharField(_("type"), max_length=16, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=16, choices=Consent.Delivery.choices, blank=True)
    delivery_time = models.DateTimeField(pgettext_lazy("moment", "delivered"), null=True, blank=True)
    sent_time = models.DateTimeField(pgettext_lazy("moment", "sent"), null=True, blank=True)
    request_time = models.DateTimeField(_("requested"), null=True, blank=True)
    error_code = models.IntegerField(_("error code"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    fee_main = models.PositiveIntegerField(_("fee (VND)"), null=True, blank=True)
    fee_token = models.PositiveIntegerField(_("journey token fee (VND)"), null=True, blank=True)
    is_charged = models.BooleanField(_("charged"), default=False)
    is_development = models.BooleanField(_("test send"), default=False)
    sending_mode = models.CharField(_("sending mode"), max_length=16, blank=True)
    journey_id = models.CharField(_("journey id"), max_length=64, blank=True)
    template_data = models.JSONField(_("template data"), default=dict, blank=True)
    rate = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    note = models.TextField(_("customer's note"), blank=True)
    feedback = models.JSONField(_("feedback"), default=list, blank=True)
    submit_time = models.DateTimeField(_("rated"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    day = models.DateField(
        _("day"), help_text=_("The local day the message was sent or requested: what the ZNS report groups by.")
    )
    synced_at = models.DateTimeField(_("last synced"), null=True, blank=True)

    class Meta:
        verbose_name = _("ZNS message")
        verbose_name_plural = _("ZNS messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["oa", "tracking_id"], condition=~models.Q(tracking_id=""), name="message_tracking_once"
            ),
            models.UniqueConstraint(
                fields=["oa", "etelecom_id"], condition=~models.Q(etelecom_id=""), name="message_etelecom_once"
            ),
        ]
        indexes = [
            # Lookups by tracking id or eTelecom id: SQLite will not use the partial unique indexes for them.
            models.Index(fields=["oa", "tracking_id"], name="message_tracking"),
            models.Index(fields=["oa", "etelecom_id"], name="message_etelecom_id"),
            models.Index(fields=["oa", "msg_id"], name="message_zalo_id"),
            models.Index(fields=["oa", "-created_at"], name="message_oa_time"),
            models.Index(fields=["phone"], name="message_phone"),
            models.Index(fields=["send_state"], name="message_send_state"),
            models.Index(fields=["oa", "day"], name="message_oa_day"),
        ]

    def __str__(self):
        return f"{self.phone} ({self.tracking_id or self.etelecom_id})"

    def get_type_display(self) -> str:
        return formats.coded(self.TYPES, self.type)

    def get_sending_mode_display(self) -> str:
        return formats.coded(self.SENDING_MODES, self.sending_mode)


class Journey(models.Model):
    """A journey token (`CreateJourney`, `GetJourney`, `ListJourneys`): one customer's series of journey ZNS
    (a delivery, a coach trip), billed as one."""

    shop_lookup = "oa__shop"

    class TokenType(models.TextChoices):
        LOGISTICS_7 = "token_logistics_7", _("Delivery, 7 days")
        LOGISTICS_30 = "token_logistics_30", _("Delivery, 30 days")
        COACH_7 = "token_coach_bus_7", _("Coach trip, 7 days")
        COACH_30 = "token_coach_bus_30", _("Coach trip, 30 days")

    class Status(models.TextChoices):
        NEW = "Z", _("New")
        ACTIVE = "P", _("Active")
        DISABLED = "N", _("Disabled")

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="journeys", verbose_name=_("OA"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    journey_id = models.CharField(_("journey id"), max_length=64)
    journey_token = models.CharField(_("journey token"), max_length=128, blank=True)
    phone = models.CharField(_("phone"), max_length=16)
    token_type = models.CharField(_("token type"), max_length=32, choices=TokenType.choices, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, blank=True)
    is_charged = models.BooleanField(_("charged"), default=False)
    error_code = models.IntegerField(_("error code"), default=0)
    error_message = models.TextField(_("error"), blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    etelecom_created_at = models.DateTimeField(_("created on eTelecom"), null=True, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("created by")
    )
    synced_at = models.DateTimeField(_("last synced"))

    class Meta:
        verbose_name = _("journey token")
        verbose_name_plural = _("journey tokens")
        ordering = ["-etelecom_created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["oa", "etelecom_id"], name="journey_unique_per_oa")]
        indexes = [models.Index(fields=["phone"], name="journey_phone")]

    def __str__(self):
        return f"{self.phone} ({self.journey_id})"


class ConversationMessage(models.Model):
    """A message between an OA and a Zalo user: Zalo's `user_send_*` and `oa_send_*` events, which eTelecom forwards
    to the OA's webhook URL, and what the console sent (`OASend*`, `RequestUserInfo`, `SendZNSTxn`)."""

    shop_lookup = "oa__shop"

    class Direction(models.TextChoices):
        IN = "in", _("From the customer")
        OUT = "out", _("From the OA")

    SendState = Message.SendState

    oa = models.ForeignKey(
        OfficialAccount, on_delete=models.CASCADE, related_name="conversation_messages", verbose_name=_("OA")
    )
    msg_id = models.CharField(_("Zalo message id"), max_length=64, blank=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    zl_user_id = models.CharField(_("Zalo user id"), max_length=64)
    # Zalo's message kinds, in words (`get_kind_display`). Not `choices`: the list is Zalo's.
    KINDS = {
        "text": pgettext_lazy("message kind", "text"),
        "image": pgettext_lazy("message kind", "image"),
        "gif": pgettext_lazy("message kind", "GIF"),
        "link": pgettext_lazy("message kind", "link"),
        "file": pgettext_lazy("message kind", "file"),
        "sticker": pgettext_lazy("message kind", "sticker"),
        "audio": pgettext_lazy("message kind", "voice"),
        "video": pgettext_lazy("message kind", "video"),
        "location": pgettext_lazy("message kind", "location"),
        "list": pgettext_lazy("message kind", "list"),
    }

    kind = models.CharField(_("kind"), max_length=32, help_text=_("text, image, link, file, sticker, ..."))
    text = models.TextField(_("text"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    sent_at = models.DateTimeField(pgettext_lazy("moment", "sent"))
    delivered_at = models.DateTimeField(pgettext_lazy("moment", "delivered"), null=True, blank=True)
    received_at = models.DateTimeField(_("received by the console"), auto_now_add=True)
    # A send from the console: its own tracking id (a form posted twice finds the first send), how it went, and
    # what it answered: which allowance paid for it and how many are left in it. Blank for what webhooks brought.
    tracking_id = models.CharField(_("tracking id"), max_length=64, blank=True)
    send_state = models.CharField(_("send"), max_length=16, choices=Message.SendState.choices, blank=True)
    error = models.TextField(_("error"), blank=True)
    quota_type = models.CharField(_("paid from"), max_length=32, blank=True)
    quota_remaining = models.IntegerField(_("left in that allowance"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("sent by")
    )

    class Meta:
        verbose_name = _("OA message")
        verbose_name_plural = _("OA messages")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["oa", "msg_id"], condition=~models.Q(msg_id=""), name="conversation_message_once"
            ),
            models.UniqueConstraint(
                fields=["oa", "tracking_id"], condition=~models.Q(tracking_id=""), name="conversation_tracking_once"
            ),
        ]
        indexes = [
            models.Index(fields=["oa", "msg_id"], name="conversation_msg_id"),
            models.Index(fields=["oa", "zl_user_id", "-sent_at"], name="conversation_user_time"),
            models.Index(fields=["-sent_at"], name="conversation_time"),
        ]

    def __str__(self):
        return f"{self.zl_user_id} {self.get_direction_display()} ({self.get_kind_display()})"

    def get_kind_display(self) -> str:
        """The kind in words; one Zalo adds later reads `other (kind)`."""
        return formats.coded(self.KINDS, self.kind)


class BulkJob(BulkJobBase):
    """A CSV of call permission requests or ZNS sends: every row checked first, then sent by a background run,
    rows beyond the OA's quota held for later, each row's outcome kept for download."""

    shop_lookup = "oa__shop"
    run_kind = "bulk_send"

    class Kind(models.TextChoices):
        CONSENT = "consent", _("Call permission requests")
        ZNS = "zns", _("ZNS sends")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="bulk_jobs", verbose_name=_("OA"))
    template = models.ForeignKey(
        ZnsTemplate, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("template")
    )
    call_type = models.CharField(_("call type"), max_length=16, choices=Consent.CallType.choices, blank=True)
    reason_code = models.CharField(_("reason"), max_length=40, choices=Consent.Reason.choices, blank=True)
    development = models.BooleanField(_("test send"), default=False)

    class Meta:
        verbose_name = _("bulk upload")
        verbose_name_plural = _("bulk uploads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} – {self.file_name}"

    @property
    def shop(self):
        return self.oa.shop


class BulkRow(BulkRowBase):
    """One row of a bulk upload of ZNS or call permission requests, and the message or request it made."""

    shop_lookup = "job__oa__shop"

    job = models.ForeignKey(BulkJob, on_delete=models.CASCADE, related_name="rows", verbose_name=_("upload"))
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("message")
    )
    consent = models.ForeignKey(
        Consent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("request")
    )

    class Meta:
        verbose_name = _("bulk upload row")
        verbose_name_plural = _("bulk upload rows")
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="bulk_row_once")]
        indexes = [models.Index(fields=["job", "state"], name="bulk_row_state")]


class ZnsDaily(models.Model):
    """ZNS per OA, local day and template: what the Zalo report reads. Recounted from the messages of the days a
    send, a sync or a delivery event touched, in the same transaction."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="zns_days", verbose_name=_("OA"))
    day = models.DateField(_("day"))
    template_id = models.BigIntegerField(_("Zalo template id"))
    sent = models.PositiveIntegerField(pgettext_lazy("count", "sent"))
    delivered = models.PositiveIntegerField(pgettext_lazy("count", "delivered"))
    failed = models.PositiveIntegerField(_("failed"))
    fees = models.PositiveBigIntegerField(_("fees (VND)"))

    class Meta:
        verbose_name = _("daily ZNS count")
        verbose_name_plural = _("daily ZNS counts")
        ordering = ["-day", "oa", "template_id"]
        constraints = [models.UniqueConstraint(fields=["oa", "day", "template_id"], name="zns_daily_unique")]

    def __str__(self):
        return f"{self.oa} {self.day} {self.template_id}: {self.sent}"


class ConsentDaily(models.Model):
    """Call permission requests per OA, local day, reason, call type and outcome: what the consent report reads.
    Recounted from the requests of the days a request, a sync or a reply touched, in the same transaction."""

    shop_lookup = "oa__shop"
    support_read_only = True

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")
        NO_REPLY = "no_reply", _("No reply")
        EXPIRED = "expired", _("Expired")
        AWAITING = "awaiting", _("Awaiting reply")
        FAILED = "failed", _("Not sent")

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="consent_days", verbose_name=_("OA"))
    day = models.DateField(_("day"))
    reason_code = models.CharField(_("reason"), max_length=40, choices=Consent.Reason.choices)
    call_type = models.CharField(_("call type"), max_length=16, choices=Consent.CallType.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    requests = models.PositiveIntegerField(_("requests"))

    class Meta:
        verbose_name = _("daily call permission count")
        verbose_name_plural = _("daily call permission counts")
        ordering = ["-day", "oa"]
        constraints = [
            models.UniqueConstraint(
                fields=["oa", "day", "reason_code", "call_type", "outcome"], name="consent_daily_unique"
            )
        ]

    def __str__(self):
        return f"{self.oa} {self.day} {self.outcome}: {self.requests}"
