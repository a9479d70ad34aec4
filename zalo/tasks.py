"""django-q2 entry points for Zalo: take ids, call one service through the sync-run helper."""

from shops import syncing
from shops.models import Shop

from . import services


def sync_oas(run_id: int) -> None:
    syncing.execute(run_id, services.oa_sync_work)


def sync_followers(run_id: int) -> None:
    syncing.execute(run_id, services.followers_sync_work)


def sync_all_oas() -> int:
    """Scheduled: one queued OA sync per active shop whose key is not known to be invalid."""
    shops = Shop.objects.filter(is_active=True).exclude(credential_status=Shop.CredentialStatus.INVALID)
    return syncing.enqueue_for_shops("oa_sync", "zalo.tasks.sync_oas", shops)
