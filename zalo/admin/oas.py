"""Official accounts: their list with health, quota and authorization, their hub page, and their snapshots;
the base of the admins of what an OA owns."""

from datetime import timedelta

from django.conf import settings
from django.contrib import admin
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.admin import SyncNowAdmin, queue_runs, shop_syncs
from shops.common.display import BAD, OK, UNKNOWN, badge, pill
from shops.scoping import MirroredAdmin, ReadOnlyAdmin, ShopFilter, ShopScopedAdmin, scope

from .. import badges, hub, views
from ..models import OASnapshot, OfficialAccount
from ..selectors import QUALITY_RANK, health_choices, health_q


class HealthFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return health_choices()

    def queryset(self, request, queryset):
        return queryset.filter(health_q(self.value())) if self.value() else queryset


def quality_badge(code: str, label, previous: str = "") -> str:
    dropped = code in QUALITY_RANK and previous in QUALITY_RANK and QUALITY_RANK[code] < QUALITY_RANK[previous]
    return badge(code, badges.QUALITY, f"{label or '-'}{' ↓' if dropped else ''}")


@admin.register(OfficialAccount)
class OfficialAccountAdmin(SyncNowAdmin, ShopScopedAdmin):
    list_display = ["name", "shop", "status_badge", "quality", "quota", "expires"]
    list_select_related = ["shop"]
    list_filter = [HealthFilter, ShopFilter, "status", "current_quality"]
    search_fields = ["name", "=oa_id"]
    actions = ["sync_now", "sync_followers_now"]
    exclude = ["app_secret_ciphertext"]
    change_list_template = "admin/zalo/officialaccount/change_list.html"
    change_form_template = "admin/zalo/officialaccount/change_form.html"

    def sync_kinds(self, oa):
        return shop_syncs(oa.shop, ["oa_sync", "template_sync", "message_sync"])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            renew = obj.status != OfficialAccount.Status.CONNECTED or (
                obj.expires_at is not None
                and obj.expires_at < timezone.now() + timedelta(days=settings.ZALO_TOKEN_EXPIRY_DAYS)
            )
            extra_context = {**(extra_context or {}), "hub": hub.oa_sections(obj, request.user), "renew_first": renew}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("connect/", wrap(lambda r: views.connect(r, self)), name="zalo_officialaccount_connect"),
            path(
                "connect/callback/",
                wrap(lambda r: views.connect_callback(r, self)),
                name="zalo_officialaccount_connect_callback",
            ),
            path(
                "<path:object_id>/renew/",
                wrap(lambda r, object_id: views.renew(r, self, object_id)),
                name="zalo_officialaccount_renew",
            ),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request, obj=None):
        # Everything mirrors eTelecom; the console changes an OA through eTelecom's calls, not by editing fields.
        return [f.name for f in self.model._meta.fields if f.name not in ("id", "app_secret_ciphertext")]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, oa):
        if oa.missing_since:
            return pill(BAD, _("Gone from eTelecom"))
        return badge(oa.status, badges.OA_STATUS, oa.get_status_display())

    @admin.display(description=_("quality (48 h)"), ordering="current_quality")
    def quality(self, oa):
        """Now, with ↓ when it is worse than over the last week."""
        return quality_badge(oa.current_quality, oa.get_current_quality_display(), oa.last_week_quality)

    @admin.display(description=_("ZNS left today"), ordering="remaining_quota")
    def quota(self, oa):
        percent = oa.remaining_percent
        if percent is None:
            return "-"
        level = BAD if percent < settings.ZALO_QUOTA_LOW_PERCENT else OK
        return pill(
            level,
            f"{formats.number(oa.remaining_quota)} / {formats.number(oa.daily_quota)} ({formats.percent(percent, 0)})",
        )

    @admin.display(description=_("authorization expires"), ordering="expires_at")
    def expires(self, oa):
        if oa.expires_at is None:
            return "-"
        soon = oa.expires_at < timezone.now() + timedelta(days=settings.ZALO_TOKEN_EXPIRY_DAYS)
        return pill(BAD if soon else UNKNOWN, formats.day(oa.expires_at))

    @admin.action(description=_("Sync quota and quality now"), permissions=["change"])
    def sync_now(self, request, queryset):
        queue_runs(request, {oa.shop for oa in queryset.select_related("shop")}, "oa_sync")

    @admin.action(description=_("Sync followers now"), permissions=["change"])
    def sync_followers_now(self, request, queryset):
        shops = {oa.shop for oa in queryset.select_related("shop")}
        queue_runs(request, shops, "follower_sync")


@admin.register(OASnapshot)
class OASnapshotAdmin(ReadOnlyAdmin):
    list_display = ["taken_at", "oa", "status_badge", "quality", "quota"]
    list_select_related = ["oa"]
    list_filter = [ShopFilter, "current_quality"]
    search_fields = ["=oa__oa_id", "oa__name"]
    show_full_result_count = False

    # A snapshot keeps eTelecom's codes as they came; it shows them as the OA's list does.
    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, snapshot):
        return badge(snapshot.status, badges.OA_STATUS, dict(OfficialAccount.Status.choices).get(snapshot.status))

    @admin.display(description=_("quality (48 h)"), ordering="current_quality")
    def quality(self, snapshot):
        labels = dict(OfficialAccount.Quality.choices)
        return quality_badge(snapshot.current_quality, labels.get(snapshot.current_quality), snapshot.last_week_quality)

    @admin.display(description=_("ZNS left today"), ordering="remaining_quota")
    def quota(self, snapshot):
        if snapshot.daily_quota is None:
            return "-"
        return f"{formats.number(snapshot.remaining_quota)} / {formats.number(snapshot.daily_quota)}"


class OAFilter(admin.SimpleListFilter):
    title = _("OA")
    parameter_name = "oa"

    def lookups(self, request, model_admin):
        rows = scope(OfficialAccount.objects.all(), request.user).select_related("shop").order_by("shop__name", "name")
        return [(oa.pk, f"{oa.shop} – {oa}") for oa in rows[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(oa=self.value()) if self.value() else queryset


class ZaloWorkAdmin(MirroredAdmin):
    """Rows an OA owns, made through eTelecom's calls."""

    def _sync(self, request, queryset, kind):
        queue_runs(request, {obj.oa.shop for obj in queryset.select_related("oa__shop")}, kind)
