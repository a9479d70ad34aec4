"""Call permission requests (consents)."""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.common.display import BAD, OK, badge, pill
from shops.common.phones import PhoneSearch
from shops.errors import Refused
from shops.errors import show as show_refusal
from shops.scoping import ShopFilter

from .. import badges, services, views
from ..models import Consent
from .oas import ZaloWorkAdmin

CHECK_AT_ONCE = 50


class ExpiringFilter(admin.SimpleListFilter):
    """Accepted permissions that end soon: the customers to call now or ask again."""

    title = _("permission ends")
    parameter_name = "expiring"
    WINDOWS = {"1": (timedelta(days=1), _("Within a day")), "3": (timedelta(days=3), _("Within 3 days"))}

    def lookups(self, request, model_admin):
        return [(key, label) for key, (_window, label) in self.WINDOWS.items()] + [("gone", _("Already ended"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        accepted = queryset.filter(reply_status=Consent.Reply.ACCEPTED)
        if self.value() == "gone":
            return accepted.filter(expires_at__lte=now)
        if self.value() in self.WINDOWS:
            return accepted.filter(expires_at__gt=now, expires_at__lte=now + self.WINDOWS[self.value()][0])
        return queryset


@admin.register(Consent)
class ConsentAdmin(PhoneSearch, ZaloWorkAdmin):
    list_display = ["phone", "oa", "reply", "delivery_status", "permission", "requested"]
    list_select_related = ["oa", "oa__shop"]
    list_filter = [ShopFilter, "reply_status", "reason_code", "call_type", ExpiringFilter]
    search_fields = ["phone"]
    search_help_text = _("The customer's whole phone number.")
    actions = ["check_now", "sync_now"]
    add_page = staticmethod(views.consent_request)
    show_full_result_count = False

    @admin.display(description=_("reply"), ordering="reply_status")
    def reply(self, consent):
        return badge(consent.reply_status, badges.REPLY, consent.get_reply_status_display())

    @admin.display(description=_("may call until"), ordering="expires_at")
    def permission(self, consent):
        until = consent.permission_until or (
            consent.expires_at if consent.reply_status == Consent.Reply.ACCEPTED else None
        )
        if until is None:
            return "-"
        return pill(OK if until > timezone.now() else BAD, formats.moment(until))

    @admin.display(description=_("requested"), ordering="etelecom_created_at")
    def requested(self, consent):
        return formats.moment(consent.etelecom_created_at)

    @admin.action(description=_("Check the permission with eTelecom"), permissions=["change"])
    def check_now(self, request, queryset):
        checked = granted = 0
        for consent in queryset.select_related("oa__shop")[:CHECK_AT_ONCE]:
            try:
                services.consent_check(consent=consent, user=request.user)
            except Refused as exc:
                show_refusal(request, exc, consent.phone)
                continue
            checked += 1
            granted += consent.permission_until is not None
        messages.info(
            request,
            _("Checked %(checked)d; %(granted)d may be called now (at most %(most)d at once).")
            % {"checked": checked, "granted": granted, "most": CHECK_AT_ONCE},
        )

    @admin.action(description=_("Sync call permission requests now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "consent_sync")
