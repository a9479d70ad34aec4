"""Django's user and group admin, django-q2's and django-axes' admins, registered again on the theme's base class so
their lists and forms look like the rest of the console. Their columns, filters, permissions and URLs stay theirs."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from shops.scoping import ConsoleAdmin


def _rethemed(model_admin: admin.ModelAdmin) -> type[admin.ModelAdmin]:
    return type(type(model_admin).__name__, (ConsoleAdmin, type(model_admin)), {"__module__": __name__})


def retheme(site: admin.AdminSite) -> None:
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ConsoleAdmin):
            continue
        themed = _rethemed(model_admin)
        if isinstance(model_admin, auth_admin.UserAdmin):
            themed.form = UserChangeForm
            themed.add_form = UserCreationForm
            themed.change_password_form = AdminPasswordChangeForm
        site.unregister(model)
        site.register(model, themed)
