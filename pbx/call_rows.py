"""A `ListCallLogs` page as CallRecord rows, ready for the call upsert: run by the call sync and by its fetcher
process (`pbx.fetcher`), which is why it imports neither (no import circle between them). The wire's times, ids
and "0" as no extension are decoded here in the shape the hot path needs: plain dicts, cached time parsing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings

from shops.common import upsert

from .models import CallRecord

LOCAL = ZoneInfo(settings.TIME_ZONE)

CALL_COLUMNS = [
    "shop",
    "etelecom_id",
    "direction",
    "call_state",
    "call_status",
    "caller",
    "callee",
    "customer_number",
    "extension",
    "hotline",
    "extension_etelecom_id",
    "hotline_etelecom_id",
    "user_etelecom_id",
    "contact_id",
    "duration",
    "started_at",
    "started_day",
    "started_hour",
    "ended_at",
    "etelecom_created_at",
    "etelecom_updated_at",
    "recording_urls",
    "call_targets",
    "note",
    "external_id",
    "external_session_id",
]
CALL_UPDATED = CALL_COLUMNS[2:]


def _time(value) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    return _parse_time(value)


@lru_cache(maxsize=4096)
def _parse_time(value: str) -> datetime | None:
    """Cached: a call's end, creation and update times are usually one string."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return None if moment.year <= 1 else moment


def _text(value) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def call_rows(shop_id: int, items: list[dict], lines: dict) -> list[tuple]:
    """ListCallLogs records as CallRecord rows in CALL_COLUMNS order. Records without an id or a start time are
    left out (they could be neither upserted nor placed on a day)."""
    rows = []
    for item in items:
        started = _time(item.get("started_at"))
        call_id = _text(item.get("id"))
        if started is None or not call_id:
            continue
        extension_eid = _text(item.get("extension_id"))
        if extension_eid == "0":
            extension_eid = ""
        extension_pk, hotline_pk, hotline_eid = lines.get(extension_eid, (None, None, ""))
        duration = item.get("duration")
        direction = _text(item.get("direction")) or "unknown"
        caller, callee = _text(item.get("caller")), _text(item.get("callee"))
        local = started.astimezone(LOCAL)
        rows.append(
            (
                shop_id,
                call_id,
                direction,
                _text(item.get("call_state")) or "unknown",
                _text(item.get("call_status")),
                caller,
                callee,
                caller if direction == "in" else callee if direction == "out" else "",
                extension_pk,
                hotline_pk,
                extension_eid,
                hotline_eid,
                "" if item.get("user_id") in ("0", 0) else _text(item.get("user_id")),
                _text(item.get("contact_id")),
                duration if isinstance(duration, int) and duration >= 0 else 0,
                started,
                local.date(),
                local.hour,
                _time(item.get("ended_at")),
                _time(item.get("created_at")),
                _time(item.get("updated_at")),
                item.get("recording_urls") if isinstance(item.get("recording_urls"), list) else [],
                item.get("call_targets") if isinstance(item.get("call_targets"), list) else [],
                _text(item.get("note")),
                _text(item.get("external_id"))[:64],
                _text(item.get("external_session_id"))[:64],
            )
        )
    return rows


def call_statement() -> upsert.Statement:
    """The upsert of call rows on (shop, eTelecom id)."""
    return upsert.Statement(CallRecord, CALL_COLUMNS, unique=["shop", "etelecom_id"], update=CALL_UPDATED)


def call_days(rows: list[tuple]) -> tuple[date, date] | None:
    index = CALL_COLUMNS.index("started_day")
    return (min(row[index] for row in rows), max(row[index] for row in rows)) if rows else None


def call_pages(listing: Iterator[tuple[list, str]], *, shop_id: int, lines: dict) -> Iterator[tuple]:
    """The pages of a `ListCallLogs` listing (`iter_call_log_pages`), each as (rows ready for the call statement, the
    first and last local day they fall on, the cursor after the page, the calls listed). The fetcher runs it too."""
    statement = call_statement()
    for items, cursor in listing:
        rows = call_rows(shop_id, items, lines)
        yield statement.prepare(rows), call_days(rows), cursor, len(items)
