"""Sandbox handlers for the Zalo OA calls. OAs live per shop; consent goes through the fake Zalo page."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from .api import (
    ID,
    INT,
    PHONE_NUMBER,
    SHOP,
    STRINGS,
    TIME,
    ApiError,
    Call,
    api,
    filters,
    in_range,
    invalid,
    paginate,
    phone_key,
)
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


@api("Zalo/RefreshToken", scope=SHOP, fields={"oa_id": ID}, required=("oa_id",))
def refresh_token(call: Call) -> dict:
    with call.state.lock:
        oa = _own_oa(call, call.payload["oa_id"])
        if not oa.redirect_uri:
            raise invalid("no callback URL is known for this OA's app; authorize it with AuthorizeOA", field="oa_id")
    return _start_consent(call, app_id=oa.app_id, redirect_uri=oa.redirect_uri, oa_id=oa.oa_id)


@api("Zalo/ConnectOA", scope=SHOP, fields={"code": str, "oa_id": ID, "state": INT}, required=("code", "oa_id", "state"))
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


OA_FILTERS = {"app_id": ID, "oa_id": ID, "name": str, "date_from": TIME, "date_to": TIME}


@api("Zalo/ListOA", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_oa(call: Call) -> dict:
    """`name` matches a part of the OA's name, ignoring case; the date range applies to `created_at`."""
    state = call.state
    wanted = filters(call.payload, OA_FILTERS)
    with state.lock:
        oas = [state.oas[oa_id] for oa_id in sorted(state.shop_oas.get(call.shop.id, []))]
        if "app_id" in wanted:
            oas = [oa for oa in oas if oa.app_id == wanted["app_id"]]
        if "oa_id" in wanted:
            oas = [oa for oa in oas if oa.oa_id == wanted["oa_id"]]
        if "name" in wanted:
            oas = [oa for oa in oas if wanted["name"].lower() in oa.name.lower()]
        oas = [oa for oa in oas if in_range(oa.created_at.isoformat(), wanted)]
        page, paging = paginate(oas, lambda oa: oa.oa_id, call.payload, "oa_id")
        return {"accounts": [state.oa_json(oa, full=False) for oa in page], "paging": paging}


@api("Zalo/GetShopOA", scope=SHOP, fields={"oa_id": ID}, required=("oa_id",))
def get_shop_oa(call: Call) -> dict:
    with call.state.lock:
        return call.state.oa_json(_own_oa(call, call.payload["oa_id"]), full=True)


@api("Zalo/UpdateShopOA", scope=SHOP, fields={"oa_id": ID, "webhook_url": str}, required=("oa_id",))
def update_shop_oa(call: Call) -> dict:
    webhook_url = call.payload.get("webhook_url") or ""
    if webhook_url:
        _http_url(webhook_url, "webhook_url")
    with call.state.lock:
        oa = _own_oa(call, call.payload["oa_id"])
        oa.webhook_url = webhook_url
        oa.updated_at = call.state.now()
        return call.state.oa_json(oa, full=True)


FOLLOWER_FILTERS = {
    "oa_id": ID,
    "assigned_user_id": ID,
    "date_from": TIME,
    "date_to": TIME,
    "gender": ("unknown", "male", "female", "other"),
    "has_conversation": bool,
    "name": str,
    "phone": PHONE_NUMBER,
    "state": ("follow", "unfollow"),
    "tags": STRINGS,
    "zl_user_id": str,
    "zl_user_ids": STRINGS,
}


@api("Zalo/ListFollowers", scope=SHOP, fields={"filter": dict, "paging": dict})
def list_followers(call: Call) -> dict:
    """Every documented filter: `name` matches a part of the name ignoring case, `tags` a follower with any of
    them, `zl_user_ids` any of them, the date range the follower's last update (`updated_at`)."""
    state = call.state
    wanted = filters(call.payload, FOLLOWER_FILTERS)
    if "oa_id" not in wanted:
        raise invalid("filter.oa_id is required", field="filter.oa_id")
    checks = [lambda row: in_range(row["updated_at"], wanted)]
    for name in ("state", "gender", "zl_user_id", "has_conversation", "assigned_user_id"):
        if name in wanted:
            checks.append(lambda row, name=name: row[name] == wanted[name])
    if "phone" in wanted:
        checks.append(lambda row: phone_key(row["phone"]) == wanted["phone"])
    if "name" in wanted:
        checks.append(lambda row: wanted["name"].lower() in row["full_name"].lower())
    if "tags" in wanted:
        checks.append(lambda row: bool(set(wanted["tags"]) & set(row["tags_and_notes_info"]["tag_names"])))
    if "zl_user_ids" in wanted:
        checks.append(lambda row: row["zl_user_id"] in wanted["zl_user_ids"])
    with state.lock:
        _own_oa(call, wanted["oa_id"])
        rows = [row for row in state.followers.get(wanted["oa_id"], []) if all(check(row) for check in checks)]
        page, paging = paginate(rows, lambda row: row["id"], call.payload)
        return {"followers": page, "paging": paging}
