"""django-q2 entry points for SMS Brandname: take ids, call one service through the sync-run helper."""

from shops import syncing
from shops.models import Shop

from . import bulk_run, services
from .models import SmsMessage


def poll_statuses(run_id: int) -> None:
    syncing.execute(run_id, services.status_poll_work)


def run_bulk(run_id: int) -> None:
    syncing.execute(run_id, bulk_run.bulk_work)


def poll_all_statuses() -> int:
    """Scheduled: one status check per active shop with SMS still in progress."""
    shops = Shop.objects.filter(
        is_active=True, sms_messages__finished_at__isnull=True, sms_messages__send_state=SmsMessage.SendState.SENT
    ).distinct()
    return syncing.enqueue_for_shops("sms_status", "sms.tasks.poll_statuses", shops)
