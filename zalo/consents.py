"""Call permission requests (consents): asking, reading back, checking, and the consent sync."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from etelecom import EtelecomError
from etelecom import zns as zns_api
from etelecom.webhook import ZaloEvent
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common import upsert
from shops.common.mirror import Mirror, renamed, same
from shops.common.people import person
from shops.common.phones import canonical_phone, normalise_phone
from shops.common.refusals import reference
from shops.errors import Refused
from shops.models import Shop, SyncRun
from shops.webhooks import Skipped

from . import rollups
from .models import Consent, OfficialAccount
from .oas import event_oa
from .outcomes import AMBIGUOUS, CLOCK_SKEW, since_last_complete
from .selectors import shops_with_oa

# A consent sync re-reads this much before its last complete run, and every request still awaiting a reply.
CONSENT_OVERLAP = timedelta(minutes=15)
# A call permission request as ListRequestConsent returns it.
CONSENT = Mirror(
    {
        "phone": lambda remote: canonical_phone(remote.phone),
        **same(
            "call_type",
            "reason_code",
            "status",
            "reply_status",
            "delivery_status",
            "delivery_time",
            "is_charged",
            "error_code",
            "error_message",
            "expires_at",
        ),
        **renamed(etelecom_user_id="user_id", etelecom_created_at="created_at", etelecom_updated_at="updated_at"),
        "day": lambda remote: rollups.local_day(remote.created_at),
        "synced_at": lambda remote: timezone.now(),
    }
)
CONSENT_BATCH = 2000


def consent_store(oa: OfficialAccount, remote: zns_api.Consent, *, recount: bool = True, **extra) -> Consent:
    """Upsert one request; with `recount`, its day's rollup is recounted in the same transaction (a caller
    storing many recounts their days once, with `rollups.refresh_consents`)."""
    with transaction.atomic():
        consent, _ = Consent.objects.update_or_create(
            oa=oa, etelecom_id=remote.id, defaults={**CONSENT.values(remote), **extra}
        )
        if recount:
            rollups.refresh_consents([(oa.pk, consent.day)])
    return consent


def consent_request(*, oa: OfficialAccount, user, phone: str, call_type: str, reason_code: str) -> Consent:
    """`RequestConsent`: the customer gets Zalo's question; the answer comes later (webhook or sync). When the
    answer is lost the request is looked for on eTelecom; not found, the person is told to wait, not to ask again."""
    client = shop_client(oa.shop, Actor(user=user))
    request = {"phone": phone, "call_type": call_type, "reason_code": reason_code}
    since = timezone.now()
    try:
        remote = zns_api.request_consent(client, oa_id=oa.oa_id, **request)
    except AMBIGUOUS as exc:
        remote = consent_read_back(client, oa=oa, since=since, **request)
        if remote is None:
            raise Refused(
                _(
                    "eTelecom's answer was lost and the request is not listed yet: it may still have gone. "
                    "Do not ask again before the next sync shows it or not."
                )
                + f" {reference(exc)}",
                exc.code,
                error=exc,
            ) from exc
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    return consent_store(oa, remote, requested_by=person(user))


def consent_read_back(
    client, *, oa: OfficialAccount, phone: str, call_type: str, reason_code: str, since
) -> zns_api.Consent | None:
    """The request eTelecom made for this phone, call type and reason since `since` (less CLOCK_SKEW), if any:
    `RequestConsent` carries no id of ours, so a request whose answer was lost is found this way. A read that
    fails finds nothing (the request stays unsettled)."""
    found = None
    try:
        for remote in zns_api.iter_consents(client, oa_id=oa.oa_id, phone=phone):
            made = remote.created_at
            same = (remote.call_type, remote.reason_code) == (call_type, reason_code)
            if same and made is not None and made >= since - CLOCK_SKEW and (found is None or made < found.created_at):
                found = remote
    except EtelecomError:
        return None
    return found


def consent_check(*, consent: Consent, user) -> Consent:
    """`CheckConsent` for the request's OA and phone: until when the OA may call, if it may."""
    try:
        check = zns_api.check_consent(
            shop_client(consent.oa.shop, Actor(user=user)), oa_id=consent.oa.oa_id, phone=consent.phone
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    now = timezone.now()
    consent.permission_until = check.expired_time if check.granted(now) else None
    consent.checked_at = now
    consent.save(update_fields=["permission_until", "checked_at"])
    return consent


def consents_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: `ListRequestConsent` since the last complete run (less an overlap), and back
    to the oldest request still awaiting a reply, whichever is earlier; upserted in batches."""
    shop = run.shop
    since = since_last_complete(shop, "consent_sync", CONSENT_OVERLAP)
    open_since = (
        Consent.objects.filter(oa__shop=shop, reply_status=Consent.Reply.AWAITING)
        .order_by("etelecom_created_at")
        .values_list("etelecom_created_at", flat=True)
        .first()
    )
    if since and open_since:
        since = min(since, open_since)
    oas = dict(OfficialAccount.objects.filter(shop=shop).values_list("oa_id", "pk"))
    statement = upsert.Statement(
        Consent,
        ["oa", "etelecom_id", *CONSENT.fields],
        unique=["oa", "etelecom_id"],
        update=CONSENT.fields,
    )
    count = skipped = 0
    batch = []
    day_at = 2 + CONSENT.fields.index("day")  # rows are (OA, eTelecom id, *CONSENT.fields)

    def store(rows: list[tuple]) -> int:
        with transaction.atomic():
            stored = statement.execute(statement.prepare(rows))
            rollups.refresh_consents({(row[0], row[day_at]) for row in rows})
        return stored

    with job_client(shop, "consent_sync") as client:
        for remote in zns_api.iter_consents(client, date_from=since):
            if remote.oa_id not in oas:
                skipped += 1  # an OA the console has not synced yet: the next OA sync brings it
                continue
            batch.append((oas[remote.oa_id], remote.id, *CONSENT.row(remote)))
            if len(batch) >= CONSENT_BATCH:
                count += store(batch)
                batch = []
    count += store(batch)
    return {"consents": count, "unknown_oa": skipped}


class ConsentSync(jobs.Job):
    kind, label = "consent_sync", gettext_lazy("Call permission sync")
    schedule_name, interval_setting = "zalo: sync call permission requests", "ZALO_CONSENT_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return shops_with_oa()

    @classmethod
    def work(cls, run):
        return consents_sync_work(run)


# --- webhook events ------------------------------------------------------------------------------------------------


def _consent(oa: OfficialAccount, phone: str) -> Consent:
    try:
        national = normalise_phone(phone)
    except ValidationError:
        raise ValueError(f"the event's phone {phone[:20]!r} is not a Vietnamese number") from None
    spellings = [national, "84" + national[1:], "+84" + national[1:]]
    requests = Consent.objects.filter(oa=oa, phone__in=spellings).order_by("-etelecom_created_at", "-pk")
    consent = requests.filter(reply_status=Consent.Reply.AWAITING).first() or requests.first()
    if consent is None:
        raise Skipped(f"no call permission request from this OA to {national} yet")
    return consent


def _save_consent(consent: Consent, fields: list[str]) -> None:
    consent.save(update_fields=fields)
    rollups.refresh_consents([(consent.oa_id, consent.day)])


def consent_sent(shop: Shop, data: dict) -> None:
    """`oa_send_consent`: the request went out (`SENT`, with its expiry) or lapsed unanswered (`EXPIRED`)."""
    event = ZaloEvent.from_api(data)
    if event.request_type not in ("SENT", "EXPIRED"):
        raise ValueError(f"request_type {event.request_type[:20]!r} is neither SENT nor EXPIRED")
    consent = _consent(event_oa(shop, event.oa_id), event.phone)
    awaiting = consent.reply_status in (Consent.Reply.AWAITING, "")
    if event.request_type == "SENT":
        consent.status = Consent.Status.SENT
        if awaiting and event.expires_at:
            consent.expires_at = event.expires_at
        _save_consent(consent, ["status", "expires_at"])
        return
    if not (awaiting or consent.reply_status == Consent.Reply.NONE):
        raise Skipped(f"the request to {consent.phone} was already answered")
    # eTelecom marks a lapsed request `NS` with its expiry at the lapse (what the consent report counts as expired).
    lapsed = event.expires_at or event.at or timezone.now()
    consent.reply_status = Consent.Reply.NONE
    consent.expires_at = lapsed
    consent.etelecom_updated_at = max(lapsed, event.at or lapsed)
    _save_consent(consent, ["reply_status", "expires_at", "etelecom_updated_at"])


def consent_replied(shop: Shop, data: dict) -> None:
    """`user_reply_consent`: `ALLOW` accepts (the OA may call until `expired_time`, 0 meaning no end); any other
    answer refuses."""
    event = ZaloEvent.from_api(data)
    if not event.user_consent:
        raise ValueError("the reply carries no user_consent")
    consent = _consent(event_oa(shop, event.oa_id), event.phone)
    answered = event.confirmed_at or event.at or timezone.now()
    accepted = event.user_consent == "ALLOW"
    consent.reply_status = Consent.Reply.ACCEPTED if accepted else Consent.Reply.REFUSED
    consent.delivery_status = Consent.Delivery.SEEN
    consent.delivery_time = consent.delivery_time or answered
    consent.etelecom_updated_at = answered
    consent.permission_until = event.expires_at if accepted else None
    fields = ["reply_status", "delivery_status", "delivery_time", "etelecom_updated_at", "permission_until"]
    _save_consent(consent, fields)
