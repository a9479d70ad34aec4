"""ZNS templates, the ZNS messages sent with them, and their daily rollup."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats

from .consents import Consent
from .oas import OfficialAccount


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
