"""django-q2 entry points for Zalo: take ids, call one service through the sync-run helper."""

from shops import syncing
from shops.models import Shop

from . import bulk_run, services


def sync_oas(run_id: int) -> None:
    syncing.execute(run_id, services.oa_sync_work)


def sync_followers(run_id: int) -> None:
    syncing.execute(run_id, services.followers_sync_work)


def sync_consents(run_id: int) -> None:
    syncing.execute(run_id, services.consents_sync_work)


def sync_templates(run_id: int) -> None:
    syncing.execute(run_id, services.templates_sync_work)


def sync_messages(run_id: int) -> None:
    syncing.execute(run_id, services.messages_sync_work)


def sync_journeys(run_id: int) -> None:
    syncing.execute(run_id, services.journeys_sync_work)


def run_bulk(run_id: int) -> None:
    syncing.execute(run_id, bulk_run.bulk_work)


def _syncable():
    return Shop.objects.filter(is_active=True).exclude(credential_status=Shop.CredentialStatus.INVALID)


def sync_all_consents() -> int:
    """Scheduled: one consent sync per active shop with an OA."""
    shops = _syncable().filter(oas__isnull=False).distinct()
    return syncing.enqueue_for_shops("consent_sync", "zalo.tasks.sync_consents", shops)


def sync_all_messages() -> int:
    """Scheduled: one ZNS message sync per active shop with an OA."""
    shops = _syncable().filter(oas__isnull=False).distinct()
    return syncing.enqueue_for_shops("message_sync", "zalo.tasks.sync_messages", shops)


def sync_all_journeys() -> int:
    """Scheduled: one journey token sync per active shop with an OA."""
    shops = _syncable().filter(oas__isnull=False).distinct()
    return syncing.enqueue_for_shops("journey_sync", "zalo.tasks.sync_journeys", shops)


def sync_all_templates() -> int:
    """Scheduled: one template sync per active shop with an OA."""
    shops = _syncable().filter(oas__isnull=False).distinct()
    return syncing.enqueue_for_shops("template_sync", "zalo.tasks.sync_templates", shops)


def sync_all_oas() -> int:
    """Scheduled: one queued OA sync per active shop whose key is not known to be invalid."""
    return syncing.enqueue_for_shops("oa_sync", "zalo.tasks.sync_oas", _syncable())
