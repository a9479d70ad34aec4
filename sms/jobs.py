"""The SMS Brandname app's background jobs (`shops.jobs`): status checks and the bulk upload's runs."""

from django.utils.translation import gettext_lazy as _

from shops import jobs
from shops.models import Shop

from . import bulk, bulk_run, services
from .models import SmsMessage


class StatusPoll(jobs.Job):
    """One status check per active shop with SMS still in progress."""

    kind, label = "sms_status", _("SMS status check")
    schedule_name, interval_setting = "sms: check the status of SMS in progress", "SMS_STATUS_POLL_MINUTES"

    @classmethod
    def shops(cls):
        return Shop.objects.filter(
            is_active=True, sms_messages__finished_at__isnull=True, sms_messages__send_state=SmsMessage.SendState.SENT
        ).distinct()

    @classmethod
    def work(cls, run):
        return services.status_poll_work(run)


class BulkSend(jobs.Job):
    kind, label = "sms_bulk_send", _("Bulk SMS upload")

    @classmethod
    def work(cls, run):
        return bulk_run.bulk_work(run)

    @classmethod
    def on_abandon(cls, run):
        bulk.resume_abandoned(run)
