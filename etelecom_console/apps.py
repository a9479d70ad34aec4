from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OtpStaticAppConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OtpTotpAppConfig


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the console's own site as the default `admin.site`."""

    default = False
    default_site = "etelecom_console.admin.ConsoleAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes under a name the menu can translate (it has none of its own, so the menu read "Axes")."""

    verbose_name = _("Sign-in security")


class OtpTotpConfig(OtpTotpAppConfig):
    """django-otp's authenticator apps, named so that the menu can translate them (it read "Otp_Totp")."""

    verbose_name = _("Authenticator apps")

    def ready(self):
        super().ready()
        from .twofactor import relabel_otp_models

        relabel_otp_models(self.get_model("TOTPDevice"))
        device = self.get_model("TOTPDevice")._meta
        device.verbose_name, device.verbose_name_plural = _("authenticator app"), _("authenticator apps")


class OtpStaticConfig(OtpStaticAppConfig):
    """django-otp's recovery codes, named so that the menu can translate them (it read "Otp_Static")."""

    verbose_name = _("Recovery codes")

    def ready(self):
        super().ready()
        from .twofactor import relabel_otp_models

        relabel_otp_models(self.get_model("StaticDevice"), self.get_model("StaticToken"))
        device = self.get_model("StaticDevice")._meta
        device.verbose_name, device.verbose_name_plural = _("recovery code list"), _("recovery code lists")
        token = self.get_model("StaticToken")._meta
        token.verbose_name, token.verbose_name_plural = _("recovery code"), _("recovery codes")


class ConsoleConfig(AppConfig):
    default = True
    name = "etelecom_console"
    verbose_name = _("eTelecom Console")

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .themed_admins import retheme

        retheme(admin.site)
