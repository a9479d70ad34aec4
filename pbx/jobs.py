"""The call history sync's job (`shops.jobs`); the directory sync's and the retention's are declared in
`pbx.directory` and `pbx.retention`."""

from django.utils.translation import gettext_lazy as _

from shops import jobs, syncing
from shops.models import SyncRun
from shops.selectors import syncable_shops

from . import services


class CallSync(jobs.Job):
    """One queued call-history sync per active shop with a tenant and a key not known to be invalid."""

    kind, label = "call_sync", _("Call history sync")
    schedule_name, interval_setting = "pbx: sync call history", "PBX_CALL_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops().filter(tenant__isnull=False)

    @classmethod
    def work(cls, run):
        return services.call_history_sync_work(run)

    @classmethod
    def finished(cls, run):
        if run.status == SyncRun.Status.SUCCEEDED and run.counts.get("more"):
            # The pass goes on in a run at the back of the queue: the shops queued meanwhile go first.
            syncing.enqueue_again(run)
