"""django-q2 entry points for the cloud PBX: take ids, call one service through the sync-run helper."""

from shops import syncing
from shops.models import Shop, SyncRun

from . import services


def sync_calls(run_id: int) -> None:
    run = syncing.execute(run_id, services.call_history_sync_work)
    if run.status == SyncRun.Status.SUCCEEDED and run.counts.get("more"):
        # The pass goes on in a run at the back of the queue: the shops queued meanwhile go first.
        syncing.enqueue_again(run, "pbx.tasks.sync_calls")


def sync_directory(run_id: int) -> None:
    syncing.execute(run_id, services.directory_sync_work)


def _syncable():
    return Shop.objects.filter(is_active=True).exclude(credential_status=Shop.CredentialStatus.INVALID)


def sync_all_calls() -> int:
    """Scheduled: one queued call-history sync per active shop with a tenant and a key not known to be invalid."""
    return syncing.enqueue_for_shops("call_sync", "pbx.tasks.sync_calls", _syncable().filter(tenant__isnull=False))


def sync_all_directories() -> int:
    """Scheduled: tenants, hotlines, users and extensions of every active shop."""
    return syncing.enqueue_for_shops("pbx_sync", "pbx.tasks.sync_directory", _syncable())


def prune_calls() -> None:
    """Daily: calls older than PBX_CALL_RETENTION_DAYS and their rollups deleted (nothing when it is 0)."""
    syncing.run_now("call_retention", services.calls_retention_work)
