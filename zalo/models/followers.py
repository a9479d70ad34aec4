"""An OA's followers, as eTelecom mirrors them."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats

from .oas import OfficialAccount


class Follower(models.Model):
    """A Zalo user of an OA (`ListFollowers`), and the console's view of the conversation with them: when the customer
    last wrote (Zalo's consulting window runs from there), the newest message either way, and when staff last read
    it (what the unread count counts from)."""

    shop_lookup = "oa__shop"
    support_read_only = True

    oa = models.ForeignKey(OfficialAccount, on_delete=models.CASCADE, related_name="followers", verbose_name=_("OA"))
    # NULL for a follower first seen in a follow event, which carries no eTelecom id: many may wait for the next
    # follower sync at once, and NULLs do not collide in the unique constraint.
    etelecom_id = models.CharField(_("eTelecom id"), max_length=32, null=True, blank=True)  # noqa: DJ001
    zl_user_id = models.CharField(_("Zalo user id"), max_length=32, blank=True)
    full_name = models.CharField(_("name"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Zalo's genders and follow states in words (`get_gender_display`, `get_state_display`); one it adds later reads
    # `other (X)`. Not `choices`: the lists are Zalo's.
    GENDERS = {
        "male": pgettext_lazy("gender", "male"),
        "female": pgettext_lazy("gender", "female"),
        "other": pgettext_lazy("gender", "other"),
        "unknown": pgettext_lazy("gender", "not stated"),
    }
    STATES = {"follow": pgettext_lazy("follower", "follows"), "unfollow": pgettext_lazy("follower", "unfollowed")}
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    state = models.CharField(_("follows"), max_length=16, blank=True)
    has_conversation = models.BooleanField(_("has a conversation"), default=False)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    shared_info = models.JSONField(_("shared information"), default=dict, blank=True)
    assigned_user_id = models.CharField(_("assigned staff id"), max_length=32, blank=True)
    etelecom_updated_at = models.DateTimeField(_("updated on eTelecom"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last synced"))
    last_customer_message_at = models.DateTimeField(_("customer last wrote"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    read_at = models.DateTimeField(_("read by staff"), null=True, blank=True)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        ordering = ["full_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["oa", "etelecom_id"], name="follower_unique_per_oa")]
        indexes = [
            models.Index(fields=["oa", "phone"], name="follower_phone"),
            models.Index(fields=["oa", "zl_user_id"], name="follower_zalo_user"),
            models.Index(fields=["oa", "-last_message_at"], name="follower_conversation_time"),
            models.Index(fields=["assigned_user_id", "-last_message_at"], name="follower_assigned_time"),
            # The customer view looks a number up across every OA of the user's shops.
            models.Index(fields=["phone"], name="follower_phone_any_oa"),
        ]

    def __str__(self):
        return self.full_name or self.zl_user_id

    def get_gender_display(self) -> str:
        return formats.coded(self.GENDERS, self.gender)

    def get_state_display(self) -> str:
        return formats.coded(self.STATES, self.state)
