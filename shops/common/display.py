"""How the admin shows a status and eTelecom's JSON.

A status is a coloured label. Each enum says once which colour each of its values shows in: a mapping beside the
app's models (`shops.badges`, `zalo.badges`, `pbx.badges`, `sms.badges`), keyed by the enum's members, so a
renamed value fails at import. `badge` draws a value with its enum's mapping; `pill` a label in a colour the
caller decides (a quota running low, a reply window that closed)."""

import json
from collections.abc import Mapping

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

# The colours console.css gives a badge.
OK, BAD, BUSY, UNKNOWN = "ok", "bad", "busy", "unknown"


def pill(level: str, label) -> str:
    """`label` in the colour `level` (OK, BAD, BUSY or UNKNOWN)."""
    return format_html('<span class="badge badge-{}">{}</span>', level, label)


def badge(value: str, colours: Mapping[str, str], label=None) -> str:
    """`value` in the colour its enum's `colours` gives it (UNKNOWN for a value eTelecom added later), labelled
    `label` (its display, usually) or the value itself; "-" when there is neither."""
    return pill(colours.get(value, UNKNOWN), label or value or "-")


def json_table(value) -> str:
    """JSON from eTelecom as a person reads it: a list of objects as a table (one column per key, in the order
    they first appear), an object as key/value rows, anything else as text; every value escaped."""
    if isinstance(value, dict):
        value = [value] if value else []
    if not isinstance(value, list) or not value:
        return "-" if value in (None, "", [], {}) else str(value)
    rows = [row if isinstance(row, dict) else {"": row} for row in value]
    keys = list(dict.fromkeys(key for row in rows for key in row))
    head = format_html_join("", "<th>{}</th>", ((str(key).replace("_", " "),) for key in keys))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((_json_cell(row.get(key)),) for key in keys)),) for row in rows),
    )
    return format_html(
        '<div class="table-box"><table class="json-table"><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
        head,
        body,
    )


def _json_cell(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
