"""ZNS templates."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shops.common.display import badge, json_table
from shops.scoping import ShopFilter

from .. import badges, views
from ..models import ZnsTemplate
from .oas import ZaloWorkAdmin


@admin.register(ZnsTemplate)
class ZnsTemplateAdmin(ZaloWorkAdmin):
    list_display = ["__str__", "oa", "status_badge", "quality", "price", "quota"]
    list_select_related = ["oa", "oa__shop"]
    list_filter = [ShopFilter, "status", "type", "tag"]
    search_fields = ["=template_id", "name"]
    actions = ["sync_now"]
    add_page = staticmethod(views.template_register)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, template):
        return badge(template.status, badges.TEMPLATE_STATUS, template.get_status_display())

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
