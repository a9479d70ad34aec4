"""The sandbox's method registry, request validation and error answers, shared by every service module."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass

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
    """Register a handler for `Service/Method`. `fields` gives the JSON type of each known field; a field of the
    wrong type or a missing required one is a 400 before the handler runs."""

    def register(handler):
        ROUTES[name] = Route(handler, scope, fields or {}, required)
        return handler

    return register


def validate(route: Route, payload: dict) -> None:
    for name, kind in route.fields.items():
        if name in payload and payload[name] is not None and not _is_type(payload[name], kind):
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


# --- cursor paging --------------------------------------------------------------------------------------------


def page_request(payload: dict, default_limit: int = 100) -> tuple[str, int]:
    """`paging: {after, limit}` -> (position, limit). An empty-string or absent cursor is the first page."""
    paging = payload.get("paging") or {}
    if not isinstance(paging, dict):
        raise invalid("paging: expected object", field="paging")
    after = paging.get("after") or ""
    limit = paging.get("limit", default_limit)
    if not isinstance(after, str):
        raise invalid("paging.after: expected string", field="paging.after")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise invalid(f"paging.limit: expected an integer from 1 to {MAX_PAGE}", field="paging.limit")
    return (decode_cursor(after) if after else ""), limit


def page_response(position_of_last: str | None, limit: int, after: str) -> dict:
    """The `paging` object of a list answer; `next` is empty on the last page."""
    return {
        "after": after,
        "before": "",
        "limit": limit,
        "next": encode_cursor(position_of_last) if position_of_last else "",
        "prev": "",
        "sort": "",
    }


def encode_cursor(position: str) -> str:
    return base64.urlsafe_b64encode(f"pos:{position}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        raise invalid("paging.after: not a cursor this API issued", field="paging.after") from None
    if not raw.startswith("pos:"):
        raise invalid("paging.after: not a cursor this API issued", field="paging.after")
    return raw[4:]


def paginate(items: list, key, payload: dict, default_limit: int = 100) -> tuple[list, dict]:
    """Slice `items` (sorted by `key`) after the cursor; returns the page and its `paging` object."""
    position, limit = page_request(payload, default_limit)
    after = (payload.get("paging") or {}).get("after") or ""
    if position:
        items = [item for item in items if key(item) > position]
    page = items[:limit]
    last = key(page[-1]) if len(items) > limit else None
    return page, page_response(last, limit, after)
