from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("SMS Brandname")

    def ready(self):
        from shops.syncing import register_kind

        from . import bulk

        register_kind("sms_status", _("SMS status check"))
        register_kind("sms_bulk_send", _("Bulk SMS upload"), on_abandon=bulk.resume_abandoned)
