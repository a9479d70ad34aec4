"""Reading eTelecom JSON defensively: alternate spellings, int64 ids as strings, ISO-8601 times, unknown enums."""

from __future__ import annotations

from datetime import UTC, datetime


def pick(data: dict, *names: str, default=None):
    """The value of the first of `names` present in `data`: the docs spell some fields two ways
    (`owner_id`/`onwer_id`, `oa_id`/`id`); the JSON examples' spelling comes first."""
    for name in names:
        if name in data and data[name] is not None:
            return data[name]
    return default


def text(data: dict, *names: str) -> str:
    value = pick(data, *names, default="")
    return value if isinstance(value, str) else str(value)


def ident(data: dict, *names: str) -> str:
    """int64 ids travel as strings; the tables type them int64 and some samples send numbers. Always a string,
    "" when absent or zero; a number written with a fraction or exponent (`1.2e3`) as its integer."""
    value = pick(data, *names, default="")
    if isinstance(value, bool):
        return ""
    if isinstance(value, float):
        value = int(value) if value.is_integer() else value
    if value in ("", 0, "0"):
        return ""
    return str(value)


def integer(data: dict, *names: str, default: int | None = None) -> int | None:
    value = pick(data, *names)
    try:
        return int(value) if value is not None and value != "" else default
    except (TypeError, ValueError):
        return default


def boolean(data: dict, *names: str) -> bool:
    return bool(pick(data, *names, default=False))


def timestamp(data: dict, *names: str) -> datetime | None:
    """ISO-8601 with offset; None for absent, empty or the zero time some samples carry."""
    value = pick(data, *names)
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.year <= 1:
        return None
    return parsed


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
