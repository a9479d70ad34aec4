"""A staff user's own settings page (alert mails on or off, and their language), reached from the user links."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from .models import UserPreference


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = UserPreference
        fields = ["alert_emails", "language"]


def alert_preferences(request, admin_site):
    """Every signed-in staff user edits their own row here, and only theirs: the user comes from the session."""
    preference = UserPreference.objects.filter(user=request.user).first() or UserPreference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=preference)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your alert settings are saved."))
        return redirect("admin:alert_preferences")
    context = {
        **admin_site.each_context(request),
        "form": form,
        "title": _("My alert e-mails"),
        "has_email": bool(request.user.email),
    }
    return TemplateResponse(request, "admin/alert_preferences.html", context)
