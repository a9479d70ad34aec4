"""Messages between an OA and a Zalo user, both ways."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats

from .oas import OfficialAccount
from .zns import Message


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
