"""Shops, with their hub page, and who works on which shop."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from .. import audit, badges, hub, services, syncing, views
from ..common.display import badge
from ..errors import Refused
from ..errors import show as show_refusal
from ..forms import DirectShopForm, ShopChangeForm
from ..models import Shop, ShopMembership
from ..pages import object_or_403
from ..scoping import ConsoleTabularInline, ShopFilter, ShopScopedAdmin
from .running import SyncNowAdmin, run_link, shop_syncs


class MembershipInline(ConsoleTabularInline):
    model = ShopMembership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name_plural = _("staff who work on this shop")


@admin.register(Shop)
class ShopAdmin(SyncNowAdmin, ShopScopedAdmin):
    list_display = ["name", "etelecom_id", "connection", "credential_badge", "credential_checked_at", "is_active"]
    list_filter = ["credential_status", "connection", "is_active"]
    search_fields = ["name", "=etelecom_id", "email", "phone"]
    actions = ["check_credentials", "register_webhooks", "rotate_webhook_secrets"]
    readonly_fields = [
        "webhook_registered_at",
        "name",
        "etelecom_id",
        "email",
        "phone",
        "connection",
        "key_hint",
        "credential_badge",
        "credential_checked_at",
        "credential_error",
        "created_at",
        "updated_at",
    ]
    change_list_template = "admin/shops/shop/change_list.html"
    change_form_template = "admin/shops/shop/change_form.html"

    def sync_kinds(self, shop):
        return shop_syncs(shop)

    @admin.display(description=_("key ends in"))
    def key_hint(self, shop):
        return shop.credential_hint or "-"

    @admin.display(description=_("credential"), ordering="credential_status")
    def credential_badge(self, shop):
        return badge(shop.credential_status, badges.CREDENTIAL, shop.get_credential_status_display())

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["api_key", "notes"]})]
        credential = ["connection", "key_hint", "credential_badge", "credential_checked_at", "credential_error"]
        if obj.connection == Shop.Connection.DIRECT and self.has_change_permission(request, obj):
            credential.append("new_api_key")
        return [
            (None, {"fields": ["name", "etelecom_id", "email", "phone", "is_active", "notes"]}),
            (_("Credential"), {"fields": credential}),
            (_("Webhook"), {"fields": ["webhook_registered_at"]}),
            (_("History"), {"fields": ["created_at", "updated_at"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = DirectShopForm if obj is None else ShopChangeForm
        form = super().get_form(request, obj, change=change, **kwargs)

        class KeyChecked(form):
            """The form's key, once valid, checked with eTelecom here in the admin (forms call no service)."""

            def clean(self):
                data = super().clean()
                if api_key := data.get(self.key_field):
                    try:
                        self.accept(services.shop_check_direct_key(api_key=api_key, user=request.user))
                    except Refused as exc:
                        self.add_error(self.key_field, str(exc))
                return data

        return KeyChecked

    def get_inlines(self, request, obj):
        return [MembershipInline] if obj is not None and request.user.is_superuser else []

    def save_model(self, request, obj, form, change):
        if not change:
            services.shop_save_direct(
                remote=form.remote, api_key=form.cleaned_data["api_key"], user=request.user, shop=obj
            )
        elif form.cleaned_data.get("new_api_key"):
            services.shop_save_direct(
                remote=form.remote, api_key=form.cleaned_data["new_api_key"], user=request.user, shop=obj
            )
        else:
            super().save_model(request, obj, form, change)

    @method_decorator(sensitive_post_parameters("api_key", "new_api_key"))
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("connect/", wrap(lambda r: views.connect(r, self)), name="shops_shop_connect"),
            path(
                "connect/callback/", wrap(lambda r: views.connect_callback(r, self)), name="shops_shop_connect_callback"
            ),
            path("import/", wrap(self.import_view), name="shops_shop_import"),
            path(
                "<path:object_id>/webhook/",
                wrap(lambda r, object_id: self.webhook_view(r, object_id)),
                name="shops_shop_webhook_register",
            ),
            path(
                "<path:object_id>/webhook/refresh/",
                wrap(lambda r, object_id: self.webhook_refresh_view(r, object_id)),
                name="shops_shop_webhook_refresh",
            ),
            path(
                "<path:object_id>/reconnect/",
                wrap(lambda r, object_id: views.reconnect(r, self, object_id)),
                name="shops_shop_reconnect",
            ),
            *super().get_urls(),
        ]

    def webhook_view(self, request, object_id):
        """The hub's one-click re-registration of the shop's webhook."""
        if request.method != "POST":
            raise PermissionDenied
        shop = object_or_403(self, request, object_id, change=True)
        self.register_webhooks(request, [shop])
        return redirect("admin:shops_shop_change", shop.pk)

    def webhook_refresh_view(self, request, object_id):
        """The hub's "refresh": forget eTelecom's kept answer on the webhook, so the page asks again."""
        shop = self.get_object(request, object_id)
        if shop is None or not self.has_view_permission(request, shop):
            raise PermissionDenied
        hub.forget_webhook_states(shop)
        return redirect(reverse("admin:shops_shop_change", args=[shop.pk]) + "#hub-webhooks")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        shop = self.get_object(request, object_id)
        if shop is not None:
            extra_context = {**(extra_context or {}), "hub": hub.sections(shop, request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def import_view(self, request):
        if request.method != "POST" or not request.user.is_superuser:
            raise PermissionDenied
        with transaction.atomic():
            run = syncing.enqueue("shop_import", user=request.user)
        messages.info(request, format_html(_("Importing the partner's shops in the background: {}."), run_link(run)))
        return redirect("admin:shops_shop_changelist")

    def _webhooks(self, request, queryset, service, done, logged):
        succeeded = 0
        for shop in queryset:
            try:
                service(shop=shop, user=request.user)
            except Refused as exc:
                show_refusal(request, exc, shop)
            else:
                audit.record(request.user, shop, logged)
                succeeded += 1
            finally:
                hub.forget_webhook_states(shop)
        if succeeded:
            messages.success(request, done % {"count": succeeded})

    @admin.action(description=_("Register webhooks with eTelecom"), permissions=["change"])
    def register_webhooks(self, request, queryset):
        done = _("Webhooks registered for %(count)d shops.")
        logged = _("Registered the webhook with eTelecom.")
        self._webhooks(request, queryset, services.shop_webhook_register, done, logged)

    @admin.action(description=_("Rotate webhook secrets"), permissions=["change"])
    def rotate_webhook_secrets(self, request, queryset):
        done = _("New webhook secrets for %(count)d shops; the old addresses answer 404 from now on.")
        logged = _("Rotated the webhook secret and registered the new address; the old one answers 404.")
        self._webhooks(request, queryset, services.shop_webhook_rotate, done, logged)

    @admin.action(description=_("Check credentials with eTelecom"), permissions=["change"])
    def check_credentials(self, request, queryset):
        with transaction.atomic():
            runs = [syncing.enqueue("credential_check", shop=shop, user=request.user) for shop in queryset]
        url = reverse("admin:shops_syncrun_changelist") + "?kind=credential_check"
        text = ngettext("Queued %(count)d credential check.", "Queued %(count)d credential checks.", len(runs)) % {
            "count": len(runs)
        }
        messages.info(request, format_html('{} <a href="{}">{}</a>', text, url, _("See the runs")))


@admin.register(ShopMembership)
class ShopMembershipAdmin(ShopScopedAdmin):
    """Who works on which shop. Superusers assign; Support and Managers see who shares their shops."""

    list_display = ["user", "shop", "created_at"]
    list_select_related = ["user", "shop"]
    list_filter = [ShopFilter]
    search_fields = ["user__username", "shop__name"]
    autocomplete_fields = ["user", "shop"]

    # Django logs each change on the membership; the shop's and the user's histories say it too, and outlive it.
    def _on_both(self, request, membership, message) -> None:
        audit.record(request.user, membership.shop, message)
        audit.record(request.user, membership.user, message)

    def log_addition(self, request, obj, message):
        self._on_both(request, obj, _("Gave %(user)s access to %(shop)s.") % {"user": obj.user, "shop": obj.shop})
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._on_both(
            request, obj, _("Changed a membership: %(user)s on %(shop)s.") % {"user": obj.user, "shop": obj.shop}
        )
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._on_both(
                request, obj, _("Took away the access of %(user)s to %(shop)s.") % {"user": obj.user, "shop": obj.shop}
            )
        return super().log_deletions(request, queryset)
