"""Journey tokens: creating one and the journey token sync."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from etelecom import (
    EtelecomError,
)
from etelecom import zns as zns_api
from etelecom.webhook import ZaloEvent
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common.people import person
from shops.common.phones import canonical_phone
from shops.errors import Refused
from shops.models import Shop, SyncRun
from shops.webhooks import Skipped

from .models import Journey, OfficialAccount
from .oas import event_oa
from .selectors import shops_with_oa


def _journey_store(oa: OfficialAccount, remote: zns_api.Journey, **extra) -> Journey:
    values = {
        "journey_id": remote.journey_id,
        "journey_token": remote.journey_token,
        "phone": canonical_phone(remote.phone),
        "status": remote.status,
        "is_charged": remote.is_charged,
        "error_code": remote.error_code,
        "error_message": remote.error_message,
        "expires_at": remote.expires_at,
        "etelecom_created_at": remote.created_at,
        "etelecom_updated_at": remote.updated_at,
        "synced_at": timezone.now(),
        **extra,
    }
    journey, _ = Journey.objects.update_or_create(oa=oa, etelecom_id=remote.id, defaults=values)
    return journey


def journey_create(*, oa: OfficialAccount, user, phone: str, token_type: str) -> Journey:
    """`CreateJourney`: a token for one customer's delivery or trip; ZNS sent with it are billed as one."""
    try:
        remote = zns_api.create_journey(
            shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id, phone=phone, token_type=token_type
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return _journey_store(oa, remote, token_type=token_type, created_by=person(user))


def journeys_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every journey token of every OA (`ListJourneys`)."""
    count = 0
    with job_client(run.shop, "journey_sync") as client:
        for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True):
            for remote in zns_api.iter_journeys(client, oa_id=oa.oa_id):
                _journey_store(oa, remote)
                count += 1
    return {"journeys": count}


class JourneySync(jobs.Job):
    kind, label = "journey_sync", gettext_lazy("Journey token sync")
    schedule_name, interval_setting = "zalo: sync journey tokens", "ZALO_JOURNEY_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return shops_with_oa()

    @classmethod
    def work(cls, run):
        return journeys_sync_work(run)


# --- webhook events ------------------------------------------------------------------------------------------------


def journey_event(shop: Shop, data: dict) -> None:
    """`event_journey_acknowledged` (the journey token is charged) and `event_journey_time_out` (it expired)."""
    event = ZaloEvent.from_api(data)
    oa = event_oa(shop, event.oa_id)
    if not event.journey_id:
        raise ValueError("the event names no journey")
    journey = Journey.objects.filter(oa=oa, journey_id=event.journey_id[:64]).first()
    if journey is None:
        raise Skipped(f"no journey token {event.journey_id[:64]} of this OA yet")
    if event.name == "event_journey_acknowledged":
        journey.is_charged = True
        journey.save(update_fields=["is_charged"])
        return
    ended = event.at or timezone.now()
    journey.status = Journey.Status.DISABLED
    journey.expires_at = min(journey.expires_at or ended, ended)
    journey.save(update_fields=["status", "expires_at"])
