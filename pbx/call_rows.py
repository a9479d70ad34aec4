"""A `ListCallLogs` page as CallRecord rows, ready for the call upsert: run by the call sync and by its fetcher
process (`pbx.fetcher`), which is why it imports neither (no import circle between them), nor the models: the
fetcher runs without `django.setup()` (the statement's `upsert.RowFormat` is sent to it).

`CALL` declares each field of the call once: its column, its wire name and its decoder (`etelecom.fields`); the
columns worked out from others (the customer's number, the extension's and hotline's rows, the local day and hour)
follow it in `call_rows`, named in `DERIVED`. The column list, a row's values and the update list all come from
these two."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
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
        direction = values[_DIRECTION]
        customer = values[_CALLER] if direction == "in" else values[_CALLEE] if direction == "out" else ""
        local = started.astimezone(LOCAL)
        rows.append((shop_id, *values, customer, *lines.get(values[_EXTENSION], no_line), local.date(), local.hour))
    return rows


def call_days(rows: list[tuple]) -> tuple[date, date] | None:
    return (min(row[_DAY] for row in rows), max(row[_DAY] for row in rows)) if rows else None


def call_pages(
    listing: Iterator[tuple[list, str]], *, shop_id: int, lines: dict, format: upsert.RowFormat
) -> Iterator[tuple]:
    """The pages of a `ListCallLogs` listing (`iter_call_log_pages`), each as (rows ready for the call statement
    whose `format` is given, on PostgreSQL as COPY text (`upsert.CopyRows`), the first and last local day they fall
    on, the cursor after the page, the calls listed). The fetcher runs it too."""
    for items, cursor in listing:
        rows = call_rows(shop_id, items, lines)
        yield format.prepare_copy(rows), call_days(rows), cursor, len(items)
