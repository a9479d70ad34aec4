"""Call records as eTelecom's call log gives them, and where each shop's call-history sync has got to."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.models import Shop

from .directory import Extension, Hotline


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
