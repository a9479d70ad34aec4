"""The colour of each status of the hub's records (see shops.common.display)."""

from .common.display import BAD, BUSY, OK, UNKNOWN
from .models import BulkJobBase, Shop, SyncRun

CREDENTIAL = {
    Shop.CredentialStatus.VALID: OK,
    Shop.CredentialStatus.INVALID: BAD,
    Shop.CredentialStatus.UNKNOWN: UNKNOWN,
}
SYNC_RUN = {
    SyncRun.Status.SUCCEEDED: OK,
    SyncRun.Status.FAILED: BAD,
    SyncRun.Status.SKIPPED: UNKNOWN,
    SyncRun.Status.QUEUED: UNKNOWN,
    SyncRun.Status.RUNNING: BUSY,
}
UPLOAD = {
    BulkJobBase.Status.DONE: OK,
    BulkJobBase.Status.RUNNING: BUSY,
    BulkJobBase.Status.QUEUED: BUSY,
    BulkJobBase.Status.HELD: BUSY,
    BulkJobBase.Status.FAILED: BAD,
    BulkJobBase.Status.CHECKED: UNKNOWN,
}
# eTelecom's delivery state of a webhook (`GetWebhooks`), not an enum of ours.
WEBHOOK_STATE = {"ok": OK, "retry": BUSY, "stop": BAD}
