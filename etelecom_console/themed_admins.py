"""Django's user and group admin, django-q2's and django-axes' admins, registered again on the theme's base class so
their lists and forms look like the rest of the console. Their columns, filters, permissions and URLs stay theirs."""

from types import FunctionType

from django.contrib import admin
from django.contrib.admin.utils import display_for_field
from django.contrib.auth import admin as auth_admin
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.html import conditional_escape
from unfold import forms as unfold_forms
from unfold.fields import UnfoldAdminField, UnfoldAdminReadonlyField
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from shops import formats
from shops.scoping import ConsoleAdmin

from .twofactor import OtpAdminLabels


def _rethemed(model_admin: admin.ModelAdmin) -> type[admin.ModelAdmin]:
    # django-otp's admins also get their sections and help texts in the reader's language.
    labels = (OtpAdminLabels,) if type(model_admin).__module__.startswith("django_otp.") else ()
    return type(type(model_admin).__name__, (*labels, ConsoleAdmin, type(model_admin)), {"__module__": __name__})


class SafeReadonlyField(UnfoldAdminReadonlyField):
    """The theme draws a read-only URL field as a link whatever its scheme, so a stored `javascript:` address
    became a link (the policy stopped it running; it should not be a link at all). Django's own display links only
    valid http(s) addresses and shows anything else as text."""

    def _get_contents(self):
        name = self.field["field"]
        try:
            field = self.form.instance._meta.get_field(name) if isinstance(name, str) else None
        except FieldDoesNotExist:
            field = None
        if isinstance(field, models.URLField):
            value = getattr(self.form.instance, name)
            return conditional_escape(display_for_field(value, field, self.empty_value_display))
        if isinstance(field, models.Field) and (words := in_words(self.form.instance, field)) is not None:
            return conditional_escape(words)
        return super()._get_contents()


def in_words(instance, field: models.Field) -> str | None:
    """A code of eTelecom's or Zalo's on a record page in words: the model's own `get_<field>_display` (a code list
    that is not `choices`) or the field's choices, and `other (X)` for a code not known yet (Django's display shows
    a bare code, or nothing). None for a field that holds no code, or holds none now."""
    value = getattr(instance, field.attname)
    if value is None or value == "":
        return None
    own = type(instance).__dict__.get(f"get_{field.name}_display")
    if isinstance(own, FunctionType):  # written by the model, not Django's partialmethod for `choices`
        return str(own(instance))
    if field.choices:
        return formats.coded(field.flatchoices, value)
    return None


class SafeFieldline(unfold_forms.Fieldline):
    def __iter__(self):
        for i, field in enumerate(self.fields):
            if field in self.readonly_fields:
                yield SafeReadonlyField(self.form, field, is_first=(i == 0), model_admin=self.model_admin)
            else:
                yield UnfoldAdminField(self.form, field, is_first=(i == 0))


def retheme(site: admin.AdminSite) -> None:
    # The theme's change forms take their lines from unfold.forms.Fieldline (and set Django's to it per request).
    unfold_forms.Fieldline = SafeFieldline
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
