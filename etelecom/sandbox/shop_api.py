"""Sandbox handlers for `Misc/CurrentAccount` and the `Shop` service."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from .api import ANY, PARTNER, SHOP, ApiError, Call, api, check_phone, invalid, paginate
from .state import REQUEST_TTL


@api("Misc/CurrentAccount", scope=ANY)
def current_account(call: Call) -> dict:
    if call.shop is not None:
        shop = call.shop
        return {"id": shop.id, "name": shop.name, "email": shop.email, "phone": shop.phone, "type": "shop"}
    partner = call.partner
    return {"id": partner.id, "name": partner.name, "email": partner.email, "phone": partner.phone, "type": "partner"}


@api("Shop/CurrentShop", scope=SHOP)
def current_shop(call: Call) -> dict:
    """Exactly the documented answer: `id`, `image_url`, `name`, `type` (the example's zero value is `unknown`,
    the table says "Partner Shop": a shop key answers `shop`) and `website`; no email, phone or owner."""
    shop = call.state.shops[call.shop.id]
    return {"id": shop.id, "image_url": "", "name": shop.name, "type": "shop", "website": shop.website}


@api(
    "Shop/AuthorizeShop",
    scope=PARTNER,
    fields={"email": str, "phone": str, "name": str, "redirect_url": str, "shop_id": str},
    required=("redirect_url",),
)
def authorize_shop(call: Call) -> dict:
    """The answers are the docs' two samples, field for field: `shop_key` when the shop is linked, else
    `shop_request` with the login page the shop's browser goes to. No `shop_id`: that comes on the redirect."""
    state, partner, payload = call.state, call.partner, call.payload
    redirect_url = payload["redirect_url"]
    parts = urlsplit(redirect_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid("redirect_url must be an absolute http(s) URL", field="redirect_url")
    shop_id = payload.get("shop_id") or ""
    with state.lock:
        if shop_id:
            if shop_id in partner.links:
                return {
                    "code": "ok",
                    "msg": "",
                    "type": "shop_key",
                    "auth_token": partner.links[shop_id],
                    "expires_in": -1,
                }
            if shop_id not in partner.ever_linked:
                raise ApiError(
                    403,
                    "permission_denied",
                    "this shop has not authorised the partner",
                    {"reason": "shop never logged in through this partner"},
                )
            # Linked once and unlinked since: the shop has to log in again.
            token = state.start_login(partner, redirect_url=redirect_url, shop_id=shop_id)
        else:
            for name in ("email", "phone", "name"):
                if not (payload.get(name) or "").strip():
                    raise invalid(f"{name} is required", field=name)
            token = state.start_login(
                partner,
                redirect_url=redirect_url,
                email=payload["email"].strip(),
                phone=payload["phone"].strip(),
                name=payload["name"].strip(),
            )
    return {
        "code": "ok",
        "msg": "",
        "type": "shop_request",
        "auth_token": token,
        "expires_in": REQUEST_TTL,
        "auth_url": f"{call.origin}/auth/login?token={quote(token)}",
    }


@api("Shop/GetShops", scope=PARTNER, fields={"paging": dict})
def get_shops(call: Call) -> dict:
    state, partner = call.state, call.partner
    with state.lock:
        shops = [state.shops[shop_id] for shop_id in sorted(partner.links)]
        page, paging = paginate(shops, lambda shop: shop.id, call.payload)
        return {"shops": [state.shop_json(shop) for shop in page], "paging": paging}


@api(
    "Shop/CreateShopAccount",
    scope=PARTNER,
    fields={"name": str, "phone": str, "email": str},
    required=("name", "phone", "email"),
)
def create_shop_account(call: Call) -> dict:
    """The request's fields are cut off in the stored docs: the reading is AuthorizeShop's own `name`, `phone` and
    `email`. A new shop, linked to the partner at once; an email another shop has is `already_exists`. The answer
    is the documented `api_key`, `shop_key` and `shop`."""
    state, payload = call.state, call.payload
    name, email = payload["name"].strip(), payload["email"].strip()
    phone = check_phone(payload["phone"])
    if not name or len(name) > 200:
        raise invalid("name is required, at most 200 characters", field="name")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 254:
        raise invalid("email must be an email address", field="email")
    with state.lock:
        if state.shop_by_email(email) is not None:
            raise ApiError(409, "already_exists", "a shop with this email exists", {"duplicated": "email"})
        shop = state.add_shop(name=name, email=email, phone=phone)
        shop_key = state.link(call.partner, shop)
        return {"api_key": shop.api_key, "shop_key": shop_key, "shop": state.shop_json(shop)}
