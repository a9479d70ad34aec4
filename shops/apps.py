from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = _("Shops")

    def ready(self):
        from . import tasks  # noqa: F401  (declares the hub's jobs)
        from .roles import sync_roles

        post_migrate.connect(sync_roles, dispatch_uid="shops.sync_roles")
