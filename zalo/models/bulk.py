"""Bulk uploads of the zalo app (call permission requests or ZNS sends) and their rows."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from shops.models import BulkJobBase, BulkRowBase

from .consents import Consent
from .oas import OfficialAccount
from .zns import Message, ZnsTemplate


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
