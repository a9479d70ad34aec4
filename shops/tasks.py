"""The hub's jobs, and the two django-q2 entry points of every job (`shops.jobs`): a run by its id, a schedule
by its job's kind."""

from django.utils.translation import gettext_lazy as _

from . import alerts, jobs, retention, services, syncing
from .models import Shop, SyncRun


def run_job(run_id: int) -> None:
    """Every queued run: its job's work, through the sync-run helper."""
    job = jobs.get(SyncRun.objects.values_list("kind", flat=True).get(pk=run_id))
    job.finished(syncing.execute(run_id, job.work))


def run_schedule(kind: str):
    """Every schedule: one queued run per shop the job runs for (dead runs of its kind are reaped first), or one
    partner-wide run in this worker."""
    job = jobs.get(kind)
    if not job.recorded:
        return job.work(None)
    shops = job.shops()
    if shops is None:
        return syncing.run_now(kind, job.work).counts
    return syncing.enqueue_for_shops(kind, shops)


class CredentialCheck(jobs.Job):
    """Hourly: one queued check per active shop, so one slow or failing shop holds up none of the others."""

    kind, label = "credential_check", _("Credential check")
    schedule_name, schedule_type = "shops: check credentials", jobs.HOURLY

    @classmethod
    def shops(cls):
        return Shop.objects.filter(is_active=True)

    @classmethod
    def work(cls, run):
        return services.check_credential_work(run)


class ShopImport(jobs.Job):
    kind, label = "shop_import", _("Import partner shops")

    @classmethod
    def work(cls, run):
        return services.import_partner_shops_work(run)


class Reaper(jobs.Job):
    """Every minute: fail the runs whose worker died or whose task was lost, so the next cycle runs them again
    (and a bulk upload resumes)."""

    kind, label, recorded = "reaper", _("Reap runs whose worker died"), False
    schedule_name, minutes = "shops: reap runs whose worker died", 1

    @classmethod
    def work(cls, run):
        return syncing.reap()


class Retention(jobs.Job):
    """Daily: delete the rows past their retention (shops.retention), as one partner-wide run whose counts say
    how many of each kind went."""

    kind, label = "retention", _("Delete rows past their retention")
    schedule_name, schedule_type = "shops: delete rows past their retention", jobs.DAILY

    @classmethod
    def work(cls, run):
        return retention.prune()


class AlertDigest(jobs.Job):
    """Every ALERT_DIGEST_MINUTES: mail each shop's staff the alerts that are new since the last digest, as one
    partner-wide run (never two at once, whatever the number of clusters)."""

    kind, label = "alert_digest", _("Mail new alerts")
    schedule_name, interval_setting = "shops: mail new alerts to each shop's staff", "ALERT_DIGEST_MINUTES"

    @classmethod
    def work(cls, run):
        return alerts.send_digests(run)
