"""Bulk uploads, the machinery every app's upload shares (zalo's ZNS and call permission requests, sms's SMS): a
CSV checked row by row before anything is sent, then sent by one background run per upload, so that a kill loses
nothing and sends nothing twice. An app brings its concrete job and row models (`BulkJobBase`, `BulkRowBase`), how
a row is checked, and a sender: how a row is sent, read back and released.

Checking: every row has its tracking id from the start; a phone on an earlier line is refused.

What survives a kill: a run takes rows BLOCK at a time (`sending`, with the sender's attempts committed before any
call). Each row's outcome is committed as soon as eTelecom answers, in the same transaction that marks the next row
as the one in flight (`attempted_at`). So a dead run leaves at most one marked `sending` row, which may have gone:
the next run reads it back and, not found, leaves it unconfirmed; unmarked `sending` rows were never sent and go
again. A run sends only while it is its upload's `run`, so one taken for dead that wakes up stops before its next
send. The reaper resumes an upload whose run died (`resume_abandoned`).

What eTelecom answers decides a row: a refusal is final; quota used up, or a 429 still there after
RATE_LIMIT_TRIES waits of its Retry-After, holds the row and the rest ("Send the rows left" sends them); an answer
that may have come after the write is read back, and what is not found stays unconfirmed until the sender knows it
did not go; a rejected key stops the run and leaves the rows as they were.

A sender has: `quota()` (sends left now, or None), `quota_reason` (why rows wait when it is 0), `prepare(rows)`
(store the attempts, in the claiming transaction), `send(row)` -> (state, error, links), `read_back(row)` -> the
same or None, `expired(row)` (known not to have gone), `release(rows)` (drop attempts that did not go) and
`recount()` (rollups of what was sent).
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import EtelecomError, RateLimited

from . import formats, syncing
from .common.refusals import describe_error
from .models import BulkJobBase, BulkRowBase, SyncRun

State = BulkRowBase.State
Status = BulkJobBase.Status

MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024
# Characters in one field: a longer one is an error of its row (Python's csv module refuses it by default).
FIELD_LIMIT = 131_072
DELIMITERS = ",;\t"  # the separators a file may use; the header line tells which
AUTO_RESUMES = 3  # times in a row an upload goes on by itself after its worker died
OPEN = (State.PENDING, State.HELD)  # rows a run takes to send
UNSETTLED = (State.SENDING, State.UNCONFIRMED)  # rows that may have gone: read back first
BLOCK = 50  # rows taken together: their attempts committed before their sends, the rollups recounted after
RATE_LIMIT_TRIES = 5
RATE_LIMIT_WAIT = 60.0  # the longest Retry-After a run waits out; a longer one holds the rows at once

# The reader takes fields up to the size of a whole file, so that one over-long field is an error of its row
# (`FIELD_LIMIT`) instead of an exception that stops the reading of every row.
csv.field_size_limit(MAX_BYTES)


class UploadError(Exception):
    """The file as a whole cannot be used (not CSV, no phone column, too big); the message says why."""


class Superseded(Exception):
    """The upload was handed to another run (this one was taken for dead): stop, and touch none of its rows."""


class Hold(Exception):
    """Nothing was sent for this row, and nothing more should be sent now (quota used up, rate limited): the row
    and the rows left wait for a later run."""


# --- checking ---------------------------------------------------------------------------------------------------


def read_csv(upload) -> tuple[list[str], list[dict]]:
    """The upload's column names and rows (values stripped); UploadError when the file cannot be used."""
    if upload.size > MAX_BYTES:
        raise UploadError(_("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None
    try:
        reader = csv.DictReader(io.StringIO(text), dialect=dialect(text))
        columns = [name.strip() for name in reader.fieldnames or []]
        if "phone" not in columns:
            raise UploadError(_("The first line must name the columns, one of them “phone”."))
        rows = []
        for record in reader:
            rows.append({(k or "").strip(): (v or "").strip() for k, v in record.items() if isinstance(k, str)})
            if len(rows) > MAX_ROWS:
                raise UploadError(_("The file has more than %(rows)d rows; split it.") % {"rows": MAX_ROWS})
    except csv.Error as exc:
        raise UploadError(_("The file cannot be read as CSV: %(reason)s.") % {"reason": exc}) from None
    if not rows:
        raise UploadError(_("The file has no rows."))
    return columns, rows


def dialect(text: str) -> type[csv.Dialect]:
    """The file's separator, read from its header line: a comma, a semicolon (what Excel writes in a Vietnamese
    locale) or a tab; a comma when the line does not tell (a single column)."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def too_long(record: dict) -> str:
    """The row's error when one of its values is longer than FIELD_LIMIT characters (the value is not repeated)."""
    long = [name or "?" for name, value in record.items() if len(value) > FIELD_LIMIT]
    if not long:
        return ""
    return _("The value in the column %(column)s is longer than %(limit)s characters.") % {
        "column": long[0][:40],
        "limit": formats.number(FIELD_LIMIT),
    }


def store_checked(job, checked: Iterable[tuple[str, dict, str]]):
    """Save `job` with one row per (phone, values, error) of `checked`, in file order (line 2 on), invalid ones with
    their reason; a phone already on an earlier line is refused. Nothing is sent."""
    row_model = type(job).rows.rel.related_model
    seen: set[str] = set()
    rows = []
    for line, (phone, data, error) in enumerate(checked, start=2):
        if not error and phone in seen:
            error = _("This phone is already on an earlier line.")
        if not error:
            seen.add(phone)
        rows.append(
            row_model(
                line=line,
                phone=phone[:32],
                data=data,
                state=State.INVALID if error else State.PENDING,
                error=error,
                tracking_id="" if error else uuid.uuid4().hex,
            )
        )
    with transaction.atomic():
        job.save()
        for row in rows:
            row.job = job
        row_model.objects.bulk_create(rows, batch_size=2000)
    return job


# --- the upload's page ------------------------------------------------------------------------------------------


def counts(job) -> dict[str, int]:
    found = dict(job.rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: found.get(state, 0) for state in State.values}


def in_progress(job) -> bool:
    """Whether a live run is sending the upload: queued, or running with a worker that shows signs of life."""
    sending = job.status in (Status.QUEUED, Status.RUNNING)
    return sending and job.run is not None and syncing.alive(job.run)


def rows_left(tally: dict[str, int]) -> int:
    """Rows a run would still send or settle: to send, held, not confirmed, and those a dead run was sending."""
    return sum(tally[state] for state in (*OPEN, *UNSETTLED))


def startable(job, tally: dict[str, int]) -> bool:
    """The "Start sending" / "Send the rows left" button: rows are left and no live run is sending them."""
    return rows_left(tally) > 0 and not in_progress(job)


def bulk_start(*, job, user) -> SyncRun | None:
    """Queue a run that sends the upload's rows left; None when a live run is sending it already. The upload is
    handed to the new run at once: a run taken for dead that wakes up stops before its next send."""
    model = type(job)
    with transaction.atomic():
        job = model.objects.select_for_update(of=("self",)).select_related("run").get(pk=job.pk)
        if in_progress(job):
            return None
        return _hand_to_new_run(job, user=user, resumes=0)


def _hand_to_new_run(job, *, user, resumes: int) -> SyncRun:
    run = syncing.enqueue(job.run_kind, shop=job.shop, user=user)
    type(job).objects.filter(pk=job.pk).update(status=Status.QUEUED, run=run, error="", resumes=resumes)
    return run


def resume_abandoned(run: SyncRun, *, model) -> None:
    """`on_abandon` of an upload's runs (the reaper found the run dead): the upload goes on by itself, AUTO_RESUMES
    times in a row at most; then it waits for a person, so a file whose sending kills its worker is not tried
    forever."""
    with transaction.atomic():
        job = model.objects.select_for_update(of=("self",)).filter(run=run).first()
        if job is None:
            return  # someone handed the upload to another run already
        if job.resumes >= AUTO_RESUMES:
            error = _("Its worker stopped %(count)d times in a row. Send the rows left to try again.") % {
                "count": job.resumes + 1
            }
            model.objects.filter(pk=job.pk).update(status=Status.FAILED, error=error)
            return
        _hand_to_new_run(job, user=None, resumes=job.resumes + 1)


# --- the run ----------------------------------------------------------------------------------------------------


def bulk_work(run: SyncRun, *, model, sender: Callable, client: Callable) -> dict:
    """Sync-run work: send the rows of the upload of `model` this run belongs to, with `sender(job, client)` and
    the client `client(job)` opens (a context manager)."""
    job = model.objects.filter(run=run).first()
    if job is None:
        return {}  # the upload was handed to another run before this one started
    mine = model.objects.filter(pk=job.pk, run=run)
    mine.update(status=Status.RUNNING)
    try:
        with client(job) as opened:
            held = _send(job, run, sender(job, opened))
    except Superseded:
        return counts(job)
    except EtelecomError as exc:
        mine.update(status=Status.FAILED, error=describe_error(exc))
        raise
    except Exception:
        mine.update(status=Status.FAILED, error=_("Stopped by an internal error; see the server log."))
        raise
    mine.update(status=Status.HELD if held else Status.DONE, finished_at=timezone.now())
    return counts(job)


def _send(job, run: SyncRun, sender) -> bool:
    """Settle the rows earlier runs left unsettled, then send the open ones BLOCK at a time, each row's outcome
    committed as soon as eTelecom answers. Returns whether rows are held."""
    try:
        _settle(job, run, sender)
        remaining = sender.quota()
        after = 0
        while True:
            if remaining == 0:
                return _hold_open(job, run, sender.quota_reason)
            rows = _claim(job, run, sender, after=after, limit=BLOCK if remaining is None else min(BLOCK, remaining))
            if not rows:
                return False
            after = rows[-1].line
            for index, row in enumerate(rows):
                try:
                    state, error, links = _attempt(sender, row)
                except Hold as hold:
                    _release(job, run, sender, rows[index:], state=State.HELD, error=str(hold))
                    _hold_open(job, run, str(hold))
                    return True
                except EtelecomError:  # the key was rejected: the rows not sent wait as they were
                    _release(job, run, sender, rows[index:])
                    raise
                _record(job, run, row, state, error, links, following=rows[index + 1 : index + 2])
                if state == State.SENT and remaining is not None:
                    remaining -= 1
            sender.recount()
    finally:
        sender.recount()


def _attempt(sender, row) -> tuple[str, str, dict]:
    """Send one row; a 429 is waited out (its Retry-After, RATE_LIMIT_TRIES times at most) before the row is held."""
    tries = 1
    while True:
        try:
            return sender.send(row)
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else 1.0
            if tries == RATE_LIMIT_TRIES or wait > RATE_LIMIT_WAIT:
                raise Hold(describe_error(exc)) from exc
            tries += 1
            time.sleep(wait)


def _mine(job, run: SyncRun) -> bool:
    """Whether `run` still sends the upload; the upload's row stays locked until the transaction ends, so a
    takeover waits for it."""
    return type(job).objects.select_for_update().filter(pk=job.pk, run=run).exists()


def _fence(job, run: SyncRun) -> None:
    if not _mine(job, run):
        raise Superseded


def _rows(job):
    return job.rows.model.objects


def _claim(job, run: SyncRun, sender, *, after: int, limit: int) -> list:
    """Take the next `limit` open rows after line `after` for this run: `sending`, with their attempts, committed
    before any of them is sent; the first is marked as the one in flight (`attempted_at`)."""
    now = timezone.now()
    with transaction.atomic():
        _fence(job, run)
        rows = list(job.rows.filter(state__in=OPEN, line__gt=after).order_by("line")[:limit])
        if rows:
            _rows(job).filter(pk__in=[row.pk for row in rows]).update(state=State.SENDING, error="", attempted_at=None)
            _rows(job).filter(pk=rows[0].pk).update(attempted_at=now)
            sender.prepare(rows)
    for row in rows:
        row.state, row.error, row.attempted_at = State.SENDING, "", None
    if rows:
        rows[0].attempted_at = now
    return rows


def _record(job, run: SyncRun, row, state: str, error: str, links: dict, *, following=()) -> None:
    """Commit the row's outcome and, while the upload is still this run's, mark the next row as the one in flight,
    in one transaction: a run that dies leaves one `sending` row that may have gone, and the others unmarked."""
    with transaction.atomic():
        row.state, row.error = state, error
        for name, linked in links.items():
            setattr(row, name, linked)
        row.save(update_fields=["state", "error", "updated_at", *links])
        mine = _mine(job, run)
        if mine and following:
            now = timezone.now()
            _rows(job).filter(pk=following[0].pk).update(attempted_at=now)
            following[0].attempted_at = now
    if not mine:
        raise Superseded


def _settle(job, run: SyncRun, sender) -> None:
    """Rows a run before this one left `sending` or `unconfirmed`. A `sending` row never marked in flight was never
    sent: it goes again. The others are read back: found, sent; not found, unconfirmed until the sender knows they
    did not go (`expired`), then they go again."""
    again = []
    for row in job.rows.filter(state__in=UNSETTLED).order_by("line"):
        if row.state == State.SENDING and row.attempted_at is None:
            again.append(row)
            continue
        found = sender.read_back(row)
        if found is not None:
            _record(job, run, row, *found)
        elif sender.expired(row):
            again.append(row)
        elif row.state == State.SENDING:
            error = _("The run sending it stopped, and eTelecom does not list it yet.")
            _record(job, run, row, State.UNCONFIRMED, error, {})
    _release(job, run, sender, again)


def _release(job, run: SyncRun, sender, rows: list, *, state=None, error: str = "") -> None:
    """Rows known not to have been sent go back to wait (`state`, to send by default) without their attempts."""
    if not rows:
        return
    with transaction.atomic():
        _fence(job, run)
        sender.release(rows)
        _rows(job).filter(pk__in=[row.pk for row in rows]).update(
            state=state or State.PENDING, error=error, attempted_at=None, updated_at=timezone.now()
        )


def _hold_open(job, run: SyncRun, reason: str) -> bool:
    """Hold every row still to send, with the reason; returns whether any is held."""
    with transaction.atomic():
        _fence(job, run)
        job.rows.filter(state__in=OPEN).update(state=State.HELD, error=reason, updated_at=timezone.now())
        return job.rows.filter(state=State.HELD).exists()
