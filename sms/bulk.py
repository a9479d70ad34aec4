"""Bulk SMS: a CSV of SMS from one template, checked row by row as the send form checks one
(`services.check_send`), then sent by one background run per upload (`sms.bulk_run`), with the machinery every
upload shares (`shops.uploads`)."""

from __future__ import annotations

from functools import partial

from django.utils.translation import gettext as _

from shops import uploads
from shops.formats import coded

from . import services
from .models import SmsBulkJob, SmsMessage

resume_abandoned = partial(uploads.resume_abandoned, model=SmsBulkJob)


def result_header() -> list[str]:
    """The results download's header, in the user's language."""
    return [
        _("line"),
        _("phone"),
        _("state"),
        _("error"),
        _("tracking id"),
        _("gateway id"),
        _("delivery"),
        _("channel"),
        _("segments"),
    ]


def _check(job: SmsBulkJob, columns: list[str], records: list[dict]):
    names = job.template.params
    missing = [name for name in names if name not in columns]
    if missing:
        raise uploads.UploadError(
            _("The file has no column for the variables: %(names)s.") % {"names": ", ".join(missing)}
        )
    for record in records:
        if error := uploads.too_long(record):
            yield record.get("phone", ""), {}, error
            continue
        phone, params, errors = services.check_send(job.template, record)
        if errors:
            yield record.get("phone", ""), {}, "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in errors.items())
        else:
            yield phone, params, ""


def bulk_check(*, job: SmsBulkJob, upload) -> SmsBulkJob:
    """Read and check every row; store the upload with one row each (invalid ones with their reason). Nothing is
    sent. A phone that appears twice is sent once."""
    columns, records = uploads.read_csv(upload)
    return uploads.store_checked(job, _check(job, columns, records))


def result_rows(job: SmsBulkJob):
    """The upload's rows and their outcome, for the results download (read a chunk at a time)."""
    for row in job.rows.select_related("message").order_by("line").iterator(chunk_size=1000):
        message = row.message
        yield [
            row.line,
            row.phone,
            row.get_state_display(),
            row.error,
            row.tracking_id,
            getattr(message, "omni_id", ""),
            coded(SmsMessage.Status, message.status) if message and message.status else "",
            coded(SmsMessage.Channel, message.channel) if message and message.channel else "",
            getattr(message, "mtcount", "") or "",
        ]
