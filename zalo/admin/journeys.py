"""Journey tokens."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shops.common.display import badge
from shops.common.phones import PhoneSearch
from shops.scoping import ShopFilter

from .. import badges, views
from ..models import Journey
from .oas import ZaloWorkAdmin


@admin.register(Journey)
class JourneyAdmin(PhoneSearch, ZaloWorkAdmin):
    list_display = ["phone", "oa", "token_type", "status_badge", "expires_at", "is_charged", "journey_id"]
    list_select_related = ["oa", "oa__shop"]
    list_filter = [ShopFilter, "status", "token_type"]
    search_fields = ["phone"]
    other_search_field = "journey_id"
    actions = ["sync_now"]
    add_page = staticmethod(views.journey_create)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, journey):
        return badge(journey.status, badges.JOURNEY_STATUS, journey.get_status_display())

    @admin.action(description=_("Sync journey tokens now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "journey_sync")
