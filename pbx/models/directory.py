"""The PBX's directory as eTelecom holds it: a shop's tenant, its hotlines, users and extensions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

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
