"""Records of what happened: eTelecom calls, sync runs and webhook events."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from etelecom import METHODS

from .. import badges, formats, jobs
from ..common.display import badge
from ..models import ApiCall, SyncRun, WebhookEvent
from ..scoping import ReadOnlyAdmin, ShopFilter


class MethodFilter(admin.SimpleListFilter):
    """The methods the console calls (fixed lookups: no DISTINCT over the audit table)."""

    title = _("method")
    parameter_name = "method"

    def lookups(self, request, model_admin):
        return [(method, method) for method in METHODS]

    def queryset(self, request, queryset):
        return queryset.filter(method=self.value()) if self.value() else queryset


class StatusClassFilter(admin.SimpleListFilter):
    title = _("HTTP status")
    parameter_name = "status_class"
    RANGES = {"2": (200, 299), "4": (400, 499), "5": (500, 599)}

    def lookups(self, request, model_admin):
        return [
            ("2", _("2xx success")),
            ("4", _("4xx refused")),
            ("5", _("5xx server error")),
            ("none", _("No answer")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(status__isnull=True)
        if self.value() in self.RANGES:
            return queryset.filter(status__range=self.RANGES[self.value()])
        return queryset


class RecentFilter(admin.SimpleListFilter):
    """A time window on the indexed timestamp, instead of date_hierarchy's DISTINCT over dates."""

    title = _("time")
    parameter_name = "within"
    field = "created_at"
    WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(days=1), "7d": timedelta(days=7)}

    def lookups(self, request, model_admin):
        return [("1h", _("Last hour")), ("24h", _("Last 24 hours")), ("7d", _("Last 7 days"))]

    def queryset(self, request, queryset):
        if self.value() in self.WINDOWS:
            return queryset.filter(**{f"{self.field}__gte": timezone.now() - self.WINDOWS[self.value()]})
        return queryset


class QueuedRecentFilter(RecentFilter):
    field = "queued_at"


class KindFilter(admin.SimpleListFilter):
    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return list(jobs.labels().items())

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(ApiCall)
class ApiCallAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "shop", "method", "status", "error_code", "duration_ms", "who"]
    list_select_related = ["shop", "user"]
    list_filter = [ShopFilter, MethodFilter, StatusClassFilter, RecentFilter]
    search_fields = ["=error_code"]
    show_full_result_count = False

    @admin.display(description=_("who"))
    def who(self, call):
        return call.user or call.job or "-"


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "shop", "status_badge", "queued_at", "took", "outcome"]
    list_select_related = ["shop"]
    readonly_fields = [
        "kind_name",
        "shop",
        "status",
        "queued_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
        "worker",
        "counted",
        "error",
        "triggered_by",
    ]
    fields = readonly_fields
    list_filter = [KindFilter, "status", ShopFilter, QueuedRecentFilter]
    show_full_result_count = False

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, run):
        return badge(run.status, badges.SYNC_RUN, run.get_status_display())

    @admin.display(description=_("kind"))
    def kind_name(self, run):
        return run.kind_label

    @admin.display(description=_("counts"))
    def counted(self, run):
        return formats.counts(run.counts)

    @admin.display(description=_("took"))
    def took(self, run):
        return formats.duration(run.duration.total_seconds()) if run.duration is not None else "-"

    @admin.display(description=_("outcome"))
    def outcome(self, run):
        """Counts or the error, cut short; the run's page has all of it."""
        if run.error:
            return Truncator(run.error).chars(90)
        return formats.counts(run.counts)


class ReceivedRecentFilter(RecentFilter):
    field = "received_at"


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "shop", "kind", "status", "dedupe_key"]
    list_select_related = ["shop"]
    list_filter = ["status", ShopFilter, ReceivedRecentFilter]
    search_fields = ["=kind", "=dedupe_key"]
    show_full_result_count = False
