"""Writes to the zalo app and its calls to eTelecom: OAs and their quota and quality history, followers, call
permission requests, ZNS templates, sends and message history, journey tokens, and their webhook handlers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import (
    ConnectionFailed,
    EtelecomError,
    InvalidResponse,
    NotFound,
    RequestTimeout,
    ResponseError,
    ServerError,
)
from etelecom import zalo as zalo_api
from etelecom import zns as zns_api
from shops import bulk
from shops.clients import Actor, job_client, shop_client
from shops.crypto import encrypt
from shops.links import login_page
from shops.messages import describe_error, reference
from shops.mirror import Mirror, renamed, same
from shops.models import Shop, SyncRun
from shops.phones import canonical_phone
from shops.webhooks import masked_url, webhook_url

from . import rollups
from .models import Consent, Follower, Journey, Message, OASnapshot, OfficialAccount, ZnsTemplate

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
FOLLOWER_BATCH = 500
FOLLOWER_FIELDS = [
    "zl_user_id",
    "full_name",
    "phone",
    "gender",
    "state",
    "has_conversation",
    "tags",
    "shared_info",
    "assigned_user_id",
    "etelecom_updated_at",
    "synced_at",
]
# What the console knows of a conversation that eTelecom does not: kept when a follower a message or follow event
# added gives way to eTelecom's record.
CONVERSATION_FIELDS = ["last_customer_message_at", "last_message_at", "read_at"]


RENEWAL_WINDOW = timedelta(minutes=15)


class OAConnectError(Exception):
    """Connecting or renewing an OA ended without a connected OA; the message is for the person who tried."""


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
        raise OAConnectError(describe_error(exc)) from exc
    return ZaloPage.of(login_page(url, OAConnectError))


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
        raise OAConnectError(describe_error(exc)) from exc
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
            raise OAConnectError(_("A renewal of this OA is already waiting on Zalo's page; finish that one first."))
        OfficialAccount.objects.filter(pk=oa.pk).update(renewal_started_at=timezone.now())
    try:
        return ZaloPage.of(
            login_page(zalo_api.refresh_token(shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id), OAConnectError)
        )
    except (EtelecomError, OAConnectError) as exc:
        OfficialAccount.objects.filter(pk=oa.pk).update(renewal_started_at=None)
        if isinstance(exc, EtelecomError):
            raise OAConnectError(describe_error(exc)) from exc
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
        bulk.insert(
            OfficialAccount,
            ["shop", "oa_id", "app_secret_ciphertext", *updated],
            [(run.shop.pk, remote.oa_id, "", *OA.row(remote), now, None) for remote in remotes],
            unique=["shop", "oa_id"],
            update=updated,
        )
        ids = dict(OfficialAccount.objects.filter(shop=run.shop).values_list("oa_id", "pk"))
        taken = {ids[remote.oa_id]: {name: getattr(remote, name) for name in SNAPSHOT} for remote in remotes}
        bulk.insert(
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
            batch.append(
                Follower(
                    oa=oa,
                    etelecom_id=remote.id,
                    zl_user_id=remote.zl_user_id,
                    full_name=remote.full_name,
                    phone=canonical_phone(remote.phone),
                    gender=remote.gender,
                    state=remote.state,
                    has_conversation=remote.has_conversation,
                    tags=list(remote.tags),
                    shared_info=remote.shared_info,
                    assigned_user_id=remote.assigned_user_id,
                    etelecom_updated_at=remote.updated_at,
                    synced_at=now,
                )
            )
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
                update_fields=FOLLOWER_FIELDS,
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


# --- consents and ZNS templates -----------------------------------------------------------------------------

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


class ZnsError(Exception):
    """eTelecom refused or could not do a consent or ZNS action; the message is for the person who tried, `code`
    is eTelecom's and `error` the eTelecom error itself (a bulk run holds rows on a 429, stops on a 401)."""

    def __init__(self, message: str, code: str = "", *, error: EtelecomError | None = None):
        super().__init__(message)
        self.code = code
        self.error = error


def _refused(exc: EtelecomError) -> ZnsError:
    return ZnsError(describe_error(exc), exc.code, error=exc)


# Errors after which eTelecom may or may not have done a write: settled by reading back, never by writing again.
# A 200 carrying an error code is one of them: eTelecom answered after the write may have happened.
AMBIGUOUS = (RequestTimeout, ServerError, ConnectionFailed, InvalidResponse, ResponseError)
# A send still unconfirmed this long after it was made, and not found by reading back, was not sent.
UNCONFIRMED_AFTER = timedelta(minutes=30)
# eTelecom's clock against ours, when a request is looked for among those made since we sent it.
CLOCK_SKEW = timedelta(minutes=2)


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
            raise ZnsError(
                _(
                    "eTelecom's answer was lost and the request is not listed yet: it may still have gone. "
                    "Do not ask again before the next sync shows it or not."
                )
                + f" {reference(exc)}",
                exc.code,
                error=exc,
            ) from exc
    except EtelecomError as exc:
        raise _refused(exc) from exc
    return consent_store(oa, remote, requested_by=user if user and user.is_authenticated else None)


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
        raise _refused(exc) from exc
    now = timezone.now()
    consent.permission_until = check.expired_time if check.granted(now) else None
    consent.checked_at = now
    consent.save(update_fields=["permission_until", "checked_at"])
    return consent


def _since(shop: Shop, kind: str, overlap: timedelta):
    """The start of the last complete run of `kind` for the shop, less `overlap`; None before the first."""
    last = (
        SyncRun.objects.filter(shop=shop, kind=kind, status=SyncRun.Status.SUCCEEDED)
        .order_by("-started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    return last - overlap if last else None


def consents_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: `ListRequestConsent` since the last complete run (less an overlap), and back
    to the oldest request still awaiting a reply, whichever is earlier; upserted in batches."""
    shop = run.shop
    since = _since(shop, "consent_sync", CONSENT_OVERLAP)
    open_since = (
        Consent.objects.filter(oa__shop=shop, reply_status=Consent.Reply.AWAITING)
        .order_by("etelecom_created_at")
        .values_list("etelecom_created_at", flat=True)
        .first()
    )
    if since and open_since:
        since = min(since, open_since)
    oas = dict(OfficialAccount.objects.filter(shop=shop).values_list("oa_id", "pk"))
    statement = bulk.Statement(
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


def _template_params(remote: zns_api.Template) -> list[dict]:
    return [
        {
            "name": p.name,
            "type": p.type,
            "require": p.require,
            "accept_null": p.accept_null,
            "min_length": p.min_length,
            "max_length": p.max_length,
        }
        for p in remote.params
    ]


# A ZNS template as ListTemplates or GetTemplate returns it.
TEMPLATE = Mirror(
    {
        **same(
            "type",
            "status",
            "quality",
            "tag",
            "price",
            "timeout",
            "apply_template_quota",
            "daily_quota",
            "remaining_quota",
            "preview_url",
            "is_journey",
        ),
        **renamed(name="template_name", etelecom_created_at="created_at", etelecom_updated_at="updated_at"),
        "params": _template_params,
        "synced_at": lambda remote: timezone.now(),
    }
)


def template_register(*, oa: OfficialAccount, user, template_id: int, type: str) -> ZnsTemplate:
    """`CreateTemplate`: a template made and approved on Zalo's side becomes usable through eTelecom."""
    try:
        remote = zns_api.create_template(
            shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id, template_id=template_id, type=type
        )
    except EtelecomError as exc:
        raise _refused(exc) from exc
    template, _ = ZnsTemplate.objects.update_or_create(
        oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
    )
    return template


def templates_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every template of every OA (`ListTemplates` answers full records)."""
    oas = {oa.oa_id: oa for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True)}
    count = 0
    with job_client(run.shop, "template_sync") as client:
        for oa_id, oa in oas.items():
            for remote in zns_api.iter_templates(client, oa_id=oa_id):
                ZnsTemplate.objects.update_or_create(
                    oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
                )
                count += 1
    return {"templates": count, "oas": len(oas)}


# --- sending ZNS and the message history --------------------------------------------------------------------

MESSAGE_OVERLAP = timedelta(minutes=15)


# A ZNS message as ListMessages, a send's answer or a status read returns it: what it changes on its row.
MESSAGE = Mirror(
    {
        **same(
            "msg_id",
            "type",
            "status",
            "delivery_status",
            "delivery_time",
            "sent_time",
            "error_code",
            "error_message",
            "fee_main",
            "fee_token",
            "is_charged",
            "is_development",
            "sending_mode",
            "journey_id",
            "template_data",
            "note",
            "submit_time",
        ),
        **renamed(etelecom_id="id", template_id_sent="template_id", etelecom_updated_at="updated_at"),
        "phone": lambda remote: canonical_phone(remote.phone),
        "request_time": lambda remote: remote.request_time or remote.created_at,
        "rate": lambda remote: remote.rate or None,
        "feedback": lambda remote: list(remote.feedback),
        "synced_at": lambda remote: timezone.now(),
        "send_state": lambda remote: Message.SendState.SENT,
    }
)


def message_store(oa: OfficialAccount, remote: zns_api.Message, *, template: ZnsTemplate | None = None) -> Message:
    """Upsert a message eTelecom reported: by our tracking id when it carries one, else by eTelecom's id."""
    values = MESSAGE.values(remote)
    values["template"] = template or ZnsTemplate.objects.filter(oa=oa, template_id=remote.template_id).first()
    key = {"tracking_id": remote.tracking_id} if remote.tracking_id else {"etelecom_id": remote.id}
    day = rollups.local_day(remote.request_time or remote.sent_time or remote.created_at)
    message, _ = Message.objects.update_or_create(oa=oa, **key, defaults=values, create_defaults={**values, "day": day})
    return message


def new_message(
    *,
    template: ZnsTemplate,
    phone: str,
    data: dict[str, str],
    user=None,
    development=False,
    journey_id="",
    tracking_id="",
    sending_mode="",
) -> Message:
    """The row a send is recorded in before eTelecom is called (unsaved)."""
    return Message(
        oa=template.oa,
        template=template,
        template_id_sent=template.template_id,
        tracking_id=tracking_id or uuid.uuid4().hex,
        send_state=Message.SendState.SENDING,
        phone=phone,
        template_data=data,
        is_development=development,
        sending_mode=sending_mode,
        journey_id=journey_id,
        sent_by=user if user and user.is_authenticated else None,
        day=rollups.local_day(None),
    )


def zns_send(
    *,
    template: ZnsTemplate,
    phone: str,
    data: dict[str, str],
    user,
    development: bool = False,
    journey_id: str = "",
    sending_mode: str = "",
) -> Message:
    """Send one ZNS exactly once (`sending_mode` `tag3` asks eTelecom to send past the OA's daily quota). The row
    exists (with its tracking id) before eTelecom is called, so even a worker that dies mid-call leaves something
    to settle; an answer that never came is settled by reading back by tracking id, and a send eTelecom does not
    know yet stays "not confirmed" for the message sync to settle. Raises ZnsError when eTelecom refused (nothing
    was sent)."""
    message = new_message(
        template=template,
        phone=phone,
        data=data,
        user=user,
        development=development,
        journey_id=journey_id,
        sending_mode=sending_mode,
    )
    message.save()
    try:
        return zns_send_stored(message, client=shop_client(template.oa.shop, Actor(user=user)))
    finally:
        rollups.refresh_messages([(message.oa_id, message.day)])


def zns_send_stored(message: Message, *, client) -> Message:
    """Send a message already stored with its tracking id (`new_message`), and record the outcome."""
    oa, template = message.oa, message.template
    send = {"oa_id": oa.oa_id, "phone": message.phone, "template_id": template.template_id}
    send.update(template_data=message.template_data, tracking_id=message.tracking_id)
    try:
        if message.journey_id:
            remote = zns_api.send_zns_journey(client, journey_id=message.journey_id, **send)
        else:
            mode = message.sending_mode if message.sending_mode in zns_api.SENDING_MODES else ""
            remote = zns_api.send_zns(client, development=message.is_development, sending_mode=mode, **send)
    except AMBIGUOUS as exc:
        return _settle(message, client, reason=describe_error(exc))
    except EtelecomError as exc:
        Message.objects.filter(pk=message.pk).update(
            send_state=Message.SendState.FAILED, error_message=describe_error(exc)
        )
        raise _refused(exc) from exc
    for name, value in MESSAGE.values(remote).items():
        setattr(message, name, value)
    message.save(update_fields=MESSAGE.fields)
    return message


def _settle(message: Message, client, *, reason: str) -> Message:
    """After an ambiguous send: what eTelecom knows by the tracking id decides. Nothing is sent again."""
    try:
        remote = zns_api.find_message(client, oa_id=message.oa.oa_id, tracking_id=message.tracking_id)
    except EtelecomError:
        remote = None
    if remote is not None:
        return message_store(message.oa, remote)
    Message.objects.filter(pk=message.pk).update(send_state=Message.SendState.UNCONFIRMED, error_message=reason)
    message.refresh_from_db()
    return message


def messages_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: `ListMessages` by update time since the last complete run (less an overlap)
    for each OA; then sends still unconfirmed are settled: found by tracking id, or, past UNCONFIRMED_AFTER,
    recorded as not sent."""
    shop = run.shop
    since = _since(shop, "message_sync", MESSAGE_OVERLAP)
    count = 0
    with job_client(shop, "message_sync") as client:
        for oa in OfficialAccount.objects.filter(shop=shop, missing_since__isnull=True):
            templates = {t.template_id: t for t in ZnsTemplate.objects.filter(oa=oa)}
            days = set()
            for remote in zns_api.iter_messages(client, oa_id=oa.oa_id, date_from=since, time_type="updated_time"):
                days.add(message_store(oa, remote, template=templates.get(remote.template_id)).day)
                count += 1
            settled = _settle_unconfirmed(client, oa)
            count += len(settled)
            rollups.refresh_messages((oa.pk, day) for day in days.union(settled))
    return {"messages": count}


def _settle_unconfirmed(client, oa: OfficialAccount) -> list:
    """Settle the OA's sends left unconfirmed; returns the day of each message it settled."""
    days = []
    stale = timezone.now() - UNCONFIRMED_AFTER
    pending = Message.objects.filter(
        oa=oa, send_state__in=[Message.SendState.UNCONFIRMED, Message.SendState.SENDING], created_at__lt=stale
    )
    for message in pending:
        remote = zns_api.find_message(client, oa_id=oa.oa_id, tracking_id=message.tracking_id)
        if remote is not None:
            message_store(oa, remote)
        else:
            Message.objects.filter(pk=message.pk).update(send_state=Message.SendState.FAILED)
        days.append(message.day)
    return days


# --- journey tokens -----------------------------------------------------------------------------------------


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
        raise _refused(exc) from exc
    return _journey_store(
        oa, remote, token_type=token_type, created_by=user if user and user.is_authenticated else None
    )


def journeys_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every journey token of every OA (`ListJourneys`)."""
    count = 0
    with job_client(run.shop, "journey_sync") as client:
        for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True):
            for remote in zns_api.iter_journeys(client, oa_id=oa.oa_id):
                _journey_store(oa, remote)
                count += 1
    return {"journeys": count}
