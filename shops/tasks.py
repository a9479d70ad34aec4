"""django-q2 entry points: take ids, call one service through the sync-run helper."""

from . import alerts, retention, services, syncing
from .models import Shop


def check_credential(run_id: int) -> None:
    syncing.execute(run_id, services.check_credential_work)


def check_all_credentials() -> int:
    """Hourly: one queued check per active shop, so one slow or failing shop holds up none of the others."""
    return syncing.enqueue_for_shops(
        "credential_check", "shops.tasks.check_credential", Shop.objects.filter(is_active=True)
    )


def import_partner_shops(run_id: int) -> None:
    syncing.execute(run_id, services.import_partner_shops_work)


def reap_runs() -> int:
    """Every minute: fail the runs whose worker died or whose task was lost, so the next cycle runs them again
    (and a bulk upload resumes)."""
    return syncing.reap()


def prune_old_rows() -> dict:
    """Daily: delete the rows past their retention (shops.retention), as one partner-wide run whose counts say
    how many of each kind went."""
    return syncing.run_now("retention", lambda run: retention.prune()).counts


def send_alerts() -> dict:
    """Every ALERT_DIGEST_MINUTES: mail each shop's staff the alerts that are new since the last digest, as one
    partner-wide run (never two at once, whatever the number of clusters)."""
    return syncing.run_now("alert_digest", alerts.send_digests).counts
