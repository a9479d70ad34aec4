"""Bulk uploads: a CSV of call permission requests or ZNS sends, checked row by row before anything is sent, then
sent by one background run per upload (`zalo.bulk_run`). Every row has its tracking id from the start. An upload
whose run died goes on by itself (`resume_abandoned`, called by the reaper), or with one click."""

from __future__ import annotations

import csv
import io
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from shops import formats, syncing
from shops.models import SyncRun
from shops.phones import normalise_phone

from .forms import SendZnsForm
from .models import BulkJob, BulkRow, Consent, ZnsTemplate

MAX_ROWS = 50_000
MAX_BYTES = 5 * 1024 * 1024
# Characters in one field: a longer one is an error of its row (Python's csv module refuses it by default).
FIELD_LIMIT = 131_072
DELIMITERS = ",;\t"  # the separators a file may use; the header line tells which
AUTO_RESUMES = 3  # times in a row an upload goes on by itself after its worker died
TASK = "zalo.tasks.run_bulk"
OPEN = (BulkRow.State.PENDING, BulkRow.State.HELD)  # rows a run takes to send
UNSETTLED = (BulkRow.State.SENDING, BulkRow.State.UNCONFIRMED)  # rows that may have gone: read back first

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
        reader = csv.DictReader(io.StringIO(text), dialect=_dialect(text))
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


def _dialect(text: str) -> type[csv.Dialect]:
    """The file's separator, read from its header line: a comma, a semicolon (what Excel writes in a Vietnamese
    locale) or a tab; a comma when the line does not tell (a single column)."""
    header = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(header, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel


def _too_long(record: dict) -> str:
    """The row's error when one of its values is longer than FIELD_LIMIT characters (the value is not repeated)."""
    long = [name or "?" for name, value in record.items() if len(value) > FIELD_LIMIT]
    if not long:
        return ""
    return _("The value in the column %(column)s is longer than %(limit)s characters.") % {
        "column": long[0][:40],
        "limit": formats.number(FIELD_LIMIT),
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


def in_progress(job: BulkJob) -> bool:
    """Whether a live run is sending the upload: queued, or running with a worker that shows signs of life."""
    sending = job.status in (BulkJob.Status.QUEUED, BulkJob.Status.RUNNING)
    return sending and job.run is not None and syncing.alive(job.run)


def rows_left(tally: dict[str, int]) -> int:
    """Rows a run would still send or settle: to send, held, not confirmed, and those a dead run was sending."""
    return sum(tally[state] for state in (*OPEN, *UNSETTLED))


def startable(job: BulkJob, tally: dict[str, int]) -> bool:
    """The "Start sending" / "Send the rows left" button: rows are left and no live run is sending them."""
    return rows_left(tally) > 0 and not in_progress(job)


def bulk_start(*, job: BulkJob, user) -> SyncRun | None:
    """Queue a run that sends the upload's rows left; None when a live run is sending it already. The upload is
    handed to the new run at once: a run taken for dead that wakes up stops before its next send."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update(of=("self",)).select_related("run", "oa__shop").get(pk=job.pk)
        if in_progress(job):
            return None
        return _hand_to_new_run(job, user=user, resumes=0)


def _hand_to_new_run(job: BulkJob, *, user, resumes: int) -> SyncRun:
    run = syncing.enqueue("bulk_send", TASK, shop=job.oa.shop, user=user)
    BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.QUEUED, run=run, error="", resumes=resumes)
    return run


def resume_abandoned(run: SyncRun) -> None:
    """`on_abandon` of bulk runs (the reaper found the run dead): the upload goes on by itself, AUTO_RESUMES times
    in a row at most; then it waits for a person, so a file whose sending kills its worker is not tried forever."""
    with transaction.atomic():
        job = BulkJob.objects.select_for_update(of=("self",)).select_related("oa__shop").filter(run=run).first()
        if job is None:
            return  # someone handed the upload to another run already
        if job.resumes >= AUTO_RESUMES:
            error = _("Its worker stopped %(count)d times in a row. Send the rows left to try again.") % {
                "count": job.resumes + 1
            }
            BulkJob.objects.filter(pk=job.pk).update(status=BulkJob.Status.FAILED, error=error)
            return
        _hand_to_new_run(job, user=None, resumes=job.resumes + 1)


def result_header() -> list[str]:
    """The results download's header, in the user's language."""
    return [
        _("line"),
        _("phone"),
        _("state"),
        _("error"),
        _("tracking id"),
        _("eTelecom id"),
        _("delivery or reply"),
    ]


def result_rows(job: BulkJob):
    """The upload's rows and their outcome, for the results download (read a chunk at a time)."""
    rows = job.rows.select_related("message", "consent").order_by("line")
    for row in rows.iterator(chunk_size=1000):
        linked = row.message or row.consent
        if row.message is not None:
            delivery = row.message.get_delivery_status_display()
        elif row.consent is not None:
            delivery = row.consent.get_reply_status_display()
        else:
            delivery = ""
        yield [
            row.line,
            row.phone,
            row.get_state_display(),
            row.error,
            row.tracking_id,
            getattr(linked, "etelecom_id", ""),
            delivery,
        ]
