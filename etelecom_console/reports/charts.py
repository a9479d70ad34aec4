"""Chart data for Chart.js (static/console/charts.js draws it): stacked bars, an optional rate line, and a note
where the console's history is shorter than the range."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Min, OuterRef, Subquery
from django.utils.translation import gettext as _

from shops import formats
from shops.models import Shop
from zalo.models import OfficialAccount


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


def since(model, form, *, oas: bool = False):
    """The first day the console holds in `model` (a daily rollup, or rows with a day) for the form's shops or OAs
    (`oas`: the OAs of the form's shops), or None. One probe of the model's (shop or OA, day) index for each of
    them, not a MIN over all their rows (which read the whole rollup: 22-36 ms for the ZNS rollup's 72,000 rows)."""
    if form is None:
        return None
    owners = form.scope()
    if oas:
        owners = OfficialAccount.objects.filter(shop__in=owners)
    owner = "shop" if owners.model is Shop else "oa"
    first = model.objects.filter(**{owner: OuterRef("pk")}).order_by("day").values("day")[:1]
    return owners.order_by().annotate(held_since=Subquery(first)).aggregate(first=Min("held_since"))["first"]


def day_label(row) -> str:
    return formats.day(row["day"])
