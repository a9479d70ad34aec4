"""A `ListCallLogs` page as CallRecord rows, ready for the call upsert: run by the call sync and by its fetcher
process (`pbx.fetcher`), which is why it imports neither (no import circle between them), nor the models: the
fetcher runs without `django.setup()` (the statement's `upsert.RowFormat` is sent to it).

`CALL` declares each field of the call once: its column, its wire name and its decoder (`etelecom.fields`); the
columns worked out from others (the customer's number, the extension's and hotline's rows, the local day and hour)
follow it in `call_rows`, named in `DERIVED`. The column list, a row's values, the update list and a record's COPY
text (`call_copy`) all come from these two."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

from etelecom import fields
from shops.common import upsert
from shops.common.mirror import Mirror, wire

LOCAL = ZoneInfo(settings.TIME_ZONE)


def _or_unknown(value) -> str:
    return fields.as_text(value) or "unknown"


def _clip64(value) -> str:
    return fields.as_text(value)[:64]


CALL = Mirror(
    {
        "etelecom_id": wire("id", fields.as_ident),
        "direction": wire("direction", _or_unknown),
        "call_state": wire("call_state", _or_unknown),
        "call_status": wire("call_status", fields.as_text),
        "caller": wire("caller", fields.as_text),
        "callee": wire("callee", fields.as_text),
        "extension_etelecom_id": wire("extension_id", fields.as_ident),
        "user_etelecom_id": wire("user_id", fields.as_ident),
        "contact_id": wire("contact_id", fields.as_text),
        "duration": wire("duration", fields.as_count),
        "started_at": wire("started_at", fields.as_time),
        "ended_at": wire("ended_at", fields.as_time),
        "etelecom_created_at": wire("created_at", fields.as_time),
        "etelecom_updated_at": wire("updated_at", fields.as_time),
        "recording_urls": wire("recording_urls", fields.as_list),
        "call_targets": wire("call_targets", fields.as_list),
        "note": wire("note", fields.as_text),
        "external_id": wire("external_id", _clip64),
        "external_session_id": wire("external_session_id", _clip64),
    }
)
# Worked out in `call_rows` from the fields above, in this order.
DERIVED = ["customer_number", "extension", "hotline", "hotline_etelecom_id", "started_day", "started_hour"]
CALL_COLUMNS = ["shop", *CALL.fields, *DERIVED]
CALL_UPDATED = [*CALL.fields[1:], *DERIVED]
_ID, _DIRECTION, _CALLER, _CALLEE, _EXTENSION, _STARTED = (
    CALL.fields.index(name)
    for name in ("etelecom_id", "direction", "caller", "callee", "extension_etelecom_id", "started_at")
)
_DAY = CALL_COLUMNS.index("started_day")


def _customer(values: tuple) -> str:
    """The customer's number of a call whose CALL fields are `values` (decoded, or as COPY text): the caller of an
    inbound call, the callee of an outbound one."""
    direction = values[_DIRECTION]
    return values[_CALLER] if direction == "in" else values[_CALLEE] if direction == "out" else ""


def call_rows(shop_id: int, items: list[dict], lines: dict) -> list[tuple]:
    """ListCallLogs records as CallRecord rows in CALL_COLUMNS order. Records without an id or a start time are
    left out (they could be neither upserted nor placed on a day). `lines`: extension eTelecom id -> (extension pk,
    hotline pk, hotline eTelecom id)."""
    row, rows, no_line = CALL.row, [], (None, None, "")
    for item in items:
        values = row(item)
        started = values[_STARTED]
        if started is None or not values[_ID]:
            continue
        local = started.astimezone(LOCAL)
        line = lines.get(values[_EXTENSION], no_line)
        rows.append((shop_id, *values, _customer(values), *line, local.date(), local.hour))
    return rows


def call_days(rows: list[tuple]) -> tuple[date, date] | None:
    return (min(row[_DAY] for row in rows), max(row[_DAY] for row in rows)) if rows else None


NULL = "\\N"  # COPY text's NULL


@lru_cache(maxsize=256)
def _time_text(value: str) -> str:
    moment = fields.as_time(value)
    return NULL if moment is None else moment.isoformat()


def _copy_time(value) -> str:
    """A wire time as COPY text, ISO 8601 with its offset (what PostgreSQL reads for a timestamptz; psycopg's own
    dumper took 1.5 µs a value), cached by its string: a call's end, creation and update are often one."""
    return _time_text(value) if isinstance(value, str) else NULL


def _copy_list(value) -> str:
    return "[]" if not value else upsert.copy_json(value)


# How each decoder's value becomes COPY text (`call_copy`), in the text psycopg's formatter writes for it: texts
# and JSON (of a list) escaped by psycopg's table, counts in digits, times in ISO 8601 or NULL.
_COPY_KIND = {
    fields.as_text: "text",
    fields.as_ident: "text",
    _or_unknown: "text",
    _clip64: "text",
    fields.as_list: "json",
    fields.as_count: "count",
    fields.as_time: "time",
}


def _compile_text() -> Callable[[dict], tuple]:
    """A record's CALL fields as COPY text, each read and decoded once, with no row of values in between and no
    adapter chosen per value (a decoder missing from _COPY_KIND stops the import):

        def text(item):
            get = item.get
            v0 = d0(get("id"))
            ...
            texts = "".join((v0, ...))  # texts and JSON: most records have nothing to escape
            if "\\\\" in texts or "\\t" in texts or ...:  # each character COPY_ESCAPES escapes
                v0 = v0.translate(ESCAPES)
                ...
            return (v0, ...)

    `str.translate` with an escape of two characters takes CPython's slow path (a dict lookup a character), which
    made this slower than psycopg's formatter when run on every value, and a regular expression's search of the
    record's texts took ten times as long as these `in` tests (2.0 against 0.2 µs)."""
    scope = {"ESCAPES": upsert.COPY_ESCAPES, "copy_list": _copy_list, "copy_time": _copy_time}
    body, escaped = [], []
    for index, reader in enumerate(CALL.columns.values()):
        kind, read = _COPY_KIND[reader.decode], f"get({reader.name!r})"
        scope[f"d{index}"] = reader.decode
        value = {"text": f"d{index}({read})", "json": f"copy_list(d{index}({read}))", "count": f"str(d{index}({read}))"}
        body.append(f"v{index} = {value[kind] if kind != 'time' else f'copy_time({read})'}")
        if kind in ("text", "json"):
            escaped.append(f"v{index}")
    values = ", ".join(f"v{index}" for index in range(len(CALL.columns)))
    source = "\n    ".join(
        [
            "def text(item):",
            "get = item.get",
            *body,
            f"texts = ''.join(({', '.join(escaped)}))",
            f"if {' or '.join(f'{chr(char)!r} in texts' for char in upsert.COPY_ESCAPES)}:",
            *(f"    {name} = {name}.translate(ESCAPES)" for name in escaped),
            f"return ({values})",
        ]
    )
    exec(compile(source + "\n", "<call copy text>", "exec"), scope)  # the source holds only names made here
    return scope["text"]


_call_text = _compile_text()


def call_copy(shop_id: int, items: list[dict], lines: dict) -> tuple[upsert.CopyRows, tuple[date, date] | None]:
    """What `call_rows` makes of ListCallLogs records, as the COPY text psycopg's formatter writes for those rows
    (byte for byte: `tests/pbx/test_ingest_encoding.py`), straight from the records, and the first and last local
    day they fall on. On PostgreSQL the fetcher process writes its pages so: 18% of its time went on building row
    tuples, 19% on psycopg adapting each value and 13% on formatting them."""
    escape = upsert.COPY_ESCAPES
    line_text = {
        eid.translate(escape): "\t".join(
            (str(pk), NULL if hotline_pk is None else str(hotline_pk), hotline_eid.translate(escape))
        )
        for eid, (pk, hotline_pk, hotline_eid) in lines.items()
    }
    no_line = f"{NULL}\t{NULL}\t"
    shop, text, as_ident, as_time, local_zone = str(shop_id), _call_text, fields.as_ident, fields.as_time, LOCAL
    out, keys, days = [], [], set()
    for item in items:
        ident = as_ident(item.get("id"))
        started = as_time(item.get("started_at"))
        if started is None or not ident:
            continue
        values = text(item)
        local = started.astimezone(local_zone)
        day = local.date()
        days.add(day)
        line = line_text.get(values[_EXTENSION], no_line)
        out.append("\t".join((shop, *values, _customer(values), line, day.isoformat(), str(local.hour))))
        keys.append((shop_id, ident))
    out.append("")
    return upsert.CopyRows.of_text("\n".join(out), keys), (min(days), max(days)) if days else None


def call_page(shop_id: int, items: list[dict], lines: dict, format: upsert.RowFormat) -> tuple:
    """ListCallLogs records as what the call statement whose `format` is given writes (COPY text on PostgreSQL,
    `call_copy`; rows elsewhere), and the first and last local day they fall on."""
    if format.copies:
        return call_copy(shop_id, items, lines)
    rows = call_rows(shop_id, items, lines)
    return format.prepare(rows), call_days(rows)


def call_pages(
    listing: Iterator[tuple[list, str]], *, shop_id: int, lines: dict, format: upsert.RowFormat
) -> Iterator[tuple]:
    """The pages of a `ListCallLogs` listing (`iter_call_log_pages`), each as (what `call_page` makes of it, the
    first and last local day it falls on, the cursor after the page, the calls listed). The fetcher runs it too."""
    for items, cursor in listing:
        yield *call_page(shop_id, items, lines, format), cursor, len(items)
