from datetime import timedelta

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import F
from django.urls import path
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shops import formats
from shops.admin import json_table, pill, queue_runs
from shops.common.listing import DateRangeFilter, EstimatedCountPaginator
from shops.common.phones import PhoneSearch
from shops.errors import Refused
from shops.errors import show as show_refusal
from shops.scoping import MirroredAdmin, ReadOnlyAdmin, ShopFilter, ShopScopedAdmin, scope
from shops.upload_pages import UploadAdmin

from . import bulk, conversations, hub, services, views
from .models import (
    BulkJob,
    Consent,
    ConversationMessage,
    Follower,
    Journey,
    Message,
    OASnapshot,
    OfficialAccount,
    ZnsTemplate,
)
from .selectors import QUALITY_RANK, health_choices, health_q

QUALITY_BADGE = {"HIGH": "ok", "MEDIUM": "busy", "LOW": "bad"}


class HealthFilter(admin.SimpleListFilter):
    title = _("health")
    parameter_name = "health"

    def lookups(self, request, model_admin):
        return health_choices()

    def queryset(self, request, queryset):
        return queryset.filter(health_q(self.value())) if self.value() else queryset


def quality_badge(code: str, label, previous: str = "") -> str:
    dropped = code in QUALITY_RANK and previous in QUALITY_RANK and QUALITY_RANK[code] < QUALITY_RANK[previous]
    return pill(QUALITY_BADGE.get(code, "unknown"), f"{label or '-'}{' ↓' if dropped else ''}")


@admin.register(OfficialAccount)
class OfficialAccountAdmin(ShopScopedAdmin):
    list_display = ["name", "shop", "status_badge", "quality", "quota", "expires"]
    list_select_related = ["shop"]
    list_filter = [HealthFilter, ShopFilter, "status", "current_quality"]
    search_fields = ["name", "=oa_id"]
    actions = ["sync_now", "sync_followers_now"]
    exclude = ["app_secret_ciphertext"]
    change_list_template = "admin/zalo/officialaccount/change_list.html"
    change_form_template = "admin/zalo/officialaccount/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context = {**(extra_context or {}), "hub": hub.oa_sections(obj, request.user)}
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
            return pill("bad", _("Gone from eTelecom"))
        return pill("ok" if oa.status == OfficialAccount.Status.CONNECTED else "bad", oa.get_status_display() or "-")

    @admin.display(description=_("quality (48 h)"), ordering="current_quality")
    def quality(self, oa):
        """Now, with ↓ when it is worse than over the last week."""
        return quality_badge(oa.current_quality, oa.get_current_quality_display(), oa.last_week_quality)

    @admin.display(description=_("ZNS left today"), ordering="remaining_quota")
    def quota(self, oa):
        percent = oa.remaining_percent
        if percent is None:
            return "-"
        level = "bad" if percent < settings.ZALO_QUOTA_LOW_PERCENT else "ok"
        return pill(
            level,
            f"{formats.number(oa.remaining_quota)} / {formats.number(oa.daily_quota)} ({formats.percent(percent, 0)})",
        )

    @admin.display(description=_("authorization expires"), ordering="expires_at")
    def expires(self, oa):
        if oa.expires_at is None:
            return "-"
        soon = oa.expires_at < timezone.now() + timedelta(days=settings.ZALO_TOKEN_EXPIRY_DAYS)
        return pill("bad" if soon else "unknown", formats.day(oa.expires_at))

    @admin.action(description=_("Sync quota and quality now"), permissions=["change"])
    def sync_now(self, request, queryset):
        queue_runs(request, {oa.shop for oa in queryset.select_related("shop")}, "oa_sync")

    @admin.action(description=_("Sync followers now"), permissions=["change"])
    def sync_followers_now(self, request, queryset):
        shops = {oa.shop for oa in queryset.select_related("shop")}
        queue_runs(request, shops, "follower_sync")


@admin.register(OASnapshot)
class OASnapshotAdmin(ReadOnlyAdmin):
    list_display = [
        "taken_at",
        "oa",
        "status",
        "current_quality",
        "last_week_quality",
        "remaining_quota",
        "daily_quota",
    ]
    list_select_related = ["oa"]
    list_filter = [ShopFilter, "current_quality"]
    search_fields = ["=oa__oa_id", "oa__name"]
    show_full_result_count = False


class ConversationFilter(admin.SimpleListFilter):
    """Followers with a conversation: all of them, or those the OA may still reply to (the window is open)."""

    title = _("conversation")
    parameter_name = "conversation"

    def lookups(self, request, model_admin):
        return [("open", _("Open (the OA may reply)")), ("any", _("Any message")), ("unread", _("Unread"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(last_customer_message_at__gt=timezone.now() - conversations.window())
        if self.value() == "any":
            return queryset.filter(last_message_at__isnull=False)
        if self.value() == "unread":
            return queryset.filter(unread__gt=0)
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    """The staff member a follower is assigned to on eTelecom (`assigned_user_id`), among the user's shops'."""

    title = _("assigned staff")
    parameter_name = "assigned"
    SHOWN = 100

    def lookups(self, request, model_admin):
        assigned = (
            scope(Follower.objects.exclude(assigned_user_id=""), request.user)
            .order_by("assigned_user_id")
            .values_list("assigned_user_id", flat=True)
            .distinct()[: self.SHOWN]
        )
        return [("none", _("Nobody")), *((value, value) for value in assigned)]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(assigned_user_id="")
        if self.value():
            return queryset.filter(assigned_user_id=self.value()[:32])
        return queryset


@admin.register(Follower)
class FollowerAdmin(ReadOnlyAdmin):
    """Followers are the OA's conversations: the list, newest first, shows the unread messages and whether the OA
    may still reply; a follower's page is the conversation, with the reply form."""

    list_display = ["full_name_or_id", "phone", "oa", "assigned_user_id", "last_message", "unread_badge", "window"]
    list_select_related = ["oa"]
    list_filter = [ConversationFilter, ShopFilter, "oa", AssignedFilter, "state"]
    search_fields = ["=phone", "=zl_user_id", "full_name"]
    show_full_result_count = False
    ordering = [F("last_message_at").desc(nulls_last=True), "-pk"]
    change_form_template = "admin/zalo/follower/conversation.html"
    SHOWN_MESSAGES = 100

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/reply/",
                wrap(lambda r, object_id: views.conversation_reply(r, self, object_id)),
                name="zalo_follower_reply",
            ),
            path(
                "<path:object_id>/transaction/",
                wrap(lambda r, object_id: views.transaction(r, self, object_id)),
                name="zalo_follower_transaction",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        return conversations.with_unread(super().get_queryset(request))

    def get_list_filter(self, request):
        # The OA filter lists the user's OAs only (a plain related filter would list every shop's).
        return [OAFilter if name == "oa" else name for name in self.list_filter]

    @admin.display(description=_("customer"), ordering="full_name")
    def full_name_or_id(self, follower):
        return str(follower) or "-"

    @admin.display(description=_("last message"), ordering="last_message_at")
    def last_message(self, follower):
        moment = follower.last_message_at
        return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else "-"

    @admin.display(description=_("unread"), ordering="unread")
    def unread_badge(self, follower):
        return pill("busy", follower.unread) if follower.unread else "-"

    @admin.display(description=_("may reply"))
    def window(self, follower):
        closes = conversations.window_closes_at(follower)
        if closes is None:
            return "-"
        if closes <= timezone.now():
            return pill("unknown", _("closed"))
        return pill("ok", _("until %(time)s") % {"time": timezone.localtime(closes).strftime("%d/%m %H:%M")})

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Replies go to their own URL; a POST here is an edit, refused as on every record of what happened.
        follower = self.get_object(request, object_id) if request.method in ("GET", "HEAD") else None
        if follower is None or not self.has_view_permission(request, follower):
            return super().change_view(request, object_id, form_url, extra_context)
        return views.conversation(request, self, follower)


@admin.register(ConversationMessage)
class ConversationMessageAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "oa", "zl_user_id", "direction", "kind_label", "short_text", "delivered_at"]
    list_select_related = ["oa"]
    list_filter = [ShopFilter, "direction"]
    search_fields = ["=zl_user_id", "=msg_id"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return Truncator(obj.text).chars(80)

    @admin.display(description=_("kind"), ordering="kind")
    def kind_label(self, obj):
        return ConversationMessage.KINDS.get(obj.kind, obj.kind)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "kind_label"]

    def get_fields(self, request, obj=None):
        return [name for name in super().get_fields(request, obj) if name != "kind"]  # shown as kind_label


REPLY_BADGE = {"P": "ok", "N": "bad", "NS": "unknown", "S": "busy"}
TEMPLATE_BADGE = {"ENABLE": "ok", "PENDING_REVIEW": "busy", "REJECT": "bad", "DISABLE": "bad"}
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


class ZaloWorkAdmin(MirroredAdmin):
    """Rows an OA owns, made through eTelecom's calls."""

    def _sync(self, request, queryset, kind):
        queue_runs(request, {obj.oa.shop for obj in queryset.select_related("oa__shop")}, kind)


@admin.register(Consent)
class ConsentAdmin(PhoneSearch, ZaloWorkAdmin):
    list_display = ["phone", "oa", "call_type", "reason_code", "reply", "delivery_status", "permission", "requested"]
    list_select_related = ["oa", "oa__shop"]
    list_filter = [ShopFilter, "reply_status", "reason_code", "call_type", ExpiringFilter]
    search_fields = ["phone"]
    search_help_text = _("The customer's whole phone number.")
    actions = ["check_now", "sync_now"]
    add_page = staticmethod(views.consent_request)
    show_full_result_count = False

    @admin.display(description=_("reply"), ordering="reply_status")
    def reply(self, consent):
        return pill(REPLY_BADGE.get(consent.reply_status, "unknown"), consent.get_reply_status_display() or "-")

    @admin.display(description=_("may call until"), ordering="expires_at")
    def permission(self, consent):
        until = consent.permission_until or (
            consent.expires_at if consent.reply_status == Consent.Reply.ACCEPTED else None
        )
        if until is None:
            return "-"
        return pill("ok" if until > timezone.now() else "bad", formats.moment(until))

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


SEND_BADGE = {"sent": "ok", "sending": "busy", "unconfirmed": "busy", "failed": "bad"}
DELIVERY_BADGE = {"received": "ok", "seen": "ok", "unknown": "unknown"}


class RequestedFilter(DateRangeFilter):
    title = pgettext_lazy("moment", "sent")
    parameter_name = "sent"
    field_name = "created_at"


class OAFilter(admin.SimpleListFilter):
    title = _("OA")
    parameter_name = "oa"

    def lookups(self, request, model_admin):
        rows = scope(OfficialAccount.objects.all(), request.user).select_related("shop").order_by("shop__name", "name")
        return [(oa.pk, f"{oa.shop} – {oa}") for oa in rows[:200]]

    def queryset(self, request, queryset):
        return queryset.filter(oa=self.value()) if self.value() else queryset


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
    list_display = ["sent_at", "phone", "oa", "template", "send", "delivery", "fee_main", "is_development"]
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
        return pill(SEND_BADGE.get(message.send_state, "unknown"), message.get_send_state_display())

    @admin.display(description=_("delivery"), ordering="delivery_status")
    def delivery(self, message):
        if not message.delivery_status:
            return "-"
        return pill(DELIVERY_BADGE.get(message.delivery_status, "unknown"), message.get_delivery_status_display())

    @admin.action(description=_("Sync ZNS messages now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "message_sync")


JOURNEY_BADGE = {"P": "ok", "Z": "busy", "N": "bad"}


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
        return pill(JOURNEY_BADGE.get(journey.status, "unknown"), journey.get_status_display() or "-")

    @admin.action(description=_("Sync journey tokens now"), permissions=["change"])
    def sync_now(self, request, queryset):
        self._sync(request, queryset, "journey_sync")


@admin.register(BulkJob)
class BulkJobAdmin(UploadAdmin):
    list_display = ["created_at", "kind", "oa", "file_name", "status_badge", "created_by"]
    list_select_related = ["oa", "oa__shop", "created_by"]
    list_filter = [ShopFilter, "kind", "status"]
    change_list_template = "admin/zalo/bulkjob/change_list.html"
    add_page = staticmethod(views.bulk_upload)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "sample/<str:template_id>/",
                wrap(lambda r, template_id: views.bulk_sample(r, self, template_id)),
                name="zalo_bulkjob_sample",
            ),
            *super().get_urls(),
        ]

    @property
    def result_header(self):
        return bulk.result_header()

    def result_rows(self, job):
        return bulk.result_rows(job)
