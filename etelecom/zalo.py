"""Zalo Official Account calls: authorization, connection, OA details (quota and quality), webhooks, followers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from . import fields
from .client import Client

METHODS = (
    "Zalo/AuthorizeOA",
    "Zalo/ConnectOA",
    "Zalo/RefreshToken",
    "Zalo/ListOA",
    "Zalo/GetShopOA",
    "Zalo/UpdateShopOA",
    "Zalo/ListFollowers",
)

# Documented codes; anything else is kept as it came (samples show "Z" and "unknown").
STATUS_CONNECTED = "P"
STATUS_DISCONNECTED = "N"
QUALITIES = ("HIGH", "MEDIUM", "LOW", "UNDEFINED")


@dataclass(frozen=True, slots=True)
class OfficialAccount:
    """An OA record (ConnectOA, ListOA, GetShopOA, UpdateShopOA). The promotion quotas and `webhook_url` come only
    with GetShopOA and UpdateShopOA: None when the answer did not carry them."""

    oa_id: str
    shop_id: str
    owner_id: str
    app_id: str
    connection_id: str
    connection_method: str
    status: str
    name: str
    description: str
    avatar: str
    cover: str
    is_verified: bool
    current_quality: str
    last_week_quality: str
    daily_quota: int | None
    remaining_quota: int | None
    daily_quota_promotion: int | None
    monthly_promotion_quota: int | None
    remaining_monthly_promotion_quota: int | None
    estimated_next_month_promotion_quota: int | None
    webhook_url: str | None
    expires_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> OfficialAccount:
        return cls(
            oa_id=fields.ident(data, "oa_id", "id"),
            shop_id=fields.ident(data, "shop_id"),
            owner_id=fields.ident(data, "onwer_id", "owner_id"),
            app_id=fields.ident(data, "app_id"),
            connection_id=fields.ident(data, "connection_id"),
            connection_method=fields.text(data, "connection_method"),
            status=fields.text(data, "status"),
            name=fields.text(data, "name"),
            description=fields.text(data, "description"),
            avatar=fields.text(data, "avatar"),
            cover=fields.text(data, "cover"),
            is_verified=fields.boolean(data, "is_verified"),
            current_quality=fields.text(data, "current_quality"),
            last_week_quality=fields.text(data, "last_week_quality"),
            daily_quota=fields.integer(data, "daily_quota"),
            remaining_quota=fields.integer(data, "remaining_quota"),
            daily_quota_promotion=fields.integer(data, "daily_quota_promotion"),
            monthly_promotion_quota=fields.integer(data, "monthly_promotion_quota"),
            remaining_monthly_promotion_quota=fields.integer(data, "remaining_monthly_promotion_quota"),
            estimated_next_month_promotion_quota=fields.integer(data, "estimated_next_month_promotion_quota"),
            webhook_url=data.get("webhook_url") if isinstance(data.get("webhook_url"), str) else None,
            expires_at=fields.timestamp(data, "expires_at"),
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


@dataclass(frozen=True, slots=True)
class Follower:
    """A Zalo user who interacted with an OA (`ListFollowers`)."""

    id: str
    oa_id: str
    zl_user_id: str
    zl_user_id_by_app: str
    full_name: str
    avatar: str
    gender: str
    phone: str
    state: str
    has_conversation: bool
    assigned_user_id: str
    tags: tuple[str, ...]
    shared_info: dict
    created_at: datetime | None
    updated_at: datetime | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_api(cls, data: dict) -> Follower:
        # The tables list a flat `tags`; the JSON nests `tags_and_notes_info.tag_names`.
        tags = data.get("tags") or (data.get("tags_and_notes_info") or {}).get("tag_names") or []
        return cls(
            id=fields.ident(data, "id"),
            oa_id=fields.ident(data, "oa_id"),
            zl_user_id=fields.ident(data, "zl_user_id"),
            zl_user_id_by_app=fields.ident(data, "zl_user_id_by_app"),
            full_name=fields.text(data, "full_name"),
            avatar=fields.text(data, "avatar"),
            gender=fields.text(data, "gender"),
            phone=fields.text(data, "phone"),
            state=fields.text(data, "state"),
            has_conversation=fields.boolean(data, "has_conversation"),
            assigned_user_id=fields.ident(data, "assigned_user_id"),
            tags=tuple(str(tag) for tag in tags if isinstance(tag, str)),
            shared_info=data.get("shared_info") if isinstance(data.get("shared_info"), dict) else {},
            created_at=fields.timestamp(data, "created_at"),
            updated_at=fields.timestamp(data, "updated_at"),
            raw=data,
        )


def authorize_oa(client: Client, *, app_id: str, app_secret: str, redirect_uri: str) -> str:
    """The Zalo link where the OA's admin grants the app access; Zalo then redirects to `redirect_uri` with
    `code`, `state` and the OA id."""
    answer = client.call(
        "Zalo", "AuthorizeOA", {"app_id": app_id, "app_secret": app_secret, "redirect_uri": redirect_uri}
    )
    return fields.text(answer, "url")


def link_state(url: str) -> str:
    """The `state` an authorization link (AuthorizeOA, RefreshToken) hands Zalo, which Zalo sends back on the
    redirect with the code: what ties a callback to the link it came from. "" when the link carries none."""
    values = parse_qs(urlsplit(url).query).get("state", [])
    return values[0] if len(values) == 1 and values[0].isascii() and values[0].isdigit() else ""


def connect_oa(client: Client, *, code: str, oa_id: str, state: int | str) -> OfficialAccount:
    """Finish the authorization with what Zalo put on the redirect. `state` is an integer in the docs."""
    state_value = int(state) if isinstance(state, str) and state.isascii() and state.isdigit() else state
    return OfficialAccount.from_api(
        client.call("Zalo", "ConnectOA", {"code": code, "oa_id": oa_id, "state": state_value})
    )


def refresh_token(client: Client, *, oa_id: str) -> str:
    """Despite its name: a new authorization link for a connected OA (renewal = consent again, then ConnectOA)."""
    return fields.text(client.call("Zalo", "RefreshToken", {"oa_id": oa_id}), "url")


def iter_oas(client: Client, *, limit: int = 100, **filters) -> Iterator[OfficialAccount]:
    """Every OA connected for the shop (`ListOA`); filters: app_id, oa_id, name, date_from, date_to."""
    payload = {"filter": filters} if filters else {}
    for item in client.paginate("Zalo", "ListOA", payload, items_key="accounts", limit=limit):
        yield OfficialAccount.from_api(item)


def iter_oa_ids(client: Client, *, limit: int = 100) -> Iterator[str]:
    """The ids `ListOA` lists, without building a record each: for syncs that read every OA with GetShopOA."""
    for item in client.paginate("Zalo", "ListOA", items_key="accounts", limit=limit):
        oa_id = fields.ident(item, "oa_id", "id")
        if oa_id:
            yield oa_id


def get_shop_oa(client: Client, *, oa_id: str) -> OfficialAccount:
    """One OA with its quality, ZNS quota, promotion quotas and webhook URL."""
    return OfficialAccount.from_api(client.call("Zalo", "GetShopOA", {"oa_id": oa_id}))


def update_shop_oa(client: Client, *, oa_id: str, webhook_url: str) -> OfficialAccount:
    """Set where eTelecom sends this OA's events ("" clears it)."""
    return OfficialAccount.from_api(client.call("Zalo", "UpdateShopOA", {"oa_id": oa_id, "webhook_url": webhook_url}))


def iter_followers(client: Client, *, oa_id: str, limit: int = 100, **filters) -> Iterator[Follower]:
    """Zalo users of one OA (`ListFollowers`); more filters: state, phone, name, tags, has_conversation, ..."""
    payload = {"filter": {"oa_id": oa_id, **filters}}
    for item in client.paginate("Zalo", "ListFollowers", payload, items_key="followers", limit=limit):
        yield Follower.from_api(item)
