"""Manager reports: a date range (local days), a shop filter, tables that export to CSV with the same rows and
columns as the screen, and charts drawn as inline SVG (nothing is fetched from the internet).

Who reads them: Managers and superusers. Support works on shops but does not read reports (403)."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pbx.selectors import call_report
from shops.exports import csv_download
from shops.models import Shop
from shops.roles import MANAGER
from shops.scoping import user_shops

MAX_DAYS = 366


def can_read_reports(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=MANAGER).exists())


class RangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    shop = forms.ModelChoiceField(label=gettext_lazy("Shop"), queryset=Shop.objects.none(), required=False)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The range ends before it starts."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("A report covers %(days)d days at most.") % {"days": MAX_DAYS})
        return data


def _range(request, shops):
    today = timezone.localdate()
    initial = {"start": today - timedelta(days=29), "end": today}
    form = RangeForm({**{k: v.isoformat() for k, v in initial.items()}, **request.GET.dict()}, shops=shops)
    if form.is_valid():
        data = form.cleaned_data
        chosen = shops.filter(pk=data["shop"].pk) if data["shop"] else shops
        return form, chosen, data["start"], data["end"]
    return form, None, initial["start"], initial["end"]


def bars(rows, *, height: int = 160, width: int = 760) -> dict:
    """An SVG bar chart of answered and other calls per day: every number the template needs, none fetched."""
    top = max((row["count"] or 0 for row in rows), default=0) or 1
    step = width / max(len(rows), 1)
    out = []
    for n, row in enumerate(rows):
        calls, answered = row["count"] or 0, row["answered"] or 0
        total_h, answered_h = height * calls / top, height * answered / top
        out.append(
            {
                "x": round(n * step, 2),
                "w": round(max(step - 1, 1), 2),
                "y": round(height - total_h, 2),
                "h": round(total_h - answered_h, 2),
                "ay": round(height - answered_h, 2),
                "ah": round(answered_h, 2),
                "title": f"{row['day']:%d/%m}: {calls} ({answered})",
            }
        )
    return {"bars": out, "height": height, "width": width, "top": top}


CALL_TABLES = {
    "days": (
        gettext_lazy("Calls per day"),
        [("day", gettext_lazy("day"))],
    ),
    "extensions": (
        gettext_lazy("Calls per extension"),
        [("shop", gettext_lazy("shop")), ("label", gettext_lazy("extension"))],
    ),
    "hotlines": (
        gettext_lazy("Calls per hotline"),
        [("shop", gettext_lazy("shop")), ("label", gettext_lazy("hotline"))],
    ),
}
FIGURES = [
    ("count", gettext_lazy("calls")),
    ("inbound", gettext_lazy("inbound")),
    ("outbound", gettext_lazy("outbound")),
    ("answered", gettext_lazy("answered")),
    ("answer_rate", gettext_lazy("answer rate (%)")),
    ("duration", gettext_lazy("talk time (s)")),
    ("average_duration", gettext_lazy("average talk (s)")),
]


def _table(name: str, rows) -> dict:
    title, keys = CALL_TABLES[name]
    columns = [*keys, *FIGURES]
    return {
        "name": name,
        "title": title,
        "headers": [label for _key, label in columns],
        "rows": [[_cell(row.get(key)) for key, _label in columns] for row in rows],
    }


def _cell(value):
    if value is None:
        return "-"
    return value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else value


def calls(request, admin_site):
    if not can_read_reports(request.user):
        raise PermissionDenied
    form, shops, start, end = _range(request, user_shops(request.user).order_by("name"))
    report = call_report(shops if shops is not None else Shop.objects.none(), start, end)
    tables = [_table(name, report[name]) for name in CALL_TABLES]
    export = request.GET.get("export")
    if export:
        table = next((t for t in tables if t["name"] == export), None)
        if table is None:
            return HttpResponse(_("Unknown table."), status=400, content_type="text/plain; charset=utf-8")
        return csv_download(f"calls-{export}-{start:%Y%m%d}-{end:%Y%m%d}.csv", table["headers"], table["rows"])
    context = {
        **admin_site.each_context(request),
        "title": _("Calls"),
        "form": form,
        "total": report["total"],
        "chart": bars(report["days"]),
        "tables": tables,
        "query": request.GET.urlencode(),
    }
    return TemplateResponse(request, "console/reports/calls.html", context)
