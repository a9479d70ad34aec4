from django.db import models
from django.utils.translation import gettext_lazy as _

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


class Follower(models.Model):
    """A Zalo user of an OA (`ListFollowers`)."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="followers", verbose_name=_("OA"))
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32)
    zl_user_id = models.CharField(_("Zalo user id"), max_length=32, blank=True)
    full_name = models.CharField(_("name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    state = models.CharField(_("follows"), max_length=16, blank=True)
    has_conversation = models.BooleanField(_("has a conversation"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    shared_info = models.JSONField(_("shared information"), default=dict, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"))

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        ordering = ["full_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["oa", "etelecom_id"], name="follower_unique_per_oa")]
        indexes = [models.Index(fields=["oa", "phone"], name="follower_phone")]

    def __str__(self):
        return self.full_name or self.zl_user_id
