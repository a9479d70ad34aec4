"""Chart data for Chart.js (static/console/charts.js draws it): stacked bars, an optional rate line, and a note
where the console's history is shorter than the range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Min
from django.utils.translation import gettext as _

from shops import formats
from shops.models import Shop


@dataclass
class Part:
    """One series of a stacked bar chart: its key (which picks its colour in static/console/charts.js), legend,
    and value for a row."""

    key: str
    label: str
    value: Callable[[dict], int]


def stacked(rows, parts: list[Part], *, label: Callable[[dict], str], axis: str, line=None, since=None) -> dict:
    """A stacked bar chart as data for Chart.js (static/console/charts.js draws it): one bar per row, one series
    per part, the y axis titled `axis`. `line`, a (legend, row -> percent or None) pair, adds a 0-100 % line on
    a scale of its own. `since`, the first day the console holds for the chart, adds a note when the range starts
    before it."""
    rows = list(rows)
    chart = {
        "labels": [label(row) for row in rows],
        "axis": str(axis),
        "series": [
            {"key": part.key, "label": str(part.label), "values": [max(part.value(row) or 0, 0) for row in rows]}
            for part in parts
        ],
        "line": None,
        "note": "",
    }
    if line is not None:
        chart["line"] = {"label": str(line[0]), "values": [line[1](row) for row in rows]}
    if since is not None and rows and "day" in rows[0] and since > rows[0]["day"]:
        chart["note"] = _("Nothing before %(day)s: the history starts when the console first synced.") % {
            "day": formats.day(since)
        }
    return chart


def since(model, form, *, shop="shop"):
    """The first day the console holds in `model` (a daily rollup, or rows with a day) for the form's shops or OAs,
    or None; `shop` is the path from `model` to its shop."""
    if form is None:
        return None
    scope = form.scope()
    within = {f"{shop}__in": scope} if scope.model is Shop else {"oa__in": scope}
    return model.objects.filter(**within).aggregate(first=Min("day"))["first"]


def day_label(row) -> str:
    return formats.day(row["day"])
