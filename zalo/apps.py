from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ZaloConfig(AppConfig):
    name = "zalo"
    verbose_name = _("Zalo")

    def ready(self):
        from shops.syncing import register_kind

        register_kind("oa_sync", _("Zalo OA sync"))
        register_kind("follower_sync", _("Zalo follower sync"))
