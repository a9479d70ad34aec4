from functools import partial

from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from zalo.selectors import oa_alerts

from . import customers, dashboard, reports


class ConsoleAdminSite(admin.AdminSite):
    """The console's admin site: every app registers its models here through `admin.site`."""

    site_header = _("eTelecom Console")
    site_title = _("eTelecom Console")
    index_title = _("Shops at a glance")
    site_url = None  # the console is the admin; there is no public site to link to

    def get_urls(self):
        return [
            path("customer/", self.admin_view(partial(customers.page, admin_site=self)), name="customer"),
            *(
                path(
                    f"reports/{name}/",
                    self.admin_view(partial(reports.page, admin_site=self, name=name)),
                    name=f"report_{name}",
                )
                for name in reports.REPORTS
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        rows, page = dashboard.shop_rows(request.user, request.GET.get("page"))
        context = {
            "shop_rows": rows,
            "shop_page": page,
            "shop_alerts": dashboard.shop_alerts(request.user),
            "oa_alerts": oa_alerts(request.user),
            "can_read_reports": reports.can_read_reports(request.user),
            **(extra_context or {}),
        }
        return super().index(request, context)
