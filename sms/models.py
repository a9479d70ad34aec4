"""SMS Brandname (eTelecom's Omni gateway, `etelecom.sms`): a shop's gateway account, its templates and the
messages the console sent. The gateway is a system apart from the shop's eTelecom key (its own username and
password, its own IP whitelist), hence an app apart that hangs from `shops` only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops.crypto import EncryptedTextField, Secret
from shops.models import BulkJobBase, BulkRowBase, Shop


class SmsAccount(models.Model):
    """A shop's SMS Brandname account on the gateway: `username` and `password` issued by eTelecom, checked with
    the gateway when saved."""

    shop_lookup = "shop"

    class Status(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        VALID = "valid", _("Accepted by the gateway")
        INVALID = "invalid", _("Refused by the gateway")

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="sms_account", verbose_name=_("shop"))
    username = models.CharField(_("username"), max_length=64)
    password_ciphertext = EncryptedTextField(_("password (encrypted)"))
    password_hint = models.CharField(_("password"), max_length=8, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.UNCHECKED)
    checked_at = models.DateTimeField(_("checked"), null=True, blank=True, editable=False)
    check_error = models.TextField(_("last error"), blank=True, editable=False)

    password = Secret("password_ciphertext")

    class Meta:
        verbose_name = _("SMS Brandname account")
        verbose_name_plural = _("SMS Brandname accounts")
        ordering = ["shop__name"]

    def __str__(self):
        return f"{self.shop} ({self.username})"


class SmsTemplate(models.Model):
    """A template registered with eTelecom for the shop's account (registration is done with eTelecom; the console
    records its code, its parameters and its wording to check and preview sends)."""

    shop_lookup = "shop"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sms_templates", verbose_name=_("shop"))
    code = models.CharField(_("template code"), max_length=64)
    name = models.CharField(_("name"), max_length=255, blank=True)
    params = models.JSONField(
        _("parameters"), default=list, blank=True, help_text=_("The names of the template's variables, in order.")
    )
    content = models.TextField(
        _("wording"), blank=True, help_text=_("The text with its variables as {name}: what the preview shows.")
    )
    price = models.PositiveIntegerField(_("price per SMS segment (VND)"), null=True, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("SMS template")
        verbose_name_plural = _("SMS templates")
        ordering = ["shop__name", "code"]
        constraints = [models.UniqueConstraint(fields=["shop", "code"], name="sms_template_unique_per_shop")]

    def __str__(self):
        return f"{self.name or self.code} ({self.code})"

    def render(self, values: dict[str, str]) -> str:
        text = self.content or ""
        for name in self.params:
            text = text.replace("{" + name + "}", values.get(name, ""))
        return text


class SmsMessage(models.Model):
    """A message sent through the gateway (`SendMessage`), then followed with `GetStatusOmni` until it leaves
    `PROCESSING`. The row exists before the gateway is called: the gateway takes no tracking id and lists nothing,
    so an answer that never came leaves the send unconfirmed, never sent again."""

    shop_lookup = "shop"

    class SendState(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", pgettext_lazy("sms send", "Accepted")
        UNCONFIRMED = "unconfirmed", _("Not confirmed")
        FAILED = "failed", pgettext_lazy("sms send", "Refused")

    class Status(models.TextChoices):
        PROCESSING = "PROCESSING", _("In progress")
        SUCCESS = "SUCCESS", _("Delivered")
        FAIL = "FAIL", _("Failed")

    class Route(models.TextChoices):
        SMS = "3", _("SMS only")
        ZNS_SMS = "1,3", _("ZNS, falling back to SMS")

    class Channel(models.TextChoices):
        ZNS = "ZNS", "ZNS"
        AUTOCALL = "AutoCall", _("Automatic call")
        SMS = "SMS", "SMS"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sms_messages", verbose_name=_("shop"))
    template = models.ForeignKey(
        SmsTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("template")
    )
    template_code = models.CharField(_("template code"), max_length=64)
    phone = models.CharField(_("phone"), max_length=16)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    route = models.CharField(_("route"), max_length=16, choices=Route.choices, default=Route.SMS)
    # The console's own id of the send (the gateway takes none): how a bulk upload's row finds its attempt.
    tracking_id = models.CharField(_("tracking id"), max_length=64, blank=True)
    send_state = models.CharField(_("send"), max_length=16, choices=SendState.choices, default=SendState.SENDING)
    omni_id = models.CharField(_("gateway message id"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, blank=True)
    channel = models.CharField(_("carried by"), max_length=16, choices=Channel.choices, blank=True)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)
    mtcount = models.PositiveSmallIntegerField(_("SMS segments"), null=True, blank=True)
    telcoid = models.CharField(_("carrier"), max_length=16, blank=True)
    cost = models.PositiveIntegerField(_("cost (VND)"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    day = models.DateField(_("day"), help_text=_("The local day of the send: what the messaging report groups by."))
    checked_at = models.DateTimeField(_("status checked"), null=True, blank=True)
    finished_at = models.DateTimeField(_("final status"), null=True, blank=True)

    class Meta:
        verbose_name = _("SMS message")
        verbose_name_plural = _("SMS messages")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "omni_id"], condition=~models.Q(omni_id=""), name="sms_omni_once"),
            models.UniqueConstraint(
                fields=["shop", "tracking_id"], condition=~models.Q(tracking_id=""), name="sms_tracking_once"
            ),
        ]
        indexes = [
            models.Index(fields=["phone", "-created_at"], name="sms_phone"),
            models.Index(fields=["shop", "-created_at"], name="sms_shop_time"),
            models.Index(fields=["shop", "day"], name="sms_shop_day"),
            # The status poll: sent messages still in progress, per shop.
            models.Index(
                fields=["shop", "created_at"], condition=models.Q(finished_at__isnull=True), name="sms_unfinished"
            ),
        ]

    def __str__(self):
        return f"{self.phone} ({self.template_code})"

    @property
    def fell_back(self) -> bool:
        """Sent as ZNS first and carried by SMS in the end."""
        return self.route == self.Route.ZNS_SMS and self.channel == self.Channel.SMS


class SmsBulkJob(BulkJobBase):
    """A CSV of SMS from one template (`shops.uploads`): every row checked first, then sent by a background run,
    rows held when the account runs out of messages, each row's outcome kept for download."""

    shop_lookup = "shop"
    run_kind = "sms_bulk_send"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="sms_bulk_jobs", verbose_name=_("shop"))
    template = models.ForeignKey(SmsTemplate, on_delete=models.PROTECT, related_name="+", verbose_name=_("template"))
    route = models.CharField(_("route"), max_length=16, choices=SmsMessage.Route.choices, default=SmsMessage.Route.SMS)

    class Meta:
        verbose_name = _("bulk SMS upload")
        verbose_name_plural = _("bulk SMS uploads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.template.code} – {self.file_name}"


class SmsBulkRow(BulkRowBase):
    """One row of a bulk SMS upload, and the message it made."""

    shop_lookup = "job__shop"

    job = models.ForeignKey(SmsBulkJob, on_delete=models.CASCADE, related_name="rows", verbose_name=_("upload"))
    message = models.ForeignKey(
        SmsMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("message")
    )

    class Meta:
        verbose_name = _("bulk SMS upload row")
        verbose_name_plural = _("bulk SMS upload rows")
        ordering = ["job", "line"]
        constraints = [models.UniqueConstraint(fields=["job", "line"], name="sms_bulk_row_once")]
        indexes = [models.Index(fields=["job", "state"], name="sms_bulk_row_state")]
