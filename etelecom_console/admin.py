from functools import partial

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from unfold.sites import UnfoldAdminSite

from shops.preferences import alert_preferences
from zalo.selectors import oa_alerts

from . import customers, dashboard, navigation, reports, twofactor


class ConsoleAdminSite(UnfoldAdminSite):
    """The console's admin site, in django-unfold's theme: every app registers its models here through
    `admin.site`, on `shops.scoping.ConsoleAdmin` (docs/design.md, "The admin theme")."""

    site_header = _("eTelecom Console")
    site_title = _("eTelecom Console")
    index_title = _("Shops at a glance")
    site_url = None  # the console is the admin; there is no public site to link to

    def each_context(self, request):
        context = super().each_context(request)
        # The theme writes its colours into an inline <style>, which the Content-Security-Policy refuses: they
        # come from static/console/theme.css instead.
        context["colors"] = None
        if self.has_permission(request):
            context["sidebar_navigation"] = navigation.sidebar(self, request)
        return context

    def has_permission(self, request):
        """Staff who have done the second sign-in step, or who need none (twofactor.py)."""
        return super().has_permission(request) and twofactor.satisfied(request)

    def login(self, request, extra_context=None):
        # Signed in with a password but without the second step: on to the code, or to enrolment.
        return twofactor.next_step(request) or super().login(request, extra_context)

    def get_urls(self):
        otp_pages = {"verify": twofactor.verify, "setup": twofactor.setup, "codes": twofactor.codes}
        return [
            path("customer/", self.admin_view(partial(customers.page, admin_site=self)), name="customer"),
            *(
                path(f"otp/{name}/", never_cache(partial(view, admin_site=self)), name=f"otp_{name}")
                for name, view in otp_pages.items()
            ),
            *(
                path(
                    f"reports/{name}/",
                    self.admin_view(partial(reports.page, admin_site=self, name=name)),
                    name=f"report_{name}",
                )
                for name in reports.REPORTS
            ),
            path(
                "preferences/", self.admin_view(partial(alert_preferences, admin_site=self)), name="alert_preferences"
            ),
            *super().get_urls(),
        ]

    def index(self, request, extra_context=None):
        sort = request.GET.get("sort") if request.GET.get("sort") in dashboard.SORTS else "trouble"
        rows, page, columns = dashboard.shop_rows(request.user, request.GET.get("page"), sort)
        context = {
            "shop_rows": rows,
            "shop_page": page,
            "sync_columns": columns,
            "sort": sort,
            "sorts": dashboard.SORTS,
            "shop_alerts": dashboard.shop_alerts(request.user),
            "oa_alerts": oa_alerts(request.user),
            "can_read_reports": reports.can_read_reports(request.user),
            "report_links": [
                (title, reverse(f"admin:report_{name}")) for name, (title, *_rest) in reports.REPORTS.items()
            ],
            **(extra_context or {}),
        }
        return super().index(request, context)
