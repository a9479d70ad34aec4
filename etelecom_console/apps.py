from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with the console's own site as the default `admin.site`."""

    default = False
    default_site = "etelecom_console.admin.ConsoleAdminSite"


class AxesConfig(AxesAppConfig):
    """django-axes under a name the menu can translate (it has none of its own, so the menu read "Axes")."""

    verbose_name = _("Sign-in security")


class ConsoleConfig(AppConfig):
    default = True
    name = "etelecom_console"
    verbose_name = _("eTelecom Console")

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401  (registers the deploy checks)
        from .themed_admins import retheme

        retheme(admin.site)
