"""Followers of the shops' OAs: the follower sync, which keeps what the console knows of a conversation."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from etelecom import fields
from etelecom import zalo as zalo_api
from etelecom.webhook import ZaloEvent
from shops import jobs
from shops.clients import job_client
from shops.common.mirror import Mirror, renamed, same
from shops.common.phones import canonical_phone
from shops.models import Shop, SyncRun

from . import conversations
from .models import ConversationMessage, Follower, OfficialAccount
from .oas import event_oa

FOLLOWER_BATCH = 500
# A follower as ListFollowers returns it.
FOLLOWER = Mirror(
    {
        **same("zl_user_id", "full_name", "gender", "state", "has_conversation", "shared_info", "assigned_user_id"),
        "phone": lambda remote: canonical_phone(remote.phone),
        "tags": lambda remote: list(remote.tags),
        **renamed(etelecom_updated_at="updated_at"),
    }
)
# What the console knows of a conversation that eTelecom does not: kept when a follower a message or follow event
# added gives way to eTelecom's record.
CONVERSATION_FIELDS = ["last_customer_message_at", "last_message_at", "read_at"]


def followers_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every follower of every OA it has, upserted in batches."""
    now = timezone.now()
    count = 0
    with job_client(run.shop, "follower_sync") as client:
        count = _sync_followers(client, run, now)
    return {"followers": count}


def _sync_followers(client, run: SyncRun, now) -> int:
    count = 0
    for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True):
        batch = []
        for remote in zalo_api.iter_followers(client, oa_id=oa.oa_id):
            batch.append(Follower(oa=oa, etelecom_id=remote.id, synced_at=now, **FOLLOWER.values(remote)))
            if len(batch) >= FOLLOWER_BATCH:
                count += _store_followers(batch)
                batch = []
        count += _store_followers(batch)
    return count


def _store_followers(batch: list[Follower]) -> int:
    """Upsert a batch of one OA's followers; a follower a follow event added before (no eTelecom id) gives way to
    eTelecom's record."""
    if batch:
        with transaction.atomic():
            Follower.objects.bulk_create(
                batch,
                update_conflicts=True,
                unique_fields=["oa", "etelecom_id"],
                update_fields=[*FOLLOWER.fields, "synced_at"],
            )
            placeholders = Follower.objects.filter(
                oa=batch[0].oa, etelecom_id__isnull=True, zl_user_id__in=[f.zl_user_id for f in batch if f.zl_user_id]
            )
            for placeholder in placeholders.exclude(last_message_at__isnull=True):
                Follower.objects.filter(oa=placeholder.oa_id, zl_user_id=placeholder.zl_user_id).exclude(
                    pk=placeholder.pk
                ).update(**{name: getattr(placeholder, name) for name in CONVERSATION_FIELDS})
            placeholders.delete()
    return len(batch)


class FollowerSync(jobs.Job):
    kind, label = "follower_sync", gettext_lazy("Zalo follower sync")

    @classmethod
    def work(cls, run):
        return followers_sync_work(run)


# --- webhook events ------------------------------------------------------------------------------------------------


def follow_changed(shop: Shop, data: dict) -> None:
    """`follow` / `unfollow`: the follower's state; one the console has not synced yet is added without an
    eTelecom id, and the next follower sync replaces it with eTelecom's record."""
    event = ZaloEvent.from_api(data)
    oa = event_oa(shop, event.oa_id)
    if not event.user_id:
        raise ValueError("the event names no follower")
    state = "follow" if event.name == "follow" else "unfollow"
    changed = event.at or timezone.now()
    zl_user_id = event.user_id[:32]
    if not Follower.objects.filter(oa=oa, zl_user_id=zl_user_id).update(state=state, etelecom_updated_at=changed):
        Follower.objects.create(
            oa=oa, zl_user_id=zl_user_id, state=state, etelecom_updated_at=changed, synced_at=timezone.now()
        )


SHARED_INFO = ("name", "phone", "address", "city", "district", "ward")


def info_shared(shop: Shop, data: dict) -> None:
    """`user_submit_info`: the customer answered the OA's information request (`RequestUserInfo`). What they shared
    joins the follower's `shared_info`, and the answer is an interaction: the consulting window opens again."""
    sender = data.get("sender") if isinstance(data.get("sender"), dict) else {}
    recipient = data.get("recipient") if isinstance(data.get("recipient"), dict) else {}
    oa = event_oa(shop, fields.ident(data, "oa_id") or fields.ident(recipient, "id"))
    user_id = fields.ident(sender, "id")[:32]
    info = data.get("info")
    if not user_id:
        raise ValueError("the answer names no Zalo user")
    if not isinstance(info, dict):
        raise ValueError("the answer carries no info object")
    shared = {name: info[name][:255] for name in SHARED_INFO if isinstance(info.get(name), str)}
    at = ZaloEvent.from_api(data).at or timezone.now()
    with transaction.atomic():
        conversations.noted(oa, user_id, direction=ConversationMessage.Direction.IN, at=at)
        for follower in Follower.objects.select_for_update().filter(oa=oa, zl_user_id=user_id):
            follower.shared_info = {**follower.shared_info, **shared}
            follower.save(update_fields=["shared_info"])
