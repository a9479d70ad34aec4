"""Two-factor sign-in (django-otp): a password, then a code from an authenticator app (TOTP) or a recovery code.

Superusers always need the second step; everyone does when REQUIRE_2FA is on; anyone else who enrolled does too.
Until the step is done the admin site refuses every page (`ConsoleAdminSite.has_permission`) and its login page
sends the person here: to enter a code, or, with no authenticator yet, to enrol one. A wrong code counts as a
failed login for django-axes (the same lock-out as wrong passwords), and django-otp slows each device down
after every failure, so a code cannot be guessed.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from binascii import unhexlify

import segno
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

RECOVERY_CODES = 10
# Recovery codes shown once, right after they were made; the session keeps them until the page is seen.
CODES_SESSION_KEY = "console_recovery_codes"
# The secret of an authenticator being set up, until its first code confirms it.
SETUP_SESSION_KEY = "console_otp_setup_key"


def required(user) -> bool:
    return bool(user.is_superuser or settings.REQUIRE_2FA)


def satisfied(request) -> bool:
    """The second step is done, or not needed for this person."""
    user = request.user
    if user.is_verified():
        return True
    return not required(user) and not user_has_device(user, confirmed=True)


def next_step(request) -> HttpResponseRedirect | None:
    """Where a signed-in staff member who has not done the second step goes; None when nothing is missing."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff) or satisfied(request):
        return None
    step = "admin:otp_verify" if user_has_device(user, confirmed=True) else "admin:otp_setup"
    target = reverse(step)
    wanted = request.GET.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        target = f"{target}?next={wanted}"
    return redirect(target)


def _after(request) -> HttpResponseRedirect:
    wanted = request.POST.get("next") or request.GET.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return redirect(wanted)
    return redirect("admin:index")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
    )

    def clean_code(self):
        return "".join(self.cleaned_data["code"].split()).lower()


def _signed_in_staff(request) -> bool:
    user = request.user
    return user.is_authenticated and user.is_active and user.is_staff


def _context(admin_site, request, title: str, **extra) -> dict:
    # Before the second step the admin's sidebar would list every model the person may see: none is shown.
    shown = {"is_nav_sidebar_enabled": False, "available_apps": []} if not request.user.is_verified() else {}
    return {**admin_site.each_context(request), "title": title, **shown, **extra}


def _failed(request, user) -> None:
    """A wrong code: one more failed login for django-axes, which locks the person out like wrong passwords do."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)


def _locked(request, user) -> bool:
    AxesProxyHandler.update_request(request)
    if AxesProxyHandler.is_locked(request, {"username": user.get_username()}):
        request.axes_locked_out = True  # AxesMiddleware answers with the lock-out page
        logout(request)
        return True
    return False


def verify(request, admin_site):
    """The second step: a TOTP code or a recovery code (used up)."""
    if not _signed_in_staff(request):
        return redirect("admin:login")
    user = request.user
    if request.method == "POST" and "cancel" in request.POST:
        logout(request)
        return redirect("admin:login")
    if satisfied(request) and user.is_verified():
        return _after(request)
    if not user_has_device(user, confirmed=True):
        return redirect("admin:otp_setup")
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if _locked(request, user):
            return redirect("admin:login")
        if form.is_valid():
            devices = list(devices_for_user(user, confirmed=True))
            if not any(device.verify_is_allowed()[0] for device in devices):
                # django-otp's growing wait after each wrong code; a try meanwhile counts as one more failure.
                form.add_error("code", _("Too many wrong codes. Wait a little, then try again."))
            else:
                device = next((d for d in devices if d.verify_token(form.cleaned_data["code"])), None)
                if device is not None:
                    request.session.cycle_key()
                    otp_login(request, device)
                    return _after(request)
                form.add_error("code", _("This code is not right, or it has been used already."))
            _failed(request, user)
            if getattr(request, "axes_locked_out", False):
                return redirect("admin:login")
    context = _context(
        admin_site,
        request,
        _("Enter your sign-in code"),
        form=form,
        next=request.GET.get("next", ""),
    )
    return TemplateResponse(request, "console/otp_verify.html", context)


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def _verifies(key: str, code: str) -> bool:
    try:
        return TOTP(unhexlify(key)).verify(int(code), tolerance=1)
    except ValueError:
        return False


def setup(request, admin_site):
    """Enrolment: a new authenticator (QR code, or the secret to type), confirmed by its first code; then the
    recovery codes, shown once. Until confirmed the secret lives in the session only: a visit writes nothing."""
    if not _signed_in_staff(request):
        return redirect("admin:login")
    user = request.user
    if user_has_device(user, confirmed=True) and not user.is_verified():
        return redirect("admin:otp_verify")  # a new authenticator only after the present one has been used
    key = request.session.get(SETUP_SESSION_KEY)
    if key is None or request.method != "POST":
        key = request.session[SETUP_SESSION_KEY] = random_hex(20)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _locked(request, user):
            return redirect("admin:login")
        if _verifies(key, form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                device = TOTPDevice.objects.create(user=user, name="authenticator", key=key, confirmed=True)
                codes = _new_recovery_codes(user)
            del request.session[SETUP_SESSION_KEY]
            request.session.cycle_key()
            otp_login(request, device)
            request.session[CODES_SESSION_KEY] = codes
            return redirect("admin:otp_codes")
        form.add_error("code", _("This code is not right. Check the time on your phone and try the next one."))
        _failed(request, user)
        if getattr(request, "axes_locked_out", False):
            return redirect("admin:login")
    device = TOTPDevice(user=user, key=key)  # unsaved: builds the set-up link
    url = device.config_url
    context = _context(
        admin_site,
        request,
        _("Set up two-factor sign-in"),
        form=form,
        secret=device_secret(device),
        otpauth_url=url,
        qr_svg=mark_safe(segno.make(url, error="m").svg_inline(scale=4, light="#fff", omitsize=False)),
        required=required(user),
    )
    return TemplateResponse(request, "console/otp_setup.html", context)


def device_secret(device: TOTPDevice) -> str:
    """The secret as an authenticator app asks for it when typed: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def codes(request, admin_site):
    """The recovery codes just made, shown once; a verified person may make new ones (the old ones stop working)."""
    if not _signed_in_staff(request) or not request.user.is_verified():
        return redirect("admin:login")
    if request.method == "POST":
        request.session[CODES_SESSION_KEY] = _new_recovery_codes(request.user)
        return redirect("admin:otp_codes")
    shown = request.session.pop(CODES_SESSION_KEY, None)
    left = StaticToken.objects.filter(device__user=request.user, device__name="recovery").count()
    context = _context(admin_site, request, _("Recovery codes"), codes=shown, left=left)
    return TemplateResponse(request, "console/otp_codes.html", context)


# django-otp names its fields and its admin's sections in English, outside gettext, and ships no Vietnamese: the
# console gives them words of its own. Only the labels: its migrations keep the fields' own help texts, which the
# admin's forms replace.
OTP_FIELDS = {
    "user": (_("user"), _("The person this authenticator or list of codes belongs to.")),
    "name": (_("name"), _("A name to tell this device apart.")),
    "confirmed": (_("confirmed"), _("Whether the device can be used to sign in.")),
    "created_at": (_("created"), _("When the device was added.")),
    "last_used_at": (_("last used"), _("When the device last signed someone in.")),
    "throttling_failure_timestamp": (
        _("last wrong code"),
        _("When the last wrong code was entered; empty after a right one."),
    ),
    "throttling_failure_count": (_("wrong codes in a row"), _("Wrong codes entered since the last right one.")),
    "key": (_("secret"), _("The authenticator's secret, in hexadecimal (up to 40 bytes).")),
    "step": (_("time step"), _("Seconds each code lasts.")),
    "t0": (_("start time"), _("The Unix time the steps are counted from.")),
    "digits": (_("digits"), _("How many digits a code has.")),
    "tolerance": (_("tolerance"), _("How many steps before or after the present one a code may be from.")),
    "drift": (_("drift"), _("How many steps the phone's clock is known to be off.")),
    "last_t": (_("last step used"), _("The step of the last code accepted: the next code must be later.")),
    "device": (_("recovery code list"), None),
    "token": (_("recovery code"), _("One recovery code.")),
}
OTP_SECTIONS = {
    "Identity": _("Identity"),
    "Timestamps": pgettext_lazy("device", "Dates"),
    "Configuration": _("Settings"),
    "State": pgettext_lazy("device", "Clock"),
    "Throttling": _("Wrong codes"),
}


def relabel_otp_models(*models) -> None:
    """Translated names for the fields of django-otp's models (`verbose_name` only: what their migrations record,
    the help texts, stays theirs)."""
    for model in models:
        for field in model._meta.get_fields():
            if field.concrete and field.name in OTP_FIELDS:
                field.verbose_name = OTP_FIELDS[field.name][0]


class OtpAdminLabels:
    """Mixed into django-otp's device admins: their sections and help texts in the reader's language."""

    def get_fieldsets(self, request, obj=None):
        return [(OTP_SECTIONS.get(name, name), options) for name, options in super().get_fieldsets(request, obj)]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None and db_field.name in OTP_FIELDS:
            formfield.help_text = OTP_FIELDS[db_field.name][1] or ""
        return formfield
