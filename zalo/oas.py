"""Zalo OAs: connecting and renewing one, pointing them at the console's webhook, and the OA sync (quota,
quality, promotion quotas), with its snapshots and daily rollups."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from etelecom import (
    EtelecomError,
    NotFound,
)
from etelecom import zalo as zalo_api
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common import upsert
from shops.common.links import login_page
from shops.common.mirror import Mirror, renamed, same
from shops.crypto import encrypt
from shops.errors import Refused
from shops.models import Shop, SyncRun
from shops.selectors import syncable_shops
from shops.webhooks import Skipped, masked_url, webhook_url

from . import rollups
from .models import OASnapshot, OfficialAccount

# An OA as GetShopOA returns it.
OA = Mirror(
    {
        **same(
            "name",
            "description",
            "avatar",
            "cover",
            "is_verified",
            "app_id",
            "connection_id",
            "connection_method",
            "owner_id",
            "status",
            "current_quality",
            "last_week_quality",
            "daily_quota",
            "remaining_quota",
            "daily_quota_promotion",
            "monthly_promotion_quota",
            "remaining_monthly_promotion_quota",
            "estimated_next_month_promotion_quota",
            "expires_at",
        ),
        "webhook_url": lambda remote: masked_url(remote.webhook_url or ""),
        **renamed(etelecom_created_at="created_at", etelecom_updated_at="updated_at"),
    }
)
SNAPSHOT = (
    "status",
    "current_quality",
    "last_week_quality",
    "daily_quota",
    "remaining_quota",
    "remaining_monthly_promotion_quota",
)

RENEWAL_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class ZaloPage:
    """Zalo's permission page for the OA's admin, and the `state` Zalo sends back from it with the code."""

    url: str
    state: str

    @classmethod
    def of(cls, url: str) -> ZaloPage:
        return cls(url=url, state=zalo_api.link_state(url))


def _store(shop: Shop, remote: zalo_api.OfficialAccount, **extra) -> OfficialAccount:
    now = timezone.now()
    with transaction.atomic():
        oa, _ = OfficialAccount.objects.update_or_create(
            shop=shop,
            oa_id=remote.oa_id,
            defaults={**OA.values(remote), "synced_at": now, "missing_since": None, **extra},
        )
        values = {name: getattr(oa, name) for name in SNAPSHOT}
        OASnapshot.objects.create(oa=oa, taken_at=now, **values)
        rollups.record_oa_days(now, {oa.pk: values})
    return oa


def oa_connect_start(*, shop: Shop, user, app_id: str, app_secret: str, redirect_uri: str) -> ZaloPage:
    """`Zalo/AuthorizeOA` with the shop's key: the Zalo page the browser goes to next."""
    try:
        url = zalo_api.authorize_oa(
            shop_client(shop, Actor(user=user)), app_id=app_id, app_secret=app_secret, redirect_uri=redirect_uri
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return ZaloPage.of(login_page(url, Refused))


def oa_connect_finish(*, shop: Shop, user, code: str, state: str, oa_id: str, app_secret: str = "") -> OfficialAccount:
    """`Zalo/ConnectOA` with what Zalo sent back, then `Zalo/UpdateShopOA` to send this OA's events to the shop's
    webhook URL (its answer is the full record); stores the OA with a snapshot, the app secret encrypted, and ends a
    renewal in progress."""
    client = shop_client(shop, Actor(user=user))
    try:
        zalo_api.connect_oa(client, code=code, oa_id=oa_id, state=state)
        remote = zalo_api.update_shop_oa(client, oa_id=oa_id, webhook_url=webhook_url(shop))
    except EtelecomError as exc:
        OfficialAccount.objects.filter(shop=shop, oa_id=oa_id).update(renewal_started_at=None)
        raise Refused.of(exc) from exc
    extra = {"renewal_started_at": None}
    if app_secret:
        extra["app_secret_ciphertext"] = encrypt(app_secret)
    return _store(shop, remote, **extra)


def oa_renew_start(*, oa: OfficialAccount, user) -> ZaloPage:
    """`Zalo/RefreshToken`: a new Zalo page for the OA's admin. Refused while another renewal of this OA waits
    there: the row lock makes two clicks (or two people) take turns, and the second finds the first's mark."""
    with transaction.atomic():
        locked = OfficialAccount.objects.select_for_update().get(pk=oa.pk)
        if locked.renewal_started_at and locked.renewal_started_at > timezone.now() - RENEWAL_WINDOW:
            raise Refused(_("A renewal of this OA is already waiting on Zalo's page; finish that one first."))
        OfficialAccount.objects.filter(pk=oa.pk).update(renewal_started_at=timezone.now())
    try:
        return ZaloPage.of(
            login_page(zalo_api.refresh_token(shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id), Refused)
        )
    except (EtelecomError, Refused) as exc:
        OfficialAccount.objects.filter(pk=oa.pk).update(renewal_started_at=None)
        if isinstance(exc, EtelecomError):
            raise Refused.of(exc) from exc
        raise


def oas_point_at_webhook(*, shop: Shop, url: str, actor: Actor) -> None:
    """After the shop's webhook URL is registered (or rotated): `Zalo/UpdateShopOA` for each of its OAs."""
    client = shop_client(shop, actor)
    for oa in OfficialAccount.objects.filter(shop=shop, missing_since__isnull=True):
        _store(shop, zalo_api.update_shop_oa(client, oa_id=oa.oa_id, webhook_url=url))


def oa_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: `ListOA`, then `GetShopOA` for each OA (quota, quality, promotion quotas,
    webhook); upsert every OA, write a snapshot each, and mark OAs eTelecom no longer lists."""
    remotes = []
    with job_client(run.shop, "oa_sync") as client:
        for oa_id in zalo_api.iter_oa_ids(client):
            try:
                remotes.append(zalo_api.get_shop_oa(client, oa_id=oa_id))
            except NotFound:
                continue  # removed between the list and the read: the next cycle sees it gone
    now = timezone.now()
    with transaction.atomic():
        known = dict(OfficialAccount.objects.filter(shop=run.shop).values_list("oa_id", "missing_since"))
        updated = [*OA.fields, "synced_at", "missing_since"]
        upsert.insert(
            OfficialAccount,
            ["shop", "oa_id", "app_secret_ciphertext", *updated],
            [(run.shop.pk, remote.oa_id, "", *OA.row(remote), now, None) for remote in remotes],
            unique=["shop", "oa_id"],
            update=updated,
        )
        ids = dict(OfficialAccount.objects.filter(shop=run.shop).values_list("oa_id", "pk"))
        taken = {ids[remote.oa_id]: {name: getattr(remote, name) for name in SNAPSHOT} for remote in remotes}
        upsert.insert(
            OASnapshot,
            ["oa", "taken_at", *SNAPSHOT],
            [(oa, now, *(values[name] for name in SNAPSHOT)) for oa, values in taken.items()],
        )
        rollups.record_oa_days(now, taken)
        seen = {remote.oa_id for remote in remotes}
        missing = [oa_id for oa_id, since in known.items() if oa_id not in seen and since is None]
        OfficialAccount.objects.filter(shop=run.shop, oa_id__in=missing).update(missing_since=now)
    created = sum(1 for remote in remotes if remote.oa_id not in known)
    return {"oas": len(remotes), "created": created, "updated": len(remotes) - created, "missing": len(missing)}


class OaSync(jobs.Job):
    """One queued OA sync per active shop whose key is not known to be invalid."""

    kind, label = "oa_sync", gettext_lazy("Zalo OA sync")
    schedule_name, interval_setting = "zalo: sync OAs, quota and quality", "ZALO_OA_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops()

    @classmethod
    def work(cls, run):
        return oa_sync_work(run)


def event_oa(shop: Shop, oa_id: str) -> OfficialAccount:
    """The OA a webhook event names; Skipped when the console has not synced it yet (the next sync brings it)."""
    if not oa_id:
        raise ValueError("the event names no OA")
    oa = OfficialAccount.objects.filter(shop=shop, oa_id=oa_id[:32]).first()
    if oa is None:
        raise Skipped(f"OA {oa_id[:32]} is not in the console yet")
    return oa
