"""Bulk uploads: a CSV of call permission requests or ZNS sends, checked row by row before anything is sent, then
sent by one background run per upload. Rows beyond the OA's daily quota are held, not dropped, and sent when the
upload is resumed. Every row has its tracking id from the start: a run that dies and runs again reads back what it
may have sent instead of sending it again."""

from __future__ import annotations

import csv
import io
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from etelecom import EtelecomError
from etelecom import zalo as zalo_api
from etelecom import zns as zns_api
from shops import syncing
from shops.clients import job_client
from shops.messages import describe_error
from shops.models import SyncRun
from shops.phones import normalise_phone

from . import rollups, services
from .forms import SendZnsForm
from .models import BulkJob, BulkRow, Consent, Message, ZnsTemplate

MAX_ROWS = 50_000
BLOCK = 50  # rows whose message rows are committed together before their sends
MAX_BYTES = 5 * 1024 * 1024
# Characters in one field: a longer one is an error of its row (Python's csv module refuses it by default).
FIELD_LIMIT = 131_072
QUOTA_CODE = "failed_precondition"

# The reader takes fields up to the size of a whole file, so that one over-long field is an error of its row
# (`FIELD_LIMIT`) instead of an exception that stops the reading of every row.
csv.field_size_limit(MAX_BYTES)


class UploadError(Exception):
    """The file as a whole cannot be used (not CSV, no phone column, too big); the message says why."""


def _read(upload) -> tuple[list[str], list[dict]]:
    if upload.size > MAX_BYTES:
        raise UploadError(_("The file is larger than %(size)d MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UploadError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from None
    try:
        reader = csv.DictReader(io.StringIO(text))
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
    return columns, rows


def _too_long(record: dict) -> str:
    """The row's error when one of its values is longer than FIELD_LIMIT characters (the value is not repeated)."""
    long = [name or "?" for name, value in record.items() if len(value) > FIELD_LIMIT]
    if not long:
        return ""
    return _("The value in the column %(column)s is longer than %(limit)s characters.") % {
        "column": long[0][:40],
        "limit": f"{FIELD_LIMIT:,}",
    }


def _check_zns(template: ZnsTemplate, columns: list[str], records: list[dict]):
    names = [p.get("name") for p in template.params if p.get("name")]
    missing = [
        n for n in names if n not in columns and any(p.get("require") for p in template.params if p["name"] == n)
    ]
    if missing:
        raise UploadError(_("The file has no column for the parameters: %(names)s.") % {"names": ", ".join(missing)})
    for record in records:
        if error := _too_long(record):
            yield record.get("phone", ""), {}, error
            continue
        form = SendZnsForm(
            {"phone": record.get("phone", ""), **{f"param_{n}": record.get(n, "") for n in names}}, template=template
        )
        if form.is_valid():
            yield form.cleaned_data["phone"], form.template_data(), ""
        else:
            errors = "; ".join(f"{_field_label(name)}: {' '.join(msgs)}" for name, msgs in form.errors.items())
            yield record.get("phone", ""), {}, errors


def _field_label(name: str) -> str:
    return name[len("param_") :] if name.startswith("param_") else name


def _check_consents(job: BulkJob, records: list[dict]):
    for record in records:
        if error := _too_long(record):
            yield record.get("phone", ""), {}, error
            continue
        call_type = record.get("call_type") or job.call_type
        reason = record.get("reason_code") or job.reason_code
        try:
            phone = normalise_phone(record.get("phone", ""))
        except ValidationError as exc:
            yield record.get("phone", ""), {}, " ".join(exc.messages)
            continue
        if call_type not in Consent.CallType.values:
            yield phone, {}, _("Unknown call type %(value)s.") % {"value": call_type[:40]}
        elif reason not in Consent.Reason.values:
            yield phone, {}, _("Unknown reason %(value)s.") % {"value": reason[:40]}
        else:
            yield phone, {"call_type": call_type, "reason_code": reason}, ""


def bulk_check(*, job: BulkJob, upload) -> BulkJob:
    """Read and check every row; store the upload with one row each (invalid ones with their reason). Nothing is
    sent. A phone that appears twice is sent once."""
    columns, records = _read(upload)
    if not records:
        raise UploadError(_("The file has no rows."))
    checked = (
        _check_zns(job.template, columns, records) if job.kind == BulkJob.Kind.ZNS else _check_consents(job, records)
    )
    seen: set[str] = set()
    rows = []
    for line, (phone, data, error) in enumerate(checked, start=2):
        if not error and phone in seen:
            error = _("This phone is already on an earlier line.")
        if not error:
            seen.add(phone)
        rows.append(
            BulkRow(
                line=line,
                phone=phone[:32],
                data=data,
                state=BulkRow.State.INVALID if error else BulkRow.State.PENDING,
                error=error,
                tracking_id="" if error else uuid.uuid4().hex,
            )
        )
    with transaction.atomic():
        job.save()
        for row in rows:
            row.job = job
        BulkRow.objects.bulk_create(rows, batch_size=2000)
    return job


def counts(job: BulkJob) -> dict[str, int]:
    found = dict(job.rows.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return {state: found.get(state, 0) for state in BulkRow.State.values}


def bulk_start(*, job: BulkJob, user) -> SyncRun:
    """Queue the run that sends the upload's pending and held rows."""
    with transaction.atomic():
        run = syncing.enqueue("bulk_send", "zalo.tasks.run_bulk", shop=job.oa.shop, user=user)
        BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.QUEUED, run=run, error="")
    return run


def bulk_work(run: SyncRun) -> dict:
    """Sync-run work: send the rows of the upload this run belongs to."""
    job = BulkJob.objects.select_related("oa__shop", "template").get(run=run)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.RUNNING)
    try:
        with job_client(job.oa.shop, f"bulk_{job.kind}") as client:
            held = _send_consents(job, client) if job.kind == BulkJob.Kind.CONSENT else _send_zns(job, client)
    except EtelecomError as exc:
        BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.FAILED, error=describe_error(exc))
        raise
    status = BulkJob.Status.HELD if held else BulkJob.Status.DONE
    BulkJob.objects.filter(pk=job.pk).update(status=status, finished_at=timezone.now())
    return counts(job)


def _open_rows(job: BulkJob):
    states = [BulkRow.State.PENDING, BulkRow.State.SENDING, BulkRow.State.UNCONFIRMED, BulkRow.State.HELD]
    return job.rows.filter(state__in=states).order_by("line")


def _settled(job: BulkJob, client, row: BulkRow) -> bool:
    """A row a run before this one may have sent: eTelecom's word by tracking id decides, never a second send.
    True when the row needs nothing more now (found and sent, or sent too recently to be listed)."""
    remote = zns_api.find_message(client, oa_id=job.oa.oa_id, tracking_id=row.tracking_id)
    if remote is not None:
        message = services.message_store(job.oa, remote, template=job.template)
        rollups.refresh_messages([(job.oa_id, message.day)])
        _row(row, BulkRow.State.SENT, message=message)
        return True
    attempt = Message.objects.filter(oa=job.oa, tracking_id=row.tracking_id).first()
    if attempt is not None and attempt.send_state != Message.SendState.FAILED:
        _row(row, BulkRow.State.UNCONFIRMED)  # the message sync settles it; a later run sends it if it never went
        return True
    if attempt is not None:
        attempt.delete()  # settled as never sent: the row may go again, under the same tracking id
    return False


def _send_zns(job: BulkJob, client) -> bool:
    """Send while the OA has quota; hold the rest. Returns whether rows are held.

    Rows go BLOCK at a time: the block's message rows (with their tracking ids) are committed before any call,
    then its calls and their outcomes are one transaction. A run that dies mid-block leaves those rows `sending`,
    and the next run reads them back."""
    remaining = None if job.development else zalo_api.get_shop_oa(client, oa_id=job.oa.oa_id).remaining_quota
    held = False
    ids = list(_open_rows(job).values_list("pk", flat=True))
    for first in range(0, len(ids), BLOCK):
        fresh = []
        for row in BulkRow.objects.filter(pk__in=ids[first : first + BLOCK]).order_by("line"):
            if row.state in (BulkRow.State.SENDING, BulkRow.State.UNCONFIRMED) and _settled(job, client, row):
                continue
            if remaining is not None and len(fresh) >= remaining:
                _row(row, BulkRow.State.HELD)
                held = True
                continue
            fresh.append(row)
        if not fresh:
            continue
        with transaction.atomic():
            stored = Message.objects.bulk_create(
                services.new_message(
                    template=job.template,
                    phone=row.phone,
                    data=row.data,
                    development=job.development,
                    tracking_id=row.tracking_id,
                )
                for row in fresh
            )
            BulkRow.objects.filter(pk__in=[row.pk for row in fresh]).update(state=BulkRow.State.SENDING)
        with transaction.atomic():
            done = []
            for row, message in zip(fresh, stored, strict=True):
                row.updated_at = timezone.now()
                done.append(row)
                if remaining == 0:  # eTelecom said the quota is used up: the rest of the block waits
                    message.delete()
                    row.state, held = BulkRow.State.HELD, True
                    continue
                try:
                    message = services.zns_send_stored(message, client=client)
                except services.ZnsError as exc:
                    if exc.code == QUOTA_CODE:
                        message.delete()  # refused: nothing was sent
                        row.state, remaining, held = BulkRow.State.HELD, 0, True
                    else:
                        row.state, row.error = BulkRow.State.FAILED, str(exc)
                    continue
                row.message = message
                if message.send_state == Message.SendState.SENT:
                    row.state = BulkRow.State.SENT
                    if remaining is not None:
                        remaining -= 1
                else:
                    row.state, row.error = BulkRow.State.UNCONFIRMED, message.error_message
            BulkRow.objects.bulk_update(done, ["state", "error", "message", "updated_at"])
            rollups.refresh_messages({(job.oa_id, message.day) for message in stored})
    return held


def _send_consents(job: BulkJob, client) -> bool:
    """Request each row's permission. The rollups of the days stored are recounted once at the end (a run that
    dies first leaves that to the next consent sync, which reads the same requests again)."""
    oa = job.oa
    days = set()
    try:
        for row in _open_rows(job).iterator(chunk_size=500):
            if row.state == BulkRow.State.SENDING:
                # RequestConsent carries no id of ours: a request that may have gone is looked up by phone.
                known = list(zns_api.iter_consents(client, oa_id=oa.oa_id, phone=row.phone))
                if known:
                    consent = services.consent_store(oa, known[-1], recount=False)
                    days.add(consent.day)
                    _row(row, BulkRow.State.SENT, consent=consent)
                    continue
            _row(row, BulkRow.State.SENDING)
            try:
                remote = zns_api.request_consent(client, oa_id=oa.oa_id, phone=row.phone, **row.data)
            except EtelecomError as exc:
                _row(row, BulkRow.State.FAILED, error=describe_error(exc))
                continue
            consent = services.consent_store(oa, remote, recount=False)
            days.add(consent.day)
            _row(row, BulkRow.State.SENT, consent=consent)
    finally:
        rollups.refresh_consents((oa.pk, day) for day in days)
    return False


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


RESULT_HEADER = ["line", "phone", "state", "error", "tracking_id", "etelecom_id", "delivery"]


def result_rows(job: BulkJob):
    """The upload's rows and their outcome, for the results download (read a chunk at a time)."""
    rows = job.rows.select_related("message", "consent").order_by("line")
    for row in rows.iterator(chunk_size=1000):
        linked = row.message or row.consent
        delivery = getattr(row.message, "delivery_status", "") or getattr(row.consent, "reply_status", "")
        yield [
            row.line,
            row.phone,
            row.get_state_display(),
            row.error,
            row.tracking_id,
            getattr(linked, "etelecom_id", ""),
            delivery,
        ]
