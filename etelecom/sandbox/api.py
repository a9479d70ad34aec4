"""The sandbox's method registry, request validation and error answers, shared by every service module."""

from __future__ import annotations

import base64
import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .state import Partner, ShopRecord, State

# Who may call a method: the partner's own key, or a shop (its shop_key on /v1/partner, its api_key on /v1/shop).
PARTNER = "partner"
SHOP = "shop"
ANY = "any"

MAX_PAGE = 1000


class ApiError(Exception):
    """An error answer `{"code", "msg", "meta"}` with its HTTP status."""

    def __init__(self, status: int, code: str, msg: str, meta: dict | None = None):
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.meta = meta or {}

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg, "meta": self.meta}


def invalid(msg: str, **meta) -> ApiError:
    return ApiError(400, "invalid_argument", msg, {k: str(v) for k, v in meta.items()})


@dataclass
class Call:
    """One API request, authenticated."""

    state: State
    partner: Partner | None
    shop: ShopRecord | None
    payload: dict
    origin: str  # the sandbox's own scheme://host:port, for links it hands out


@dataclass(frozen=True)
class Route:
    handler: Callable[[Call], dict]
    scope: str
    fields: dict[str, type | tuple[type, ...]]
    required: tuple[str, ...]


ROUTES: dict[str, Route] = {}


def api(name: str, *, scope: str, fields: dict | None = None, required: tuple[str, ...] = ()):
    """Register a handler for `Service/Method`. `fields` gives the JSON type of each known field (`str`, `int`,
    `bool`, `list`, `dict`, or `ID`/`INT` for the numbers the docs show both quoted and bare); a field of the wrong
    type or a missing required one is a 400 before the handler runs."""

    def register(handler):
        ROUTES[name] = Route(handler, scope, fields or {}, required)
        return handler

    return register


class _Number:
    """A number the docs show both as a JSON string and as a JSON number: int64 ids (`"oa_id": "<int64>"` in the
    examples, int64 in the tables) and `state` (`"integer"` in the ConnectOA example, integer in its table).
    Protobuf's JSON mapping, which eTelecom's API follows, takes both; the handler gets one type."""

    def __init__(self, name: str, convert):
        self.name = name
        self.convert = convert

    def __repr__(self) -> str:
        return self.name


# An int64 id: "123" or 123, handed to the handler as the string "123".
ID = _Number("an int64 id", str)
# An integer: 123 or "123", handed to the handler as 123.
INT = _Number("an integer", int)
INT64_MAX = 2**63 - 1


def number(value, kind: _Number):
    """`value` as `kind` wants it, or None when it is no such number. An empty id stays empty (no id)."""
    if kind is ID and value == "":
        return ""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        digits = value
    elif isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,19}", value):
        digits = int(value)
    else:
        return None
    if kind is ID and not 0 <= digits <= INT64_MAX:
        return None
    if kind is INT and not -(2**31) <= digits < 2**31:
        return None
    return kind.convert(digits)


def validate(route: Route, payload: dict) -> None:
    """Check the known fields' types and the required ones; numbers of `ID`/`INT` fields are converted in place."""
    for name, kind in route.fields.items():
        if name not in payload or payload[name] is None:
            continue
        if isinstance(kind, _Number):
            value = number(payload[name], kind)
            if value is None:
                raise invalid(f"{name}: expected {kind!r}", field=name)
            payload[name] = value
        elif not _is_type(payload[name], kind):
            raise invalid(f"{name}: expected {_type_name(kind)}", field=name)
    for name in route.required:
        if payload.get(name) in (None, ""):
            raise invalid(f"{name} is required", field=name)


def _is_type(value, kind) -> bool:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds:
        return False
    return isinstance(value, kinds)


def _type_name(kind) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "string", int: "integer", bool: "boolean", list: "array", dict: "object", float: "number"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


# --- times and phones -----------------------------------------------------------------------------------------


def parse_time(value, field: str) -> datetime:
    """An RFC 3339 date-time, as the docs type every time (`string<date-time>`, examples with `Z` or `+07:00`).
    One without an offset (`2026-11-01`, `2026-11-01T00:00:00`) names no instant: refused, not guessed."""
    if not isinstance(value, str):
        raise invalid(f"{field}: expected a date-time string", field=field)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise invalid(f"{field}: not an RFC 3339 date-time", field=field) from None
    if moment.tzinfo is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ].+", value):
        raise invalid(f"{field}: an RFC 3339 date-time with its offset, e.g. 2026-11-01T00:00:00+07:00", field=field)
    return moment


# A Vietnamese number as a send takes it: 0…, 84… or +84… and 9 digits (ASCII digits only).
PHONE = re.compile(r"^(0|84|\+84)[1-9][0-9]{8}$")


def phone_key(value) -> str:
    """One number whatever its form: `0912345678`, `84912345678` and `+84912345678` give the same key. Records
    keep and echo the phone as it was sent; every phone filter compares these keys."""
    text = str(value or "").strip()
    if text.startswith("+84"):
        return "0" + text[3:]
    if text.startswith("84") and len(text) in (11, 12):
        return "0" + text[2:]
    return text


def check_phone(value, field: str = "phone") -> str:
    """A phone a send takes, as it was sent (stripped of surrounding blanks)."""
    if not isinstance(value, str) or not PHONE.match(value.strip()):
        raise invalid(f"{field} must be a Vietnamese number (0xxxxxxxxx, 84xxxxxxxxx or +84xxxxxxxxx)", field=field)
    return value.strip()


# --- list filters -----------------------------------------------------------------------------------------------

# Filter kinds beside str, bool, ID and INT: a date-time bound, a phone, an array of ids or of strings.
TIME = "date-time"
PHONE_NUMBER = "phone"
IDS = "array of int64 ids"
STRINGS = "array of strings"


def filters(payload: dict, spec: dict) -> dict:
    """The `filter` object of a list call, checked against the method's documented filters: every one is applied
    or refused, none is ignored. A name the method does not document is refused. An enum (a tuple of values) takes
    its values; its zero value `unknown` (the examples send it) means no filter, like an empty string. Returns the
    filters that filter, converted: ids as strings, times as datetimes, phones as `phone_key`s."""
    given = payload.get("filter")
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise invalid("filter: expected object", field="filter")
    result = {}
    for name, value in given.items():
        field = f"filter.{name}"
        if name not in spec:
            documented = ", ".join(sorted(spec)) or "none"
            raise invalid(f"{field} is not a filter of this method (it takes {documented})", field=field)
        kind = spec[name]
        if value is None or value == "":
            continue
        if isinstance(kind, tuple):
            if not isinstance(value, str) or value not in kind:
                raise invalid(f"{field} must be one of {', '.join(kind)}", field=field)
            if value != "unknown":
                result[name] = value
        elif isinstance(kind, _Number):
            converted = number(value, kind)
            if converted is None:
                raise invalid(f"{field}: expected {kind!r}", field=field)
            result[name] = converted
        elif kind == TIME:
            result[name] = parse_time(value, field)
        elif kind == PHONE_NUMBER:
            if not isinstance(value, str):
                raise invalid(f"{field}: expected string", field=field)
            result[name] = phone_key(value)
        elif kind in (IDS, STRINGS):
            if not isinstance(value, list):
                raise invalid(f"{field}: expected an array", field=field)
            items = [number(item, ID) if kind == IDS else item for item in value]
            if any(item is None or not isinstance(item, str) for item in items):
                raise invalid(f"{field}: expected {kind}", field=field)
            if items:
                result[name] = items
        elif not _is_type(value, kind):
            raise invalid(f"{field}: expected {_type_name(kind)}", field=field)
        else:
            result[name] = value
    return result


def in_range(moment: str, bounds: dict, since: str = "date_from", until: str = "date_to") -> bool:
    """Whether a record's ISO time lies within the converted `date_from`/`date_to` bounds (both inclusive); a
    record without that time is outside any range."""
    low, high = bounds.get(since), bounds.get(until)
    if low is None and high is None:
        return True
    if not moment:
        return False
    value = datetime.fromisoformat(moment)
    return (low is None or value >= low) and (high is None or value <= high)


# --- cursor paging --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paging:
    """A request's `paging: {after, before, limit, sort}`: `after` and `before` decoded to positions."""

    after: str
    before: str
    limit: int
    sort: str
    cursor_after: str
    cursor_before: str


def page_request(payload: dict, order: str, default_limit: int = 100) -> Paging:
    """Check `paging`. `limit: 0` (the docs' examples send it) is the default page size; `after` and `before` are
    cursors this API issued (`next` and `prev`), one at a time; `sort` is the list's own order (echoed in every
    answer) or empty: the sandbox sorts no other way, and says so instead of ignoring it."""
    paging = payload.get("paging")
    if paging is None:
        paging = {}
    if not isinstance(paging, dict):
        raise invalid("paging: expected object", field="paging")
    after, before = paging.get("after") or "", paging.get("before") or ""
    for name, value in (("after", after), ("before", before)):
        if not isinstance(value, str):
            raise invalid(f"paging.{name}: expected string", field=f"paging.{name}")
    if after and before:
        raise invalid("paging: give after (a next) or before (a prev), not both", field="paging")
    limit = paging.get("limit")
    limit = 0 if limit is None else number(limit, INT)
    if limit is None or not 0 <= limit <= MAX_PAGE:
        raise invalid(
            f"paging.limit: expected an integer from 0 (the default, {default_limit}) to {MAX_PAGE}",
            field="paging.limit",
        )
    sort = paging.get("sort") or ""
    if not isinstance(sort, str):
        raise invalid("paging.sort: expected string", field="paging.sort")
    if sort and sort != order:
        raise invalid(f"paging.sort: this list is sorted by {order} only", field="paging.sort")
    return Paging(
        after=decode_cursor(after, "paging.after") if after else "",
        before=decode_cursor(before, "paging.before") if before else "",
        limit=limit or default_limit,
        sort=order,
        cursor_after=after,
        cursor_before=before,
    )


def page_response(paging: Paging, *, next_position: str | None, prev_position: str | None) -> dict:
    """The `paging` object of a list answer; `next` is empty on the last page, `prev` on the first."""
    return {
        "after": paging.cursor_after,
        "before": paging.cursor_before,
        "limit": paging.limit,
        "next": encode_cursor(next_position) if next_position is not None else "",
        "prev": encode_cursor(prev_position) if prev_position is not None else "",
        "sort": paging.sort,
    }


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, field: str = "paging.after") -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid(f"{field}: not a cursor this API issued", field=field) from None
    if not raw.startswith("pos:"):
        raise invalid(f"{field}: not a cursor this API issued", field=field)
    return raw[4:]


def paginate(items: list, key, payload: dict, order: str = "id", default_limit: int = 100) -> tuple[list, dict]:
    """A page of `items` (sorted by `key`, ascending) after or before a cursor, found by binary search; returns
    the page and its `paging` object."""
    paging = page_request(payload, order, default_limit)
    if paging.before:
        end = bisect.bisect_left(items, paging.before, key=key)
        start = max(0, end - paging.limit)
    else:
        start = bisect.bisect_right(items, paging.after, key=key) if paging.after else 0
        end = start + paging.limit
    page = items[start:end]
    if not page:
        return [], page_response(paging, next_position=None, prev_position=None)
    return page, page_response(
        paging,
        next_position=key(page[-1]) if end < len(items) else None,
        prev_position=key(page[0]) if start > 0 else None,
    )
