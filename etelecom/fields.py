"""Reading eTelecom JSON defensively: alternate spellings, int64 ids as strings, ISO-8601 times, unknown enums.

Each decoder exists twice over one rule: `as_*(value)` decodes a value already picked out of the record (the call
sync decodes millions of raw `ListCallLogs` records with these, field by field, in its fetcher process), and the
function of the same name without `as_` picks the value by its spellings first."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


def pick(data: dict, *names: str, default=None):
    """The value of the first of `names` present in `data`: the docs spell some fields two ways
    (`owner_id`/`onwer_id`, `oa_id`/`id`); the JSON examples' spelling comes first."""
    for name in names:
        if name in data and data[name] is not None:
            return data[name]
    return default


def as_text(value) -> str:
    """A string; "" for none."""
    return value if isinstance(value, str) else "" if value is None else str(value)


def text(data: dict, *names: str) -> str:
    return as_text(pick(data, *names, default=""))


def as_ident(value) -> str:
    """int64 ids travel as strings; the tables type them int64 and some samples send numbers. Always a string,
    "" when absent or zero; a number written with a fraction or exponent (`1.2e3`) as its integer."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if value in ("", 0, "0"):
        return ""
    return str(value)


def ident(data: dict, *names: str) -> str:
    return as_ident(pick(data, *names, default=""))


def as_count(value) -> int:
    """A count or a length (a call's seconds): a non-negative integer as sent, else 0."""
    return value if type(value) is int and value >= 0 else 0


def as_list(value) -> list:
    """A JSON array as sent, else empty."""
    return value if isinstance(value, list) else []


def integer(data: dict, *names: str, default: int | None = None) -> int | None:
    value = pick(data, *names)
    try:
        return int(value) if value is not None and value != "" else default
    except (TypeError, ValueError):
        return default


def boolean(data: dict, *names: str) -> bool:
    return bool(pick(data, *names, default=False))


def as_time(value) -> datetime | None:
    """ISO-8601 with offset; None for absent, empty or the zero time some samples carry."""
    if not value or not isinstance(value, str):
        return None
    return _parse_time(value)


@lru_cache(maxsize=4096)
def _parse_time(value: str) -> datetime | None:
    """Cached: a call's end, creation and update times are usually one string, and a page's calls share many."""
    try:
        parsed = datetime.fromisoformat(value)  # "Z" too (Python 3.11)
    except ValueError:
        return None
    return None if parsed.year <= 1 else parsed


def timestamp(data: dict, *names: str) -> datetime | None:
    return as_time(pick(data, *names))


def millis(data: dict, *names: str) -> datetime | None:
    """Zalo's times: milliseconds since 1970 as a string (or a number); None for absent, zero or nonsense."""
    value = pick(data, *names)
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        return None
    try:
        moment = datetime.fromtimestamp(int(value) / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment if int(value) > 0 else None
