"""ZNS messages."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.common.display import badge
from shops.common.listing import DateRangeFilter, EstimatedCountPaginator
from shops.common.phones import PhoneSearch
from shops.scoping import ShopFilter, scope

from .. import badges, views
from ..models import Message, ZnsTemplate
from .oas import OAFilter, ZaloWorkAdmin


class RequestedFilter(DateRangeFilter):
    title = pgettext_lazy("moment", "sent")
    parameter_name = "sent"
    field_name = "created_at"


class TemplateFilter(admin.SimpleListFilter):
    title = _("template")
    parameter_name = "template"

    def lookups(self, request, model_admin):
        rows = scope(ZnsTemplate.objects.all(), request.user).select_related("oa").order_by("oa__name", "template_id")
        if request.GET.get("oa"):
            rows = rows.filter(oa=request.GET["oa"])
        return [(t.pk, f"{t.oa} – {t}") for t in rows[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(template=self.value()) if self.value() else queryset


@admin.register(Message)
class MessageAdmin(PhoneSearch, ZaloWorkAdmin):
    list_display = ["sent_at", "phone", "oa", "template", "send", "delivery", "fee_main"]
    list_select_related = ["oa", "oa__shop", "template"]
    list_filter = [
        ShopFilter,
        OAFilter,
        TemplateFilter,
        "send_state",
        "status",
        "delivery_status",
        "is_development",
        RequestedFilter,
    ]
    search_fields = ["phone"]
    other_search_field = "tracking_id"
    search_help_text = _("The customer's whole phone number, or a tracking id.")
    actions = ["sync_now"]
    add_page = staticmethod(views.zns_send)
    paginator = EstimatedCountPaginator
    show_full_result_count = False

    @admin.display(description=pgettext_lazy("moment", "sent"), ordering="created_at")
    def sent_at(self, message):
        return formats.moment(message.created_at, seconds=True)

    @admin.display(description=_("send"), ordering="send_state")
    def send(self, message):
        return badge(message.send_state, badges.SEND, message.get_send_state_display())

    @admin.display(description=_("delivery"), ordering="delivery_status")
    def delivery(self, message):
        if not message.delivery_status:
            return "-"
        return badge(message.delivery_status, badges.DELIVERY, message.get_delivery_status_display())

    @admin.action(description=_("Sync ZNS messages now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "message_sync")
