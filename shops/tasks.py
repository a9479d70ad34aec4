"""django-q2 entry points: take ids, call one service through the sync-run helper."""

from . import services, syncing
from .models import Shop, SyncRun


def check_credential(run_id: int) -> None:
    syncing.execute(run_id, services.check_credential_work)


def check_all_credentials() -> int:
    """Hourly: one queued check per active shop, so one slow or failing shop holds up none of the others."""
    pending = SyncRun.objects.filter(
        kind="credential_check", shop__isnull=False, status__in=[SyncRun.Status.QUEUED, SyncRun.Status.RUNNING]
    ).values("shop_id")
    shops = Shop.objects.filter(is_active=True).exclude(pk__in=pending)
    count = 0
    for shop in shops.iterator():
        syncing.enqueue("credential_check", "shops.tasks.check_credential", shop=shop)
        count += 1
    return count


def import_partner_shops(run_id: int) -> None:
    syncing.execute(run_id, services.import_partner_shops_work)


def prune_api_calls() -> int:
    return services.api_calls_prune()
