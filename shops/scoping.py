"""Who sees which shop: one mixin that every admin of a shop-owned model uses.

A shop-owned model declares `shop_lookup`, the ORM path from it to `Shop` ("pk" on Shop itself, "shop" on most,
"oa__shop" further away). The mixin filters the changelist, change/delete/history views (through
`get_queryset`), actions (they act on that queryset), autocomplete (the target admin's queryset) and foreign-key
choices to the shops the user is a member of.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin as ThemeModelAdmin
from unfold.admin import TabularInline as ThemeTabularInline

from .crypto import EncryptedTextField
from .models import Shop


def user_shops(user) -> QuerySet[Shop]:
    if user.is_superuser:
        return Shop.objects.all()
    return Shop.objects.filter(memberships__user=user)


def scope(queryset: QuerySet, user) -> QuerySet:
    """`queryset` of a shop-owned model, cut to the user's shops."""
    if user.is_superuser:
        return queryset
    lookup = queryset.model.shop_lookup
    return queryset.filter(**{f"{lookup}__in": user_shops(user).values("pk")})


class ShopFilter(admin.SimpleListFilter):
    """Filter by shop, offering only the user's shops (a RelatedFieldListFilter would list every shop)."""

    title = _("shop")
    parameter_name = "shop"

    def lookups(self, request, model_admin):
        return list(user_shops(request.user).values_list("pk", "name"))

    def queryset(self, request, queryset):
        if self.value():
            lookup = queryset.model.shop_lookup
            return queryset.filter(**{lookup: self.value()})
        return queryset


class ConsoleAdmin(ThemeModelAdmin):
    """The base of every admin in the console (django-unfold's ModelAdmin): compact forms, a warning before leaving
    a form with unsaved changes, filters in the drawer with one Apply button."""

    show_facets = admin.ShowFacets.NEVER
    compressed_fields = True
    warn_unsaved_form = True
    list_filter_submit = True
    list_fullwidth = True

    def nothing_to_edit(self, request, obj) -> bool:
        """True on the page of a record whose form has no field to change and no inline: a record that mirrors
        eTelecom or logs what happened. Its page offers no Save, and a posted save is refused."""
        if obj is None:
            return False
        form = self.get_form(request, obj, change=True)
        return not form.base_fields and not self.get_inlines(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if change and self.nothing_to_edit(request, obj):
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False, show_save_as_new=False
            )
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            obj = self.get_object(request, unquote(object_id))
            if obj is not None and self.nothing_to_edit(request, obj):
                raise PermissionDenied(_("Nothing on this page can be changed."))
        return super().changeform_view(request, object_id, form_url, extra_context)


class ConsoleTabularInline(ThemeTabularInline):
    """The base of every tabular inline."""


class ShopScopedAdmin(ConsoleAdmin):
    def get_queryset(self, request):
        return scope(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "shop_lookup"):
            kwargs["queryset"] = scope(kwargs.get("queryset", related._default_manager.all()), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(ShopScopedAdmin):
    """Records of what happened: nobody adds, edits or deletes them in the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MirroredAdmin(ShopScopedAdmin):
    """Rows that mirror eTelecom and are made through its calls: the add page is a form that calls eTelecom
    (`add_page(request, model_admin)`), and no field is edited by hand. Secrets are never shown."""

    add_page = None

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "id" and not isinstance(f, EncryptedTextField)]

    def add_view(self, request, form_url="", extra_context=None):
        return self.add_page(request, self)
