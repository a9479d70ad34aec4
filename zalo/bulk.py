"""Bulk uploads of the zalo app: a CSV of call permission requests or ZNS sends, checked row by row (a ZNS row by
`templates.check_send`, as the send form checks a send) before anything is sent, then sent by one background run
per upload (`zalo.bulk_run`), with the machinery every upload shares (`shops.uploads`)."""

from __future__ import annotations

from functools import partial

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shops import uploads
from shops.common.phones import normalise_phone
from shops.uploads import (  # noqa: F401 - the zalo upload's interface, as its pages and tests use it
    AUTO_RESUMES,
    UploadError,
    bulk_start,
    counts,
    in_progress,
    startable,
)

from . import templates
from .models import BulkJob, Consent, ZnsTemplate

resume_abandoned = partial(uploads.resume_abandoned, model=BulkJob)


def _check_zns(template: ZnsTemplate, columns: list[str], records: list[dict]):
    names = [p.get("name") for p in template.params if p.get("name")]
    missing = [
        n for n in names if n not in columns and any(p.get("require") for p in template.params if p["name"] == n)
    ]
    if missing:
        raise UploadError(_("The file has no column for the parameters: %(names)s.") % {"names": ", ".join(missing)})
    for record in records:
        if error := uploads.too_long(record):
            yield record.get("phone", ""), {}, error
            continue
        phone, data, errors = templates.check_send(template, record)
        if errors:
            yield record.get("phone", ""), {}, "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        else:
            yield phone, data, ""


def _check_consents(job: BulkJob, records: list[dict]):
    for record in records:
        if error := uploads.too_long(record):
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
    columns, records = uploads.read_csv(upload)
    checked = (
        _check_zns(job.template, columns, records) if job.kind == BulkJob.Kind.ZNS else _check_consents(job, records)
    )
    return uploads.store_checked(job, checked)


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
        if row.message is not None and row.message.delivery_status:
            delivery = row.message.get_delivery_status_display()
        else:
            delivery = row.consent.get_reply_status_display() if row.consent is not None else ""
        yield [
            row.line,
            row.phone,
            row.get_state_display(),
            row.error,
            row.tracking_id,
            getattr(linked, "etelecom_id", ""),
            delivery,
        ]
