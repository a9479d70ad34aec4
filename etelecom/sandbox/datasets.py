"""Named data sets the sandbox can load: `empty`, `demo` (what `make run` shows), and `generated` (sized by
params, for tests and benchmarks). Later services add their own data to these builders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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


def empty(state: State, params: dict) -> None:
    state.add_partner(DEMO_PARTNER_ID, DEMO_PARTNER_KEY, "Đối tác Demo")


def demo(state: State, params: dict) -> None:
    empty(state, params)
    partner = state.partners[DEMO_PARTNER_ID]
    for index, (name, email, phone, linked) in enumerate(DEMO_SHOPS):
        shop = state.add_shop(name=name, email=email, phone=phone, created_at=EPOCH + timedelta(days=7 * index))
        shop.is_test = email.startswith("test.")
        if linked:
            state.link(partner, shop)


def generated(state: State, params: dict) -> None:
    shops = params.get("shops", 10)
    if not isinstance(shops, int) or not 0 <= shops <= 100_000:
        raise ValueError("params.shops is an integer from 0 to 100000")
    empty(state, params)
    partner = state.partners[DEMO_PARTNER_ID]
    for n in range(1, shops + 1):
        shop = state.add_shop(
            name=f"Cửa hàng {n:05d}",
            email=f"shop{n:05d}@example.vn",
            phone=f"09{n:08d}",
            created_at=EPOCH + timedelta(minutes=n),
        )
        state.link(partner, shop)


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
