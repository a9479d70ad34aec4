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
    website: str = ""


@dataclass
class OARecord:
    """A connected Zalo OA. Quota and quality move when tests or the demo say so (`/_sandbox/oas/<id>`)."""

    oa_id: str
    shop_id: str
    owner_id: str
    app_id: str
    connection_id: str
    name: str
    created_at: datetime
    expires_at: datetime
    description: str = ""
    is_verified: bool = False
    connection_method: str = "direct"
    status: str = "P"
    current_quality: str = "HIGH"
    last_week_quality: str = "HIGH"
    daily_quota: int = 500
    remaining_quota: int = 500
    daily_quota_promotion: int = 0
    monthly_promotion_quota: int = 0
    remaining_monthly_promotion_quota: int = 0
    estimated_next_month_promotion_quota: int = 0
    webhook_url: str = ""
    # On Zalo's whitelist for `sending_mode: tag3` (sends past the daily quota); set with `/_sandbox/oas/<id>`.
    tag3_whitelisted: bool = False
    # The app's "Official Account Callback Url" eTelecom keeps from AuthorizeOA; RefreshToken sends Zalo back there.
    redirect_uri: str = ""
    # The consulting messages of the OA's package (`sub_quota`), used once a reply window's are (oa_api).
    consult_quota_total: int = 2000
    consult_quota_remain: int = 2000
    updated_at: datetime | None = None


@dataclass
class ZaloConsent:
    """An OA authorization waiting for the OA admin on the fake Zalo page (AuthorizeOA or RefreshToken)."""

    state: int
    shop_id: str
    app_id: str
    redirect_uri: str
    oa_id: str  # set for a renewal; a new OA gets its id when the admin approves
    expires_at: float
    code: str = ""
    oa_name: str = ""


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
        self.oas: dict[str, OARecord] = {}
        self.shop_oas: dict[str, list[str]] = {}
        self.followers: dict[str, list[dict]] = {}
        self.consents: dict[int, ZaloConsent] = {}
        # the cloud PBX (pbx_state): tenant per shop, the partners' hotlines, users and extensions per shop, calls
        self.tenants: dict = {}
        self.hotlines: dict = {}
        self.pbx_users: dict[str, dict] = {}
        self.extensions: dict[str, dict] = {}
        self.call_histories: dict = {}
        # consents, ZNS templates ((oa id, template id) -> record), journeys and messages (zns_api), per shop
        self.zns_consents: dict[str, list[dict]] = {}
        self.zns_templates: dict[tuple[str, int], dict] = {}
        self.zns_journeys: dict[str, list[dict]] = {}
        self.zns_messages: dict[str, list[dict]] = {}
        # seconds before a customer answers a consent request, and before a ZNS reaches the phone
        self.zns_timing = {"consent_reply_seconds": 2.0, "delivery_seconds": 1.0}
        # set by the app: schedules what happens later (later.Later), posts an event (Deliveries.post)
        self.later = None
        self.deliver = None
        # OA conversations (oa_api): (oa id, Zalo user id) -> the user's last interaction, and the replies sent since;
        # the consulting window's length; what each OA sent; uploads (attachment_id or token -> record)
        self.interactions: dict[tuple[str, str], datetime] = {}
        self.replies_used: dict[tuple[str, str], int] = {}
        self.consult_window = timedelta(hours=48)
        self.oa_messages: dict[str, list[dict]] = {}
        self.uploads: dict[str, dict] = {}
        # SMS Brandname (sms_api): accounts by username, messages by idOmniMess, seconds a channel takes to answer
        self.sms_accounts: dict = {}
        self.sms_messages: dict[str, dict] = {}
        self.sms_timing = {"status_seconds": 1.0}
        # webhook owner ("partner:<id>" or "shop:<id>") -> registered webhooks
        self.webhooks: dict[str, list[dict]] = {}
        # Bearer key -> (base URL kind, partner id, shop id): one lookup per request whatever the data size.
        self.keys: dict[str, tuple[str, str | None, str | None]] = {}
        self._next_id = 0
        # Emit the docs' other spelling of fields (`onwer_id` for `owner_id`, ...), for client tests.
        self.alt_spellings = False
        # How long a Zalo refresh token lasts after ConnectOA (not in the docs; Zalo's own is about 3 months).
        self.token_lifetime = timedelta(days=90)
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

    # --- Zalo OAs -------------------------------------------------------------------------------------------

    def add_oa(self, shop: ShopRecord, *, app_id: str, name: str, oa_id: str = "", **values) -> OARecord:
        now = self.now()
        oa = OARecord(
            oa_id=oa_id or self.new_id(),
            shop_id=shop.id,
            owner_id=shop.owner_id,
            app_id=app_id,
            connection_id=self.new_id(),
            name=name,
            created_at=now,
            expires_at=now + timedelta(days=90),
            **values,
        )
        self.oas[oa.oa_id] = oa
        self.shop_oas.setdefault(shop.id, []).append(oa.oa_id)
        return oa

    def remove_oa(self, oa_id: str) -> None:
        oa = self.oas.pop(oa_id)
        self.shop_oas[oa.shop_id].remove(oa_id)
        self.followers.pop(oa_id, None)

    def add_followers(self, oa: OARecord, count: int) -> None:
        rows = self.followers.setdefault(oa.oa_id, [])
        for n in range(len(rows) + 1, len(rows) + count + 1):
            rows.append(
                {
                    "id": self.new_id(),
                    "oa_id": oa.oa_id,
                    "shop_id": oa.shop_id,
                    "zl_user_id": str(8_800_000_000_000_000_000 + int(oa.oa_id[-6:]) * 10_000 + n),
                    "zl_user_id_by_app": str(7_700_000_000_000_000_000 + int(oa.oa_id[-6:]) * 10_000 + n),
                    "full_name": f"Khách hàng {n:04d}",
                    "avatar": "",
                    "avatars": {"120": "", "240": ""},
                    "gender": ("male", "female", "unknown")[n % 3],
                    "phone": f"09{int(oa.oa_id[-4:]):04d}{n:04d}",
                    "state": "unfollow" if n % 10 == 0 else "follow",
                    "has_conversation": n % 2 == 0,
                    "assigned_user_id": "",
                    "shared_info": {"name": f"Khách hàng {n:04d}", "address": "", "city": "Hồ Chí Minh"},
                    "tags_and_notes_info": {"tag_names": ["vip"] if n % 7 == 0 else [], "notes": []},
                    "created_at": iso(oa.created_at),
                    "updated_at": iso(oa.created_at),
                }
            )

    def set_follow_state(self, oa: OARecord, zl_user_id: str, state: str, at: datetime) -> None:
        """A Zalo user follows or unfollows the OA; one never seen before joins its followers."""
        rows = self.followers.setdefault(oa.oa_id, [])
        row = next((row for row in rows if row["zl_user_id"] == zl_user_id), None)
        if row is None:
            self.add_followers(oa, 1)
            row = rows[-1]
            row.update(zl_user_id=zl_user_id, zl_user_id_by_app=zl_user_id, created_at=iso(at))
        row.update(state=state, updated_at=iso(at))

    def interacted(self, oa: OARecord, zl_user_id: str, at: datetime) -> None:
        """A Zalo user wrote to, or followed, the OA: the consulting window opens again with its free replies."""
        self.interactions[(oa.oa_id, zl_user_id)] = at
        self.replies_used.pop((oa.oa_id, zl_user_id), None)

    def oa_json(self, oa: OARecord, *, full: bool) -> dict:
        """ListOA and ConnectOA omit the promotion quotas and the webhook URL; GetShopOA and UpdateShopOA carry them.
        The examples spell `onwer_id` and `oa_id`; `alt_spellings` sends the tables' `owner_id` and `id`."""
        data = {
            ("id" if self.alt_spellings else "oa_id"): oa.oa_id,
            "shop_id": oa.shop_id,
            ("owner_id" if self.alt_spellings else "onwer_id"): oa.owner_id,
            "app_id": oa.app_id,
            "connection_id": oa.connection_id,
            "connection_method": oa.connection_method,
            "status": oa.status,
            "name": oa.name,
            "description": oa.description,
            "avatar": "",
            "cover": "",
            "is_verified": oa.is_verified,
            "current_quality": oa.current_quality,
            "last_week_quality": oa.last_week_quality,
            "daily_quota": oa.daily_quota,
            "remaining_quota": oa.remaining_quota,
            "expires_at": iso(oa.expires_at),
            "created_at": iso(oa.created_at),
            "updated_at": iso(oa.updated_at or oa.created_at),
        }
        if full:
            data.update(
                daily_quota_promotion=oa.daily_quota_promotion,
                monthly_promotion_quota=oa.monthly_promotion_quota,
                remaining_monthly_promotion_quota=oa.remaining_monthly_promotion_quota,
                estimated_next_month_promotion_quota=oa.estimated_next_month_promotion_quota,
                webhook_url=oa.webhook_url,
            )
        return data

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
