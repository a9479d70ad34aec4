"""Followers as conversations, and the conversation messages."""

from django.contrib import admin
from django.db.models import F
from django.urls import path
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.common.display import BUSY, OK, UNKNOWN, pill
from shops.common.listing import EstimatedCountPaginator
from shops.scoping import ReadOnlyAdmin, ShopFilter, scope

from .. import conversations, views
from ..models import ConversationMessage, Follower
from .oas import OAFilter


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


class FollowStateFilter(admin.SimpleListFilter):
    """Whether the Zalo user still follows the OA, in words (the field holds Zalo's `follow`/`unfollow`)."""

    title = _("follows")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(Follower.STATES.items())

    def queryset(self, request, queryset):
        if self.value() in Follower.STATES:
            return queryset.filter(state=self.value())
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

    list_display = ["full_name_or_id", "phone", "oa", "last_message", "unread_badge", "window"]
    list_select_related = ["oa"]
    list_filter = [ConversationFilter, ShopFilter, "oa", AssignedFilter, FollowStateFilter]
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
        return formats.moment(moment) if moment else "-"

    @admin.display(description=_("unread"), ordering="unread")
    def unread_badge(self, follower):
        return pill(BUSY, follower.unread) if follower.unread else "-"

    @admin.display(description=_("may reply"))
    def window(self, follower):
        closes = conversations.window_closes_at(follower)
        if closes is None:
            return "-"
        if closes <= timezone.now():
            return pill(UNKNOWN, _("closed"))
        return pill(OK, _("until %(time)s") % {"time": formats.moment(closes)})

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
