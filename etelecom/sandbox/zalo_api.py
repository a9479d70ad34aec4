"""Sandbox handlers for the Zalo OA calls. OAs live per shop; consent goes through the fake Zalo page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from .api import SHOP, ApiError, Call, api, invalid, paginate
from .state import OARecord, ZaloConsent

CONSENT_TTL = 600


def _http_url(value: str, name: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(f"{name} must be an absolute http(s) URL", field=name)


def _own_oa(call: Call, oa_id: str) -> OARecord:
    oa = call.state.oas.get(oa_id)
    if oa is None or oa.shop_id != call.shop.id:
        raise ApiError(404, "not_found", f"no OA {oa_id} for this shop")
    return oa


def _consent_url(call: Call, consent: ZaloConsent) -> str:
    return f"{call.origin}/zalo/oa/permission?app_id={consent.app_id}&state={consent.state}"


def _start_consent(call: Call, *, app_id: str, redirect_uri: str, oa_id: str = "") -> dict:
    state = call.state
    with state.lock:
        number = state.rng.randrange(10**8, 10**9)
        consent = ZaloConsent(
            state=number,
            shop_id=call.shop.id,
            app_id=app_id,
            redirect_uri=redirect_uri,
            oa_id=oa_id,
            expires_at=time.monotonic() + CONSENT_TTL,
        )
        state.consents[number] = consent
    return {"url": _consent_url(call, consent)}


@api(
    "Zalo/AuthorizeOA",
    scope=SHOP,
    fields={"app_id": str, "app_secret": str, "redirect_uri": str},
    required=("app_id", "app_secret", "redirect_uri"),
)
def authorize_oa(call: Call) -> dict:
    payload = call.payload
    if not payload["app_id"].isdigit():
        raise invalid("app_id must be a Zalo app id (digits)", field="app_id")
    _http_url(payload["redirect_uri"], "redirect_uri")
    return _start_consent(call, app_id=payload["app_id"], redirect_uri=payload["redirect_uri"])


@api("Zalo/RefreshToken", scope=SHOP, fields={"oa_id": str}, required=("oa_id",))
def refresh_token(call: Call) -> dict:
    with call.state.lock:
        oa = _own_oa(call, call.payload["oa_id"])
        if not oa.redirect_uri:
            raise invalid("no callback URL is known for this OA's app; authorize it with AuthorizeOA", field="oa_id")
    return _start_consent(call, app_id=oa.app_id, redirect_uri=oa.redirect_uri, oa_id=oa.oa_id)


@api(
    "Zalo/ConnectOA", scope=SHOP, fields={"code": str, "oa_id": str, "state": int}, required=("code", "oa_id", "state")
)
def connect_oa(call: Call) -> dict:
    state, payload = call.state, call.payload
    with state.lock:
        consent = state.consents.get(payload["state"])
        if (
            consent is None
            or consent.expires_at < time.monotonic()
            or consent.shop_id != call.shop.id
            or not consent.code
            or consent.code != payload["code"]
            or consent.oa_id != payload["oa_id"]
        ):
            raise invalid("code, state or oa_id does not match an authorization in progress", field="code")
        del state.consents[payload["state"]]
        oa = state.oas.get(consent.oa_id) or state.add_oa(
            call.shop, app_id=consent.app_id, name=consent.oa_name, oa_id=consent.oa_id
        )
        oa.status = "P"
        oa.app_id, oa.redirect_uri = consent.app_id, consent.redirect_uri
        oa.expires_at = state.now() + state.token_lifetime
        oa.updated_at = state.now()
        return state.oa_json(oa, full=False)


def _filtered(filters: dict, allowed: dict) -> dict:
    if not isinstance(filters, dict):
        raise invalid("filter: expected object", field="filter")
    for name, value in filters.items():
        kind = allowed.get(name)
        if kind is None:
            continue
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise invalid(f"filter.{name}: wrong type", field=f"filter.{name}")
    return filters


@api("Zalo/ListOA", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_oa(call: Call) -> dict:
    state = call.state
    filters = _filtered(call.payload.get("filter") or {}, {"app_id": str, "oa_id": str, "name": str})
    with state.lock:
        oas = [state.oas[oa_id] for oa_id in sorted(state.shop_oas.get(call.shop.id, []))]
        if filters.get("app_id"):
            oas = [oa for oa in oas if oa.app_id == filters["app_id"]]
        if filters.get("oa_id"):
            oas = [oa for oa in oas if oa.oa_id == filters["oa_id"]]
        if filters.get("name"):
            oas = [oa for oa in oas if filters["name"].lower() in oa.name.lower()]
        page, paging = paginate(oas, lambda oa: oa.oa_id, call.payload)
        return {"accounts": [state.oa_json(oa, full=False) for oa in page], "paging": paging}


@api("Zalo/GetShopOA", scope=SHOP, fields={"oa_id": str}, required=("oa_id",))
def get_shop_oa(call: Call) -> dict:
    with call.state.lock:
        return call.state.oa_json(_own_oa(call, call.payload["oa_id"]), full=True)


@api("Zalo/UpdateShopOA", scope=SHOP, fields={"oa_id": str, "webhook_url": str}, required=("oa_id",))
def update_shop_oa(call: Call) -> dict:
    webhook_url = call.payload.get("webhook_url") or ""
    if webhook_url:
        _http_url(webhook_url, "webhook_url")
    with call.state.lock:
        oa = _own_oa(call, call.payload["oa_id"])
        oa.webhook_url = webhook_url
        oa.updated_at = call.state.now()
        return call.state.oa_json(oa, full=True)


@api("Zalo/ListFollowers", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_followers(call: Call) -> dict:
    state = call.state
    allowed = {"oa_id": str, "state": str, "phone": str, "name": str, "zl_user_id": str, "has_conversation": bool}
    filters = _filtered(call.payload.get("filter") or {}, allowed)
    if not filters.get("oa_id"):
        raise invalid("filter.oa_id is required", field="filter.oa_id")
    with state.lock:
        _own_oa(call, filters["oa_id"])
        rows = state.followers.get(filters["oa_id"], [])
        for name in ("state", "phone", "zl_user_id", "has_conversation"):
            if name in filters:
                rows = [row for row in rows if row[name] == filters[name]]
        if filters.get("name"):
            rows = [row for row in rows if filters["name"].lower() in row["full_name"].lower()]
        page, paging = paginate(rows, lambda row: row["id"], call.payload)
        return {"followers": page, "paging": paging}
