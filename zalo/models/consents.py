"""Call permission requests (consents) and their daily rollup."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .oas import OfficialAccount


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
