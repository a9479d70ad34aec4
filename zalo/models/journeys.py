"""Journey tokens: a customer's journey, billed with the token."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .oas import OfficialAccount


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
