from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZaloConfig(AppConfig):
    name = "zalo"
    verbose_name = _("Zalo")

    def ready(self):
        from shops import alerts, webhooks
        from shops.hub import register_section

        # The entity modules and the bulk runs declare the app's jobs.
        from . import alerts as oa_alerts
        from . import bulk_run, consents, events, followers, hub, journeys, messages, oas, templates  # noqa: F401

        events.register()
        alerts.register_source(oa_alerts.oa_alerts)
        webhooks.on_url_change(oas.oas_point_at_webhook)
        register_section(hub.oas)
        register_section(hub.templates)
