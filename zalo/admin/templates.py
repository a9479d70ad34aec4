"""ZNS templates."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shops.admin import json_table, pill
from shops.scoping import ShopFilter

from .. import views
from ..models import ZnsTemplate
from .oas import ZaloWorkAdmin

TEMPLATE_BADGE = {"ENABLE": "ok", "PENDING_REVIEW": "busy", "REJECT": "bad", "DISABLE": "bad"}


@admin.register(ZnsTemplate)
class ZnsTemplateAdmin(ZaloWorkAdmin):
    list_display = ["__str__", "oa", "type", "status_badge", "quality", "price", "quota", "synced_at"]
    list_select_related = ["oa", "oa__shop"]
    list_filter = [ShopFilter, "status", "type", "tag"]
    search_fields = ["=template_id", "name"]
    actions = ["sync_now"]
    add_page = staticmethod(views.template_register)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, template):
        return pill(TEMPLATE_BADGE.get(template.status, "unknown"), template.get_status_display() or "-")

    @admin.display(description=_("parameters"))
    def params_table(self, template):
        return json_table(template.params)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "params_table"]

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != "params"]  # shown as params_table

    @admin.display(description=_("left today"))
    def quota(self, template):
        if not template.apply_template_quota:
            return _("OA's quota")
        return f"{template.remaining_quota} / {template.daily_quota}"

    @admin.action(description=_("Sync ZNS templates now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "template_sync")
