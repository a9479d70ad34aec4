from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbxConfig(AppConfig):
    name = "pbx"
    verbose_name = _("Cloud PBX")

    def ready(self):
        from shops import webhooks
        from shops.jobs import register_kind

        from . import services

        register_kind("call_sync", _("Call history sync"))
        register_kind("call_retention", _("Deletion of calls past their retention"))
        register_kind("pbx_sync", _("PBX tenant, hotlines, users and extensions sync"))
        webhooks.register_handler("call_log", services.call_event)
