from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "sms"
    verbose_name = _("SMS Brandname")

    def ready(self):
        from . import jobs  # noqa: F401  (declares the app's jobs)
