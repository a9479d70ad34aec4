"""Named data sets the sandbox can load: `empty`, `demo` (what `make run` shows), and `generated` (sized by
params, for tests and benchmarks). Later services add their own data to these builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from . import pbx_api, sms_api, zns_api
from .pbx_state import CallHistory
from .state import DEMO_PARTNER_ID, DEMO_PARTNER_KEY, State

DEMO_SHOPS = [
    # name, email, phone, linked to the demo partner
    ("Nhà thuốc An Khang Quận 1", "ankhang.q1@example.vn", "0901000001", True),
    ("Thời trang Hoa Mai", "hoamai@example.vn", "0901000002", True),
    ("Điện máy Sài Gòn", "dienmay.sg@example.vn", "0901000003", True),
    ("Nha khoa Nụ Cười", "nucuoi@example.vn", "0901000004", True),
    ("Phở Hà Nội 36", "pho36@example.vn", "0901000005", True),
    ("Spa Thảo Mộc", "thaomoc@example.vn", "0901000006", True),
    ("Siêu thị Mini Bình Thạnh", "minimart.bt@example.vn", "0901000007", True),
    ("Trung tâm Anh ngữ Sao Việt", "saoviet@example.vn", "0901000008", True),
    ("Gara Ô tô Thành Công", "garathanhcong@example.vn", "0901000009", True),
    ("Bất động sản Phú Gia", "phugia@example.vn", "0901000010", False),
    ("Khách sạn Biển Xanh", "bienxanh@example.vn", "0901000011", False),
    ("Cửa hàng thử nghiệm", "test.shop@example.vn", "0901000012", False),
]

EPOCH = datetime(2025, 1, 6, 2, 0, tzinfo=UTC)
DEMO_APP_ID = "4318123456789012345"

# Per demo shop (by position among the linked ones): its OAs as (name suffix, changes), showing every health case.
DEMO_OAS = [
    [("Chăm sóc khách hàng", {}), ("Khuyến mãi", {"current_quality": "MEDIUM", "remaining_quota": 35})],
    [("Tư vấn", {"current_quality": "LOW", "last_week_quality": "MEDIUM", "expires_in_days": 5})],
    [("Thông báo", {"status": "N"})],
    [("Lịch hẹn", {}), ("Nhắc lịch", {"current_quality": "UNDEFINED", "last_week_quality": "UNDEFINED"})],
    [("Đơn hàng", {"current_quality": "unknown", "last_week_quality": "unknown"})],
    [("Hỗ trợ", {"remaining_quota": 0})],
]
QUOTA_FIELDS = (
    "consult_quota_total",
    "consult_quota_remain",
    "daily_quota",
    "remaining_quota",
    "daily_quota_promotion",
    "monthly_promotion_quota",
    "remaining_monthly_promotion_quota",
    "estimated_next_month_promotion_quota",
)


def empty(state: State, params: dict) -> None:
    state.add_partner(DEMO_PARTNER_ID, DEMO_PARTNER_KEY, "Đối tác Demo")


# With `history_days`, each demo OA also has this many answered call permission requests and sent ZNS a day.
DEMO_CONSENTS_PER_DAY = 4
DEMO_MESSAGES_PER_DAY = 25


def demo(state: State, params: dict) -> None:
    """The demo shops. With `history_days`, each OA has that many days of answered call permission requests and
    sent ZNS behind it, for the reports (`make run` asks for 30; tests start without)."""
    history_days = _count(params, "history_days", 0, 366)
    empty(state, params)
    partner = state.partners[DEMO_PARTNER_ID]
    linked_shops = []
    for index, (name, email, phone, linked) in enumerate(DEMO_SHOPS):
        shop = state.add_shop(name=name, email=email, phone=phone, created_at=EPOCH + timedelta(days=7 * index))
        shop.is_test = email.startswith("test.")
        if linked:
            state.link(partner, shop)
            linked_shops.append(shop)
            sms_api.add_account(state, shop.id)
    for shop, oas in zip(linked_shops, DEMO_OAS, strict=False):
        for suffix, changes in oas:
            oa = state.add_oa(shop, app_id=DEMO_APP_ID, name=f"{shop.name} – {suffix}", is_verified=True)
            oa.daily_quota_promotion, oa.monthly_promotion_quota = 50, 1500
            oa.remaining_monthly_promotion_quota, oa.estimated_next_month_promotion_quota = 1200, 1500
            update_oa(state, oa, {"remaining_quota": 420, **changes})
            state.add_followers(oa, 12)
            add_interactions(state, oa)
            for template_id, kind in DEMO_TEMPLATES:
                state.zns_templates[(oa.oa_id, template_id)] = zns_api.template_for(state, oa, template_id, kind)
            if history_days:
                zns_api.add_answered_consents(state, oa, DEMO_CONSENTS_PER_DAY * history_days, days=history_days)
                zns_api.add_sent_messages(state, oa, DEMO_MESSAGES_PER_DAY * history_days, days=history_days)
    for number, (shop, calls) in enumerate(zip(linked_shops, DEMO_PBX_CALLS, strict=False), start=1):
        add_pbx(state, partner, shop, number=number, extensions=4, calls=calls)


# ZNS templates every demo OA has registered: (Zalo template id, type); ids ending in 9 are still under review.
DEMO_TEMPLATES = [(410001, "text"), (410002, "otp"), (410003, "table"), (410009, "text")]

# Demo shops (by position among the linked ones) with a cloud PBX, and how many calls each has had.
DEMO_PBX_CALLS = [2_400, 1_200, 600]
DEMO_STAFF = ["Nguyễn Thị Lan", "Trần Văn Minh", "Lê Hoàng Yến", "Phạm Quốc Bảo"]


def add_interactions(state: State, oa) -> None:
    """The followers with a conversation wrote to the OA lately: every fourth one three days ago (its consulting
    window is closed), the others one to twelve hours ago (open)."""
    now = state.now()
    for number, row in enumerate(state.followers.get(oa.oa_id, []), start=1):
        if row["has_conversation"]:
            ago = timedelta(days=3) if number % 4 == 0 else timedelta(hours=number)
            state.interacted(oa, row["zl_user_id"], now - ago)


def add_pbx(state: State, partner, shop, *, number: int, extensions: int, calls: int, days: int = 60) -> None:
    """An activated tenant with two hotlines, a staff user per extension (the last extension has none), and a
    call history of `calls` calls over the last `days` days."""
    tenant = pbx_api.create_tenant_for(state, shop, partner.id)
    hotlines = []
    for n, network in enumerate(("viettel", "mobifone"), start=1):
        hotline = pbx_api.add_hotline_for(
            state,
            partner.id,
            number=f"028{number:04d}{n:03d}",
            name=f"{shop.name} – hotline {n}",
            network=network,
            owner_id=tenant.owner_id,
        )
        hotline.tenant_id, hotline.status, hotline.connection_id = tenant.id, "P", tenant.connection_id
        hotlines.append(hotline)
    tenant.status = "P"
    lines = []
    for n in range(extensions):
        user_id = ""
        if n < extensions - 1 or extensions == 1:
            name = DEMO_STAFF[n % len(DEMO_STAFF)]
            user_id = pbx_api.add_user_for(state, shop, full_name=name, phone=f"09{number:04d}{n:04d}").id
        hotline = hotlines[n % len(hotlines)]
        extension = pbx_api.add_extension_for(
            state, shop, tenant, number=str(101 + n), hotline_id=hotline.id, user_id=user_id
        )
        lines.append((extension.id, extension.extension_number, user_id, hotline.id, hotline.hotline))
    set_call_history(state, shop.id, calls=calls, days=days, lines=lines, number=number)


def set_call_history(state: State, shop_id: str, *, calls: int, days: int, lines=None, number=None) -> CallHistory:
    """Replace a shop's call history with `calls` generated calls ending now, over `days` days."""
    old = state.call_histories.get(shop_id)
    if lines is None:
        lines = old.extensions if old else []
    if number is None:
        number = old.number if old else len(state.call_histories) + 1
    history = CallHistory(
        number=number,
        seed=state.seed,
        generated=calls,
        end=state.now(),
        span=timedelta(days=days),
        extensions=list(lines),
    )
    state.call_histories[shop_id] = history
    return history


def _count(params: dict, name: str, default: int, most: int) -> int:
    value = params.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= most:
        raise ValueError(f"params.{name} is an integer from 0 to {most}")
    return value


def generated(state: State, params: dict) -> None:
    """`shops` linked shops, each with `oas_per_shop` OAs (seeded quota and quality) and `followers_per_oa`; with
    `templates_per_oa`, each OA has the first that many demo ZNS templates, with `consents_per_oa` that many
    answered call permission requests; with
    `calls_per_shop`, each also has a PBX with `extensions_per_shop` extensions and that many calls over
    `call_days` days; the first `sms_accounts` shops have an SMS Brandname account."""
    shops = _count(params, "shops", 10, 100_000)
    oas_per_shop = _count(params, "oas_per_shop", 0, 1_000)
    followers_per_oa = _count(params, "followers_per_oa", 0, 100_000)
    calls_per_shop = _count(params, "calls_per_shop", 0, 100_000_000)
    extensions_per_shop = _count(params, "extensions_per_shop", 4, 1_000)
    call_days = _count(params, "call_days", 365, 10_000)
    templates_per_oa = _count(params, "templates_per_oa", 0, len(DEMO_TEMPLATES))
    consents_per_oa = _count(params, "consents_per_oa", 0, 1_000_000)
    sms_accounts = _count(params, "sms_accounts", 0, 100_000)
    empty(state, params)
    partner = state.partners[DEMO_PARTNER_ID]
    qualities = ("HIGH", "HIGH", "HIGH", "MEDIUM", "LOW", "UNDEFINED")
    for n in range(1, shops + 1):
        shop = state.add_shop(
            name=f"Cửa hàng {n:05d}",
            email=f"shop{n:05d}@example.vn",
            phone=f"09{n:08d}",
            created_at=EPOCH + timedelta(minutes=n),
        )
        state.link(partner, shop)
        if n <= sms_accounts:
            sms_api.add_account(state, shop.id)
        for m in range(1, oas_per_shop + 1):
            daily = state.rng.choice((500, 1000, 2000))
            oa = state.add_oa(
                shop,
                app_id=DEMO_APP_ID,
                name=f"OA {n:05d}-{m:03d}",
                daily_quota=daily,
                remaining_quota=state.rng.randrange(daily + 1),
                current_quality=state.rng.choice(qualities),
                last_week_quality=state.rng.choice(qualities),
            )
            state.add_followers(oa, followers_per_oa)
            for template_id, kind in DEMO_TEMPLATES[:templates_per_oa]:
                state.zns_templates[(oa.oa_id, template_id)] = zns_api.template_for(state, oa, template_id, kind)
            zns_api.add_answered_consents(state, oa, consents_per_oa)
        if calls_per_shop:
            add_pbx(
                state,
                partner,
                shop,
                number=n,
                extensions=max(extensions_per_shop, 1),
                calls=calls_per_shop,
                days=call_days,
            )


def update_oa(state: State, oa, changes: dict) -> None:
    """Apply control-endpoint changes to an OA; raises ValueError with a reason."""
    if not isinstance(changes, dict):
        raise ValueError("changes must be an object")
    allowed = {
        *QUOTA_FIELDS,
        "current_quality",
        "last_week_quality",
        "status",
        "expires_in_days",
        "is_verified",
        "name",
        "tag3_whitelisted",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"unknown OA fields: {', '.join(sorted(unknown))}")
    for name in QUOTA_FIELDS:
        if name in changes and (
            not isinstance(changes[name], int) or isinstance(changes[name], bool) or changes[name] < 0
        ):
            raise ValueError(f"{name} is an integer of at least 0")
    for name in ("current_quality", "last_week_quality", "status", "name"):
        if name in changes and not isinstance(changes[name], str):
            raise ValueError(f"{name} is a string")
    for name in ("is_verified", "tag3_whitelisted"):
        if name in changes and not isinstance(changes[name], bool):
            raise ValueError(f"{name} is true or false")
    if "expires_in_days" in changes and not isinstance(changes["expires_in_days"], int | float):
        raise ValueError("expires_in_days is a number")
    for name, value in changes.items():
        if name == "expires_in_days":
            oa.expires_at = state.now() + timedelta(days=value)
        else:
            setattr(oa, name, value)
    oa.updated_at = state.now()


DATASETS: dict[str, Callable[[State, dict], None]] = {"empty": empty, "demo": demo, "generated": generated}


def load(state: State, name: str, params: dict) -> None:
    builder = DATASETS.get(name)
    if builder is None:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    with state.lock:
        builder(state, params)


def credentials(state: State) -> dict:
    """Sandbox-only: every shop with its keys, so the demo loader and tests can act as a shop would."""
    with state.lock:
        links = {shop_id: (p.id, key) for p in state.partners.values() for shop_id, key in p.links.items()}
        return {
            "shops": [
                {
                    "id": shop.id,
                    "name": shop.name,
                    "email": shop.email,
                    "api_key": shop.api_key,
                    "partner_id": links.get(shop.id, ("", ""))[0],
                    "shop_key": links.get(shop.id, ("", ""))[1],
                }
                for shop in state.shops.values()
            ]
        }
