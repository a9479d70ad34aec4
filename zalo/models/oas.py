"""Official Accounts as eTelecom mirrors them, their daily snapshots and their daily rollup."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.crypto import EncryptedTextField, Secret
from shops.models import Shop


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
