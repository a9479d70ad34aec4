"""Who reads the reports, which there are, and the page that shows one (or one of its tables as CSV)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shops.common.exports import csv_download
from shops.roles import MANAGER
from shops.scoping import user_shops

from . import calls, consents, messaging, zalo
from .forms import OARangeForm, RangeForm


def can_read_reports(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=MANAGER).exists())


REPORTS = {
    "calls": (gettext_lazy("Calls"), RangeForm, calls.build),
    "zalo": (gettext_lazy("Zalo OAs and ZNS"), OARangeForm, zalo.build),
    "consents": (gettext_lazy("Call permissions"), OARangeForm, consents.build),
    "messaging": (gettext_lazy("ZNS and SMS"), RangeForm, messaging.build),
}


def page(request, admin_site, name: str):
    """One report: the range form, the figures for the user's shops, and `?export=<table>` as CSV."""
    if not can_read_reports(request.user):
        raise PermissionDenied
    title, form_class, build = REPORTS[name]
    today = timezone.localdate()
    initial = {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()}
    form = form_class({**initial, **request.GET.dict()}, shops=user_shops(request.user).order_by("name"))
    valid = form.is_valid()
    start = form.cleaned_data["start"] if valid else today - timedelta(days=29)
    end = form.cleaned_data["end"] if valid else today
    report = build(form if valid else None, start, end)
    for n, (_title, chart) in enumerate(report["charts"], 1):
        chart["id"] = f"chart-data-{n}"
    export = request.GET.get("export")
    if export:
        found = next((t for t in report["tables"] if t["name"] == export), None)
        if found is None:
            return HttpResponse(_("Unknown table."), status=400, content_type="text/plain; charset=utf-8")
        return csv_download(f"{name}-{export}-{start:%Y%m%d}-{end:%Y%m%d}.csv", found["headers"], found["rows"])
    context = {
        **admin_site.each_context(request),
        **report,
        "title": title,
        "form": form,
        "query": request.GET.urlencode(),
        "reports": [(key, label, reverse(f"admin:report_{key}")) for key, (label, *_rest) in REPORTS.items()],
        "report": name,
    }
    return TemplateResponse(request, "console/reports/report.html", context)
