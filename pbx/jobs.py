"""The cloud PBX's background jobs (`shops.jobs`): the directory sync (tenant, hotlines, users and extensions) and
the deletion of calls past their retention; the call history sync's is in `pbx.calls`."""

from django.utils.translation import gettext_lazy as _

from shops import jobs
from shops.selectors import syncable_shops

from . import services


class DirectorySync(jobs.Job):
    """Tenants, hotlines, users and extensions of every active shop."""

    kind, label = "pbx_sync", _("PBX tenant, hotlines, users and extensions sync")
    schedule_name, interval_setting = "pbx: sync tenants, hotlines, users and extensions", "PBX_DIRECTORY_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops()

    @classmethod
    def work(cls, run):
        return services.directory_sync_work(run)


class CallRetention(jobs.Job):
    """Daily: calls older than PBX_CALL_RETENTION_DAYS and their rollups deleted (nothing when it is 0)."""

    kind, label = "call_retention", _("Deletion of calls past their retention")
    schedule_name, schedule_type = "pbx: delete calls past their retention", jobs.DAILY

    @classmethod
    def work(cls, run):
        return services.calls_retention_work(run)
