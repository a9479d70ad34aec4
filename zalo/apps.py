from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZaloConfig(AppConfig):
    name = "zalo"
    verbose_name = _("Zalo")

    def ready(self):
        from shops import alerts, webhooks

        from . import alerts as oa_alerts
        from . import events, jobs, services  # noqa: F401  (jobs declares the app's jobs)

        events.register()
        alerts.register_source(oa_alerts.oa_alerts)
        webhooks.on_url_change(services.oas_point_at_webhook)
