from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PbxConfig(AppConfig):
    name = "pbx"
    verbose_name = _("Cloud PBX")

    def ready(self):
        from shops import webhooks
        from shops.hub import register_section

        from . import calls, directory, hub, retention  # noqa: F401  (they declare the app's jobs)

        webhooks.register_handler("call_log", calls.call_event)
        register_section(hub.pbx)
