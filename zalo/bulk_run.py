"""The run that sends a bulk upload of the zalo app (`zalo.bulk`) with the machinery every upload shares
(`shops.uploads`): how a ZNS row and a call permission row are sent, read back and released.

A ZNS row is sent under its tracking id and read back by it. `RequestConsent` carries no id of ours: a request that
may have gone is looked for by phone, call type and reason among those made since the row was attempted."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from etelecom import AuthenticationError, EtelecomError, RateLimited
from etelecom import zalo as zalo_api
from etelecom import zns as zns_api
from shops import jobs, uploads
from shops.clients import job_client
from shops.common.refusals import describe_error
from shops.errors import Refused
from shops.models import SyncRun
from shops.uploads import Hold

from . import bulk, rollups, services
from .models import BulkJob, BulkRow, Message

QUOTA_CODE = "failed_precondition"


def bulk_work(run: SyncRun) -> dict:
    """Sync-run work: send the rows of the upload this run belongs to."""
    return uploads.bulk_work(
        run,
        model=BulkJob,
        sender=lambda job, client: (ConsentSender if job.kind == BulkJob.Kind.CONSENT else ZnsSender)(job, client),
        client=lambda job: job_client(job.oa.shop, f"bulk_{job.kind}"),
    )


class ZnsSender:
    """Sends a row's ZNS under its tracking id; the attempt (a `Message`) is stored before eTelecom is called."""

    quota_reason = gettext_lazy("The OA's ZNS quota for today is used up; sent when it renews.")

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
        except Refused as exc:
            if exc.code == QUOTA_CODE:
                raise Hold(str(exc)) from exc
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


class ConsentSender:
    """Requests a row's call permission. `RequestConsent` carries no id of ours: a request that may have gone is
    looked for by phone, call type and reason among those made since the row was attempted."""

    quota_reason = ""

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


class BulkSend(jobs.Job):
    kind, label = "bulk_send", gettext_lazy("Bulk upload")

    @classmethod
    def work(cls, run):
        return bulk_work(run)

    @classmethod
    def on_abandon(cls, run):
        bulk.resume_abandoned(run)
