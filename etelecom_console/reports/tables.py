"""Report tables: the CSV's values and the screen's cells of the same rows and columns."""

from __future__ import annotations

import html
from datetime import date, datetime

from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from shops import formats

# What a column holds, for the screen (shops.formats) and for the CSV's header (its unit).
UNITS = {"duration": gettext_lazy("s"), "money": "VND", "percent": "%"}


def table(name: str, title, columns: list[tuple], rows, *, empty=None) -> dict:
    """A report table: `rows` are the values the CSV holds (numbers as numbers, days as ISO dates), `shown` the
    same cells as the screen shows them, as the HTML of the table's rows (`body`); a column is (key, label) or
    (key, label, kind) with kind one of `UNITS`'s keys."""
    columns = [(column + ("",))[:3] for column in columns]
    rows = [[(row.get(key), kind) for key, _label, kind in columns] for row in rows]
    return {
        "name": name,
        "title": title,
        "headers": [f"{label} ({UNITS[kind]})" if kind in UNITS else label for _key, label, kind in columns],
        "screen_headers": [label for _key, label, _kind in columns],
        "rows": [[_cell(value) for value, _kind in row] for row in rows],
        "body": _body(rows),
        "empty": empty or _("Nothing in this range."),
    }


def _body(rows) -> str:
    """The rows' cells as the screen shows them, as HTML (numbers align right). Written here, not by a loop in the
    template: a year's report holds thousands of cells, and the template language spent about 8 µs on each. The
    language's thousands separator is looked up once (`formats.number` asks for the language on every call)."""
    separator = formats.thousands_separator(get_language())
    return mark_safe(
        "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{_escape(_show(value, kind, separator))}</td>'
                if _numeric(value, kind)
                else f"<td>{_escape(_show(value, kind, separator))}</td>"
                for value, kind in row
            )
            + "</tr>"
            for row in rows
        )
    )


def _escape(text) -> str:
    """`conditional_escape` without its wrapper for lazy strings (a sixth of a big table's time)."""
    return text.__html__() if hasattr(text, "__html__") else html.escape(str(text))


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return formats.clock(value)
    return value.isoformat() if isinstance(value, date) else value


def _numeric(value, kind: str) -> bool:
    return kind in UNITS or (isinstance(value, (int, float)) and not isinstance(value, bool) and kind != "id")


def _show(value, kind: str, separator: str | None = None):
    if type(value) is int and separator is not None and kind in ("", "id", "money"):
        digits = formats.grouped(value, separator)  # formats.number's own fast path
        return f"{digits}\u00a0₫" if kind == "money" else digits
    if kind == "duration":
        return formats.duration(value)
    if kind == "money":
        return formats.money(value)
    if kind == "percent":
        return formats.percent(value)
    if isinstance(value, datetime):
        return formats.clock(value)
    if isinstance(value, date):
        return formats.day(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return formats.number(value)
    return "-" if value is None else value
