"""The run that sends a bulk SMS upload (`sms.bulk`) with the machinery every upload shares (`shops.uploads`).

Each row's message is stored under the row's tracking id before the gateway is called. The gateway takes no id of
ours and lists nothing, so a row whose answer never came (or that a dead run was sending) cannot be read back: it
stays unconfirmed and is never sent again by itself; the results download lists it for a person to check with
eTelecom. An account out of messages holds the row and the rest; a 401 stops the run."""

from __future__ import annotations

from contextlib import contextmanager

from django.utils.translation import gettext_lazy

from etelecom import AuthenticationError, RateLimited
from etelecom import sms as sms_api
from shops import uploads
from shops.clients import Actor
from shops.errors import Refused
from shops.models import SyncRun
from shops.uploads import Hold

from . import services
from .models import SmsBulkJob, SmsBulkRow, SmsMessage


@contextmanager
def _client(job: SmsBulkJob):
    account = services.usable_account(job.shop)
    client = services.account_client(account, Actor(job="sms_bulk"), batch=100)
    try:
        yield client, account
    finally:
        client.on_call.flush()


def bulk_work(run: SyncRun) -> dict:
    """Sync-run work: send the rows of the upload this run belongs to."""
    return uploads.bulk_work(run, model=SmsBulkJob, sender=SmsSender, client=_client)


class SmsSender:
    quota_reason = gettext_lazy("The SMS account has no messages left; sent once the shop tops up.")

    def __init__(self, job: SmsBulkJob, opened):
        self.job = job
        self.client, self.account = opened
        self.attempts: dict[int, SmsMessage] = {}

    def quota(self) -> None:
        return None  # the gateway tells no balance; running out holds the rows (`-3`)

    def prepare(self, rows: list[SmsBulkRow]) -> None:
        job = self.job
        stored = SmsMessage.objects.bulk_create(
            services.new_message(
                template=job.template, phone=row.phone, params=row.data, route=job.route, tracking_id=row.tracking_id
            )
            for row in rows
        )
        self.attempts.update((row.pk, message) for row, message in zip(rows, stored, strict=True))

    def send(self, row: SmsBulkRow) -> tuple[str, str, dict]:
        """The row's outcome; raises a 429 or a rejected account's error, and Hold when it is out of messages."""
        message = self.attempts[row.pk]
        try:
            message = services.sms_send_stored(message, client=self.client, account=self.account)
        except Refused as exc:
            if isinstance(exc.error, sms_api.OutOfMessages):
                raise Hold(str(exc)) from exc
            if isinstance(exc.error, RateLimited | AuthenticationError):
                raise exc.error from exc
            del self.attempts[row.pk]
            return SmsBulkRow.State.FAILED, str(exc), {"message": message}
        del self.attempts[row.pk]
        if message.send_state == SmsMessage.SendState.SENT:
            return SmsBulkRow.State.SENT, "", {"message": message}
        return SmsBulkRow.State.UNCONFIRMED, message.error, {"message": message}

    def read_back(self, row: SmsBulkRow) -> tuple[str, str, dict] | None:
        """What the row's attempt recorded: the gateway itself cannot be asked (it lists nothing). An attempt left
        in flight by a dead run may have gone: it becomes unconfirmed, and stays so."""
        message = SmsMessage.objects.filter(shop=self.job.shop, tracking_id=row.tracking_id).first()
        if message is None:
            return None
        if message.send_state == SmsMessage.SendState.SENT:
            return SmsBulkRow.State.SENT, "", {"message": message}
        if message.send_state == SmsMessage.SendState.SENDING:
            message.send_state = SmsMessage.SendState.UNCONFIRMED
            message.save(update_fields=["send_state"])
        return None

    def expired(self, row: SmsBulkRow) -> bool:
        """Known not to have gone: its attempt never reached the gateway, or the gateway refused it."""
        return (
            not SmsMessage.objects.filter(shop=self.job.shop, tracking_id=row.tracking_id)
            .exclude(send_state=SmsMessage.SendState.FAILED)
            .exists()
        )

    def release(self, rows: list[SmsBulkRow]) -> None:
        """Attempts of rows that were not sent (never called, or refused for the account, the quota or the rate):
        gone, so the row may go again under the same tracking id."""
        SmsMessage.objects.filter(
            shop=self.job.shop,
            tracking_id__in=[row.tracking_id for row in rows],
            send_state__in=[SmsMessage.SendState.SENDING, SmsMessage.SendState.FAILED],
        ).delete()
        for row in rows:
            self.attempts.pop(row.pk, None)

    def recount(self) -> None:
        """SMS have no rollups: the messaging report counts them by shop and day."""
