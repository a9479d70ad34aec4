"""Account and shop calls: `Misc/CurrentAccount`, `Shop/CurrentShop`, `Shop/AuthorizeShop`, `Shop/GetShops`,
`Shop/CreateShopAccount`."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from . import fields
from .client import Client, mask

# The calls this module makes, for audit filters and documentation.
METHODS = (
    "Misc/CurrentAccount",
    "Shop/CurrentShop",
    "Shop/AuthorizeShop",
    "Shop/GetShops",
    "Shop/CreateShopAccount",
)

SHOP_REQUEST = "shop_request"
SHOP_KEY = "shop_key"


@dataclass(frozen=True, slots=True)
class Account:
    """The account a key belongs to (`Misc/CurrentAccount`; the docs list no fields, so all are optional)."""

    id: str
    name: str
    email: str
    phone: str
    type: str
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Account:
        data = data.get("account") or data
        return cls(
            id=fields.ident(data, "id"),
            name=fields.text(data, "name"),
            email=fields.text(data, "email"),
            phone=fields.text(data, "phone"),
            type=fields.text(data, "type"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Shop:
    """An eTelecom shop: `Shop/CurrentShop` answers `id`, `name`, `image_url`, `type` and `website`; the partner's
    list (`Shop/GetShops`, a `baShop`) adds the contact, the owner and the flags. What an answer lacks is empty;
    everything is kept in `raw`."""

    id: str
    name: str
    email: str
    phone: str
    owner_id: str
    code: str
    is_blocked: bool
    block_reason: str
    is_test: bool
    created_at: datetime | None
    type: str
    website: str
    image_url: str
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Shop:
        data = data.get("shop") or data
        return cls(
            id=fields.ident(data, "id", "shop_id"),
            name=fields.text(data, "name"),
            email=fields.text(data, "email"),
            phone=fields.text(data, "phone"),
            owner_id=fields.ident(data, "owner_id", "onwer_id"),
            code=fields.text(data, "code"),
            is_blocked=fields.boolean(data, "is_blocked"),
            block_reason=fields.text(data, "block_reason"),
            is_test=fields.boolean(data, "is_test"),
            created_at=fields.timestamp(data, "created_at"),
            type=fields.text(data, "type"),
            website=fields.text(data, "website"),
            image_url=fields.text(data, "image_url"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Authorization:
    """The answer of `Shop/AuthorizeShop`.

    `type` is `shop_request` (send the shop's browser to `auth_url`; `auth_token` is a short-lived request token,
    which eTelecom's redirect back carries as `token`, with the `shop_id`) or `shop_key` (`auth_token` is the
    shop_key). Any other value is kept as it came. The answer names no shop: the redirect does.
    """

    type: str
    auth_url: str
    expires_in: int | None
    auth_token: str = field(repr=False)

    @property
    def needs_login(self) -> bool:
        return self.type == SHOP_REQUEST

    @property
    def shop_key(self) -> str:
        return self.auth_token if self.type == SHOP_KEY else ""

    def __str__(self) -> str:
        return f"Authorization(type={self.type!r}, token={mask(self.auth_token)!r})"

    @classmethod
    def from_api(cls, data: dict) -> Authorization:
        return cls(
            type=fields.text(data, "type"),
            auth_url=fields.text(data, "auth_url"),
            expires_in=fields.integer(data, "expires_in"),
            auth_token=fields.text(data, "auth_token"),
        )


@dataclass(frozen=True, slots=True)
class CreatedShop:
    """The answer of `Shop/CreateShopAccount`: the new shop (`baShop`), its own `api_key` (for the shop base URL)
    and the partner's `shop_key` for it (for the partner base URL). Both keys are secrets: never shown whole."""

    shop: Shop
    api_key: str = field(repr=False)
    shop_key: str = field(repr=False)

    def __str__(self) -> str:
        return f"CreatedShop(shop={self.shop.id!r}, api_key={mask(self.api_key)!r}, shop_key={mask(self.shop_key)!r})"

    @classmethod
    def from_api(cls, data: dict) -> CreatedShop:
        shop = data.get("shop")
        return cls(
            shop=Shop.from_api(shop if isinstance(shop, dict) else {}),
            api_key=fields.text(data, "api_key"),
            shop_key=fields.text(data, "shop_key"),
        )


def current_account(client: Client) -> Account:
    return Account.from_api(client.call("Misc", "CurrentAccount"))


def current_shop(client: Client) -> Shop:
    """The shop a shop_key or shop api_key belongs to; the cheapest way to check such a key."""
    return Shop.from_api(client.call("Shop", "CurrentShop"))


def authorize_shop(
    client: Client,
    *,
    redirect_url: str,
    email: str = "",
    phone: str = "",
    name: str = "",
    shop_id: str = "",
) -> Authorization:
    """Start (email, phone, name) or finish (shop_id) connecting a shop through the partner. Never retried."""
    payload = {"redirect_url": redirect_url}
    if shop_id:
        payload["shop_id"] = shop_id
    else:
        payload.update(email=email, phone=phone, name=name)
    return Authorization.from_api(client.call("Shop", "AuthorizeShop", payload))


def iter_shops(client: Client, *, limit: int = 100) -> Iterator[Shop]:
    """Every shop the partner created or connected (`Shop/GetShops`), page by page."""
    for item in client.paginate("Shop", "GetShops", items_key="shops", limit=limit):
        yield Shop.from_api(item)


def create_shop_account(client: Client, *, name: str, phone: str, email: str) -> CreatedShop:
    """Create a shop under the partner without the shop's email login (partner key). The request's fields are
    cut off in the stored docs: the sandbox's reading is AuthorizeShop's own `name`, `phone` and `email`
    (docs/sandbox.md). A write, never retried: after a timeout, look for the shop in `iter_shops` by email."""
    payload = {"name": name, "phone": phone, "email": email}
    return CreatedShop.from_api(client.call("Shop", "CreateShopAccount", payload))
