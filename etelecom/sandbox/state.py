"""The sandbox's in-memory world: partners, shops, keys and pending shop logins. One lock guards it all."""

from __future__ import annotations

import hashlib
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone

# The demo partner every data set contains; README and `.env.example` document this key.
DEMO_PARTNER_ID = "1000"
DEMO_PARTNER_KEY = "partner1000:sandbox-demo-partner"

ID_BASE = 1_150_000_000_000_000_000
LOCAL_TZ = timezone(timedelta(hours=7))
REQUEST_TTL = 900


def iso(moment: datetime) -> str:
    """eTelecom writes times in ISO-8601 with the Vietnamese offset."""
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="seconds")


@dataclass
class Partner:
    id: str
    key: str
    name: str
    email: str = ""
    phone: str = ""
    # shop id -> shop_key for every shop linked to this partner now
    links: dict[str, str] = field(default_factory=dict)
    # every shop that ever logged in through this partner (AuthorizeShop with shop_id needs it)
    ever_linked: set[str] = field(default_factory=set)


@dataclass
class ShopRecord:
    id: str
    name: str
    email: str
    phone: str
    owner_id: str
    api_key: str
    created_at: datetime
    is_blocked: bool = False
    block_reason: str = ""
    is_test: bool = False


@dataclass
class PendingLogin:
    token: str
    partner_id: str
    redirect_url: str
    email: str
    phone: str
    name: str
    shop_id: str
    expires_at: float


class State:
    """Everything the sandbox knows. Handlers take `state.lock` for any read-modify-write."""

    def __init__(self, seed: int = 0):
        self.lock = threading.RLock()
        self.seed = seed
        self.rng = random.Random(seed)
        self.partners: dict[str, Partner] = {}
        self.shops: dict[str, ShopRecord] = {}
        self.pending: dict[str, PendingLogin] = {}
        # Bearer key -> (base URL kind, partner id, shop id): one lookup per request whatever the data size.
        self.keys: dict[str, tuple[str, str | None, str | None]] = {}
        self._next_id = 0
        # Emit the docs' other spelling of fields (`onwer_id` for `owner_id`, ...), for client tests.
        self.alt_spellings = False
        self.now = lambda: datetime.now(UTC)

    # --- ids and secrets ------------------------------------------------------------------------------------

    def new_id(self) -> str:
        self._next_id += 1
        return str(ID_BASE + self._next_id)

    def secret(self, label: str) -> str:
        """A secret that is the same for the same seed and label, so demo keys are stable across restarts."""
        return hashlib.sha256(f"{self.seed}:{label}:{self.rng.random()}".encode()).hexdigest()[:32]

    # --- partners and shops ---------------------------------------------------------------------------------

    def add_partner(self, partner_id: str, key: str, name: str) -> Partner:
        partner = Partner(id=partner_id, key=key, name=name, email=f"partner{partner_id}@example.vn")
        self.partners[partner_id] = partner
        self.keys[key] = ("partner", partner_id, None)
        return partner

    def add_shop(self, *, name: str, email: str, phone: str, created_at: datetime | None = None) -> ShopRecord:
        shop_id = self.new_id()
        shop = ShopRecord(
            id=shop_id,
            name=name,
            email=email,
            phone=phone,
            owner_id=self.new_id(),
            api_key=f"shop{shop_id}:{self.secret('api_key:' + shop_id)}",
            created_at=created_at or self.now(),
        )
        self.shops[shop_id] = shop
        self.keys[shop.api_key] = ("shop", None, shop_id)
        return shop

    def link(self, partner: Partner, shop: ShopRecord) -> str:
        """Link a shop to a partner and return the shop_key (a new one on every new link)."""
        if shop.id not in partner.links:
            shop_key = f"shop{shop.id}:{self.secret('shop_key:' + partner.id + shop.id)}"
            partner.links[shop.id] = shop_key
            self.keys[shop_key] = ("partner", partner.id, shop.id)
        partner.ever_linked.add(shop.id)
        return partner.links[shop.id]

    def unlink(self, partner: Partner, shop_id: str) -> None:
        shop_key = partner.links.pop(shop_id, None)
        self.keys.pop(shop_key, None)

    def revoke_keys(self, shop_id: str) -> None:
        """Replace a shop's own api_key and every shop_key: the old ones answer 401 from now on."""
        shop = self.shops[shop_id]
        del self.keys[shop.api_key]
        shop.api_key = f"shop{shop.id}:{self.secret('api_key-revoked:' + shop.id)}"
        self.keys[shop.api_key] = ("shop", None, shop_id)
        for partner in self.partners.values():
            if shop_id in partner.links:
                self.unlink(partner, shop_id)
                self.link(partner, shop)

    def shop_by_email(self, email: str) -> ShopRecord | None:
        email = email.strip().lower()
        return next((s for s in self.shops.values() if s.email.lower() == email), None)

    # --- keys -> who is calling -----------------------------------------------------------------------------

    def resolve(self, base: str, key: str) -> tuple[Partner | None, ShopRecord | None]:
        """Who a Bearer key belongs to on a base URL. `/v1/partner` takes a partner key or a shop_key,
        `/v1/shop` a shop's own api_key."""
        kind, partner_id, shop_id = self.keys.get(key, ("", None, None))
        if kind != base:
            return None, None
        return self.partners.get(partner_id or ""), self.shops.get(shop_id or "")

    # --- pending logins (the AuthorizeShop redirect flow) ---------------------------------------------------

    def start_login(self, partner: Partner, *, redirect_url: str, email="", phone="", name="", shop_id="") -> str:
        token = f"request:{self.secret('request')}"
        self.pending[token] = PendingLogin(
            token=token,
            partner_id=partner.id,
            redirect_url=redirect_url,
            email=email,
            phone=phone,
            name=name,
            shop_id=shop_id,
            expires_at=time.monotonic() + REQUEST_TTL,
        )
        return token

    def pending_login(self, token: str) -> PendingLogin | None:
        login = self.pending.get(token)
        if login is None or login.expires_at < time.monotonic():
            self.pending.pop(token, None)
            return None
        return login

    def finish_login(self, token: str) -> tuple[PendingLogin, ShopRecord] | None:
        """The shop logged in and approved: create or find it, link it to the partner, consume the token."""
        login = self.pending_login(token)
        if login is None:
            return None
        del self.pending[token]
        shop = self.shops.get(login.shop_id) if login.shop_id else self.shop_by_email(login.email)
        if shop is None:
            shop = self.add_shop(name=login.name, email=login.email, phone=login.phone)
        self.link(self.partners[login.partner_id], shop)
        return login, shop

    # --- JSON views -----------------------------------------------------------------------------------------

    def shop_json(self, shop: ShopRecord) -> dict:
        return {
            "id": shop.id,
            "name": shop.name,
            "email": shop.email,
            "phone": shop.phone,
            ("onwer_id" if self.alt_spellings else "owner_id"): shop.owner_id,
            "code": f"S{shop.id[-6:]}",
            "image_url": "",
            "is_blocked": shop.is_blocked,
            "block_reason": shop.block_reason,
            "is_test": shop.is_test,
            "created_at": iso(shop.created_at),
        }
