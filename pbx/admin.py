from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.admin import SyncNowAdmin, queue_runs, shop_syncs
from shops.common.display import badge, json_table
from shops.common.links import link, web_url
from shops.common.listing import DateRangeFilter, EstimatedCountPaginator
from shops.common.phones import PhoneSearch
from shops.scoping import MirroredAdmin, ReadOnlyAdmin, ShopFilter, scope

from . import badges, exports, hub, views
from .models import CallDaily, CallRecord, Extension, Hotline, PbxUser, Status, Tenant


class PbxAdmin(MirroredAdmin):
    list_select_related = ["shop"]
    list_filter = [ShopFilter]

    @admin.action(description=_("Sync the PBX of these shops now"), permissions=["change"])
    def sync_directory_now(self, request, queryset):
        queue_runs(request, {obj.shop for obj in queryset}, "pbx_sync")

    @admin.action(description=_("Sync the call history of these shops now"), permissions=["change"])
    def sync_calls_now(self, request, queryset):
        queue_runs(request, {obj.shop for obj in queryset}, "call_sync")


@admin.register(Tenant)
class TenantAdmin(SyncNowAdmin, PbxAdmin):
    list_display = ["shop", "name", "domain", "status_badge", "synced_at"]
    list_filter = [ShopFilter, "status"]
    actions = ["sync_directory_now", "sync_calls_now"]
    add_page = staticmethod(views.tenant_create)
    change_form_template = "admin/pbx/tenant/change_form.html"

    def sync_kinds(self, tenant):
        return shop_syncs(tenant.shop, ["pbx_sync", "call_sync"])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context = {**(extra_context or {}), "hub": hub.tenant_sections(obj, request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/activate/",
                wrap(lambda r, object_id: views.tenant_activate(r, self, object_id)),
                name="pbx_tenant_activate",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, tenant):
        return badge(tenant.status, badges.STATUS, tenant.get_status_display())

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        context["can_activate"] = (
            obj is not None and obj.status != Status.ENABLED and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


@admin.register(Hotline)
class HotlineAdmin(PbxAdmin):
    list_display = ["hotline", "name", "shop", "network", "status_badge", "is_free_charge"]
    list_filter = [ShopFilter, "network", "status"]
    search_fields = ["=hotline", "name"]
    actions = ["sync_directory_now"]
    add_page = staticmethod(views.hotline_add)

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, hotline):
        return badge(hotline.status, badges.STATUS, hotline.get_status_display())


@admin.register(PbxUser)
class PbxUserAdmin(PbxAdmin):
    list_display = ["full_name", "phone", "shop", "extension_numbers", "deleted"]
    list_filter = [ShopFilter, "deleted"]
    search_fields = ["=phone", "full_name"]
    actions = ["sync_directory_now"]
    add_page = staticmethod(views.pbx_user_create)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("extensions")

    @admin.display(description=_("extensions"))
    def extension_numbers(self, pbx_user):
        return ", ".join(e.extension_number for e in pbx_user.extensions.all()) or "-"


@admin.register(Extension)
class ExtensionAdmin(PbxAdmin):
    list_display = ["extension_number", "shop", "hotline", "user", "state_badge", "password_hint", "expires_at"]
    list_select_related = ["shop", "hotline", "user"]
    list_filter = [ShopFilter, "state"]
    search_fields = ["=extension_number", "user__full_name", "=user__phone"]
    actions = ["sync_directory_now"]
    add_page = staticmethod(views.extension_create)
    exclude = ["password_ciphertext"]
    change_form_template = "admin/pbx/extension/change_form.html"

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/assign/",
                wrap(lambda r, object_id: views.extension_assign(r, self, object_id)),
                name="pbx_extension_assign",
            ),
            path(
                "<path:object_id>/hotline/",
                wrap(lambda r, object_id: views.extension_hotline(r, self, object_id)),
                name="pbx_extension_hotline",
            ),
            path(
                "<path:object_id>/remove-user/",
                wrap(lambda r, object_id: views.extension_remove_user(r, self, object_id)),
                name="pbx_extension_remove_user",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("state"), ordering="state")
    def state_badge(self, extension):
        return badge(extension.state, badges.EXTENSION_STATE, extension.get_state_display())


class StartedFilter(DateRangeFilter):
    title = _("started")
    parameter_name = "started"
    field_name = "started_at"


class ScopedChoiceFilter(admin.SimpleListFilter):
    """Choices from the user's shops (the selected shop's when one is), never a DISTINCT over the calls."""

    related = None
    label_field = ""

    def lookups(self, request, model_admin):
        rows = scope(self.related.objects.all(), request.user)
        if request.GET.get("shop"):
            rows = rows.filter(shop=request.GET["shop"])
        rows = rows.select_related("shop").order_by("shop__name", self.label_field)[:200]
        return [(row.pk, f"{row.shop} – {getattr(row, self.label_field)}") for row in rows]

    def queryset(self, request, queryset):
        return queryset.filter(**{f"{self.parameter_name}_id": self.value()}) if self.value() else queryset


class ExtensionFilter(ScopedChoiceFilter):
    title = _("extension")
    parameter_name = "extension"
    related = Extension
    label_field = "extension_number"


class HotlineFilter(ScopedChoiceFilter):
    title = _("hotline")
    parameter_name = "hotline"
    related = Hotline
    label_field = "hotline"


class DurationFilter(admin.SimpleListFilter):
    title = _("duration")
    parameter_name = "duration"
    BUCKETS = {
        "0": (0, 1, _("No talk (0 s)")),
        "30": (1, 30, _("Under 30 s")),
        "120": (30, 120, _("30 s to 2 min")),
        "600": (120, 600, _("2 to 10 min")),
        "long": (600, None, _("Over 10 min")),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (_low, _high, label) in self.BUCKETS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.BUCKETS:
            return queryset
        low, high, _label = self.BUCKETS[self.value()]
        queryset = queryset.filter(duration__gte=low)
        return queryset.filter(duration__lt=high) if high is not None else queryset


EXPORT_COLUMNS = [
    ("started_at", _("started")),
    ("shop__name", _("shop")),
    ("direction", _("direction")),
    ("call_state", _("state")),
    ("caller", _("caller")),
    ("callee", _("callee")),
    ("extension__extension_number", _("extension")),
    ("hotline__hotline", _("hotline")),
    ("user_etelecom_id", _("user id")),
    ("duration", _("duration (s)")),
    ("recording_urls", _("recordings")),
    ("etelecom_id", _("eTelecom id")),
]


@admin.register(CallRecord)
class CallRecordAdmin(PhoneSearch, ReadOnlyAdmin):
    list_display = [
        "started",
        "shop",
        "direction",
        "call_state",
        "caller",
        "callee",
        "talk_time",
        "recording",
    ]
    list_select_related = ["shop"]
    list_filter = [ShopFilter, StartedFilter, "direction", "call_state", ExtensionFilter, HotlineFilter, DurationFilter]
    search_fields = ["customer_number"]
    phone_search_field = other_search_field = "customer_number"
    search_help_text = _(
        "The customer's whole phone number (0912345678, 84912345678 or +84 912 345 678), or a landline (028 3812 3456)."
    )
    ordering = ["-started_at", "-id"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    change_list_template = "admin/pbx/callrecord/change_list.html"
    actions = None
    exclude = ["recording_urls", "call_targets"]

    def get_urls(self):
        return [
            path("export/", self.admin_site.admin_view(self.export_csv), name="pbx_callrecord_export"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        shown = {"recording_urls": "recordings", "call_targets": "targets"}  # the raw lists, as a person reads them
        return [shown.get(f.name, f.name) for f in self.model._meta.fields]

    @admin.display(description=_("started"), ordering="started_at")
    def started(self, call):
        return formats.moment(call.started_at, seconds=True)

    @admin.display(description=_("targets"))
    def targets(self, call):
        return json_table(call.call_targets)

    @admin.display(description=_("talk time"), ordering="duration")
    def talk_time(self, call):
        return formats.duration(call.duration)

    @admin.display(description=_("recording"))
    def recording(self, call):
        if not call.recording_urls:
            return "-"
        listen = _("Listen")
        return format_html_join(
            " ", "{}", ((link(u, "▶", target="_blank", rel="noopener", title=listen),) for u in call.recording_urls)
        )

    @admin.display(description=_("recordings"))
    def recordings(self, call):
        if not call.recording_urls:
            return "-"
        return format_html_join("", "<div>{}</div>", ((self._player(u),) for u in call.recording_urls))

    @staticmethod
    def _player(address):
        """A player and a download link for a web address; anything else as text, never a source or a link."""
        url = web_url(address)
        if not url:
            return link(address)
        download = link(url, _("Download"), download="")
        return format_html('<audio controls preload="none" src="{}"></audio> {}', url, download)

    def export_csv(self, request):
        """The filtered list as CSV, streamed: rows are read and written a chunk at a time (pbx.exports)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:  # as the list itself answers a filter it does not know
            return HttpResponseRedirect(reverse("admin:pbx_callrecord_changelist") + f"?{ERROR_FLAG}=1")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return exports.calls_csv(changelist.queryset, EXPORT_COLUMNS, f"calls-{stamp}.csv")


@admin.register(CallDaily)
class CallDailyAdmin(ReadOnlyAdmin):
    list_display = [
        "day",
        "shop",
        "direction",
        "call_state",
        "extension_etelecom_id",
        "hotline_etelecom_id",
        "user_etelecom_id",
        "calls",
    ]
    list_select_related = ["shop"]
    list_filter = [ShopFilter, "direction", "call_state"]
    ordering = ["-day", "shop"]
    paginator = EstimatedCountPaginator
    show_full_result_count = False
