from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZaloConfig(AppConfig):
    name = "zalo"
    verbose_name = _("Zalo")

    def ready(self):
        from shops import alerts, webhooks
        from shops.hub import register_section
        from shops.syncing import register_kind

        from . import alerts as oa_alerts
        from . import bulk, events, hub, services

        register_kind("oa_sync", _("Zalo OA sync"))
        register_kind("follower_sync", _("Zalo follower sync"))
        register_kind("consent_sync", _("Call permission sync"))
        register_kind("template_sync", _("ZNS template sync"))
        register_kind("message_sync", _("ZNS message sync"))
        register_kind("journey_sync", _("Journey token sync"))
        register_kind("bulk_send", _("Bulk upload"), on_abandon=bulk.resume_abandoned)
        events.register()
        alerts.register_source(oa_alerts.oa_alerts)
        webhooks.on_url_change(services.oas_point_at_webhook)
        register_section(hub.oas)
        register_section(hub.templates)
