"""The run that sends a bulk upload (`zalo.bulk`), row by row, so that a kill loses nothing and sends nothing twice.

What survives a kill: a run takes rows BLOCK at a time (`sending`, and for ZNS the attempt under the row's tracking
id, committed before any call). Each row's outcome is committed as soon as eTelecom answers, in the same transaction
that marks the next row as the one in flight (`attempted_at`). So a dead run leaves at most one marked `sending`
row, which may have gone: the next run reads it back (ZNS by tracking id, call permission by phone and time) and,
not found, leaves it unconfirmed; unmarked `sending` rows were never sent and go again. A run sends only while it
is its upload's `run`, so one taken for dead that wakes up stops before its next send. The reaper resumes an
upload whose run died (`zalo.bulk.resume_abandoned`).

What eTelecom answers decides a row: a refusal is final; quota used up, or a 429 still there after
RATE_LIMIT_TRIES waits of its Retry-After, holds the row and the rest ("Send the rows left" sends them); an answer
that may have come after the write (timeout, 5xx, a body that is no answer, a 200 carrying an error code) is read
back, and what is not found stays unconfirmed until it is known not to have gone; a rejected key stops the run and
leaves the rows as they were."""

from __future__ import annotations

import time

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import AuthenticationError, EtelecomError, RateLimited
from etelecom import zalo as zalo_api
from etelecom import zns as zns_api
from shops.clients import job_client
from shops.messages import describe_error
from shops.models import SyncRun

from . import rollups, services
from .bulk import OPEN, UNSETTLED, counts
from .models import BulkJob, BulkRow, Message

BLOCK = 50  # rows taken together: their attempts committed before their sends, the day's rollup recounted after
QUOTA_CODE = "failed_precondition"
RATE_LIMIT_TRIES = 5
RATE_LIMIT_WAIT = 60.0  # the longest Retry-After a run waits out; a longer one holds the rows at once


class Superseded(Exception):
    """The upload was handed to another run (this one was taken for dead): stop, and touch none of its rows."""


class _Hold(Exception):
    """Nothing was sent for this row, and nothing more should be sent now (quota used up, rate limited): the row
    and the rows left wait for a later run."""


def bulk_work(run: SyncRun) -> dict:
    """Sync-run work: send the rows of the upload this run belongs to."""
    job = BulkJob.objects.select_related("oa__shop", "template").filter(run=run).first()
    if job is None:
        return {}  # the upload was handed to another run before this one started
    mine = BulkJob.objects.filter(pk=job.pk, run=run)
    mine.update(status=BulkJob.Status.RUNNING)
    try:
        with job_client(job.oa.shop, f"bulk_{job.kind}") as client:
            sender = (_ConsentSender if job.kind == BulkJob.Kind.CONSENT else _ZnsSender)(job, client)
            held = _send(job, run, sender)
    except Superseded:
        return counts(job)
    except EtelecomError as exc:
        mine.update(status=BulkJob.Status.FAILED, error=describe_error(exc))
        raise
    except Exception:
        mine.update(status=BulkJob.Status.FAILED, error=_("Stopped by an internal error; see the server log."))
        raise
    mine.update(status=BulkJob.Status.HELD if held else BulkJob.Status.DONE, finished_at=timezone.now())
    return counts(job)


def _send(job: BulkJob, run: SyncRun, sender) -> bool:
    """Settle the rows earlier runs left unsettled, then send the open ones BLOCK at a time, each row's outcome
    committed as soon as eTelecom answers. Returns whether rows are held."""
    try:
        _settle(job, run, sender)
        remaining = sender.quota()
        after = 0
        while True:
            if remaining == 0:
                return _hold_open(job, run, _("The OA's ZNS quota for today is used up; sent when it renews."))
            rows = _claim(job, run, sender, after=after, limit=BLOCK if remaining is None else min(BLOCK, remaining))
            if not rows:
                return False
            after = rows[-1].line
            for index, row in enumerate(rows):
                try:
                    state, error, links = _attempt(sender, row)
                except _Hold as hold:
                    _release(job, run, sender, rows[index:], state=BulkRow.State.HELD, error=str(hold))
                    _hold_open(job, run, str(hold))
                    return True
                except EtelecomError:  # the key was rejected: the rows not sent wait as they were
                    _release(job, run, sender, rows[index:])
                    raise
                _record(job, run, row, state, error, links, following=rows[index + 1 : index + 2])
                if state == BulkRow.State.SENT and remaining is not None:
                    remaining -= 1
            sender.recount()
    finally:
        sender.recount()


def _attempt(sender, row: BulkRow) -> tuple[str, str, dict]:
    """Send one row; a 429 is waited out (its Retry-After, RATE_LIMIT_TRIES times at most) before the row is held."""
    tries = 1
    while True:
        try:
            return sender.send(row)
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            if tries == RATE_LIMIT_TRIES or wait > RATE_LIMIT_WAIT:
                raise _Hold(describe_error(exc)) from exc
            tries += 1
            time.sleep(wait)


def _mine(job: BulkJob, run: SyncRun) -> bool:
    """Whether `run` still sends the upload; the upload's row stays locked until the transaction ends, so a
    takeover waits for it."""
    return BulkJob.objects.select_for_update().filter(pk=job.pk, run=run).exists()


def _fence(job: BulkJob, run: SyncRun) -> None:
    if not _mine(job, run):
        raise Superseded


def _claim(job: BulkJob, run: SyncRun, sender, *, after: int, limit: int) -> list[BulkRow]:
    """Take the next `limit` open rows after line `after` for this run: `sending`, with their attempts, committed
    before any of them is sent; the first is marked as the one in flight (`attempted_at`)."""
    now = timezone.now()
    with transaction.atomic():
        _fence(job, run)
        rows = list(job.rows.filter(state__in=OPEN, line__gt=after).order_by("line")[:limit])
        if rows:
            BulkRow.objects.filter(pk__in=[row.pk for row in rows]).update(
                state=BulkRow.State.SENDING, error="", attempted_at=None
            )
            BulkRow.objects.filter(pk=rows[0].pk).update(attempted_at=now)
            sender.prepare(rows)
    for row in rows:
        row.state, row.error, row.attempted_at = BulkRow.State.SENDING, "", None
    if rows:
        rows[0].attempted_at = now
    return rows


def _record(job: BulkJob, run: SyncRun, row: BulkRow, state: str, error: str, links: dict, *, following=()) -> None:
    """Commit the row's outcome and, while the upload is still this run's, mark the next row as the one in flight,
    in one transaction: a run that dies leaves one `sending` row that may have gone, and the others unmarked."""
    with transaction.atomic():
        _row(row, state, error=error, **links)
        mine = _mine(job, run)
        if mine and following:
            now = timezone.now()
            BulkRow.objects.filter(pk=following[0].pk).update(attempted_at=now)
            following[0].attempted_at = now
    if not mine:
        raise Superseded


def _settle(job: BulkJob, run: SyncRun, sender) -> None:
    """Rows a run before this one left `sending` or `unconfirmed`. A `sending` row never marked in flight was never
    sent: it goes again. The others are read back: found, sent; not found, unconfirmed until they are known not to
    have gone (past UNCONFIRMED_AFTER, or settled as not sent by the message sync), then they go again."""
    again = []
    for row in job.rows.filter(state__in=UNSETTLED).order_by("line"):
        if row.state == BulkRow.State.SENDING and row.attempted_at is None:
            again.append(row)
            continue
        found = sender.read_back(row)
        if found is not None:
            _record(job, run, row, *found)
        elif sender.expired(row):
            again.append(row)
        elif row.state == BulkRow.State.SENDING:
            error = _("The run sending it stopped, and eTelecom does not list it yet.")
            _record(job, run, row, BulkRow.State.UNCONFIRMED, error, {})
    _release(job, run, sender, again)


def _release(job: BulkJob, run: SyncRun, sender, rows: list[BulkRow], *, state=None, error: str = "") -> None:
    """Rows known not to have been sent go back to wait (`state`, to send by default) without their attempts."""
    if not rows:
        return
    with transaction.atomic():
        _fence(job, run)
        sender.release(rows)
        BulkRow.objects.filter(pk__in=[row.pk for row in rows]).update(
            state=state or BulkRow.State.PENDING, error=error, attempted_at=None, updated_at=timezone.now()
        )


def _hold_open(job: BulkJob, run: SyncRun, reason: str) -> bool:
    """Hold every row still to send, with the reason; returns whether any is held."""
    with transaction.atomic():
        _fence(job, run)
        job.rows.filter(state__in=OPEN).update(state=BulkRow.State.HELD, error=reason, updated_at=timezone.now())
        return job.rows.filter(state=BulkRow.State.HELD).exists()


class _ZnsSender:
    """Sends a row's ZNS under its tracking id; the attempt (a `Message`) is stored before eTelecom is called."""

    def __init__(self, job: BulkJob, client):
        self.job, self.client = job, client
        self.attempts: dict[int, Message] = {}
        self.days: set = set()

    def quota(self) -> int | None:
        if self.job.development:
            return None  # a test send takes nothing from the quota
        return zalo_api.get_shop_oa(self.client, oa_id=self.job.oa.oa_id).remaining_quota

    def prepare(self, rows: list[BulkRow]) -> None:
        job = self.job
        stored = Message.objects.bulk_create(
            services.new_message(
                template=job.template,
                phone=row.phone,
                data=row.data,
                development=job.development,
                tracking_id=row.tracking_id,
            )
            for row in rows
        )
        self.attempts.update((row.pk, message) for row, message in zip(rows, stored, strict=True))

    def send(self, row: BulkRow) -> tuple[str, str, dict]:
        """The row's outcome; raises the eTelecom error of a 429 or a rejected key, and _Hold for the quota."""
        try:
            message = services.zns_send_stored(self.attempts[row.pk], client=self.client)
        except services.ZnsError as exc:
            if exc.code == QUOTA_CODE:
                raise _Hold(str(exc)) from exc
            if isinstance(exc.error, RateLimited | AuthenticationError):
                raise exc.error from exc
            del self.attempts[row.pk]
            return BulkRow.State.FAILED, str(exc), {}
        del self.attempts[row.pk]
        self.days.add(message.day)
        if message.send_state == Message.SendState.SENT:
            return BulkRow.State.SENT, "", {"message": message}
        return BulkRow.State.UNCONFIRMED, message.error_message, {"message": message}

    def read_back(self, row: BulkRow) -> tuple[str, str, dict] | None:
        remote = zns_api.find_message(self.client, oa_id=self.job.oa.oa_id, tracking_id=row.tracking_id)
        if remote is None:
            return None
        message = services.message_store(self.job.oa, remote, template=self.job.template)
        self.days.add(message.day)
        return BulkRow.State.SENT, "", {"message": message}

    def expired(self, row: BulkRow) -> bool:
        attempt = Message.objects.filter(oa=self.job.oa, tracking_id=row.tracking_id).first()
        return (
            attempt is None
            or attempt.send_state == Message.SendState.FAILED
            or attempt.created_at < timezone.now() - services.UNCONFIRMED_AFTER
        )

    def release(self, rows: list[BulkRow]) -> None:
        """Attempts of rows that were not sent: gone, so the row may go again under the same tracking id."""
        tracking = [row.tracking_id for row in rows]
        Message.objects.filter(oa=self.job.oa, tracking_id__in=tracking).exclude(
            send_state=Message.SendState.SENT
        ).delete()
        for row in rows:
            self.attempts.pop(row.pk, None)

    def recount(self) -> None:
        rollups.refresh_messages((self.job.oa_id, day) for day in self.days)
        self.days.clear()


class _ConsentSender:
    """Requests a row's call permission. `RequestConsent` carries no id of ours: a request that may have gone is
    looked for by phone, call type and reason among those made since the row was attempted."""

    def __init__(self, job: BulkJob, client):
        self.job, self.client = job, client
        self.days: set = set()

    def quota(self) -> None:
        return None

    def prepare(self, rows: list[BulkRow]) -> None:
        pass

    def send(self, row: BulkRow) -> tuple[str, str, dict]:
        try:
            remote = zns_api.request_consent(self.client, oa_id=self.job.oa.oa_id, phone=row.phone, **row.data)
        except (RateLimited, AuthenticationError):
            raise
        except services.AMBIGUOUS as exc:
            return self.read_back(row) or (BulkRow.State.UNCONFIRMED, describe_error(exc), {})
        except EtelecomError as exc:
            return BulkRow.State.FAILED, describe_error(exc), {}
        return self._stored(remote)

    def read_back(self, row: BulkRow) -> tuple[str, str, dict] | None:
        since = row.attempted_at or row.updated_at
        remote = services.consent_read_back(self.client, oa=self.job.oa, phone=row.phone, since=since, **row.data)
        return None if remote is None else self._stored(remote)

    def _stored(self, remote) -> tuple[str, str, dict]:
        consent = services.consent_store(self.job.oa, remote, recount=False)
        self.days.add(consent.day)
        return BulkRow.State.SENT, "", {"consent": consent}

    def expired(self, row: BulkRow) -> bool:
        return row.attempted_at is None or row.attempted_at < timezone.now() - services.UNCONFIRMED_AFTER

    def release(self, rows: list[BulkRow]) -> None:
        pass

    def recount(self) -> None:
        rollups.refresh_consents((self.job.oa_id, day) for day in self.days)
        self.days.clear()


def _row(row: BulkRow, state: str, *, error: str = "", message=None, consent=None) -> None:
    row.state, row.error = state, error
    fields = ["state", "error", "updated_at"]
    if message is not None:
        row.message = message
        fields.append("message")
    if consent is not None:
        row.consent = consent
        fields.append("consent")
    row.save(update_fields=fields)
