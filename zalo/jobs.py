"""The zalo app's background jobs (`shops.jobs`): the syncs of OAs, followers, call permission requests, ZNS
templates, ZNS messages and journey tokens, and the bulk upload's runs."""

from django.utils.translation import gettext_lazy as _

from shops import jobs
from shops.selectors import syncable_shops

from . import bulk, bulk_run, services


def _with_oa():
    return syncable_shops().filter(oas__isnull=False).distinct()


class OaSync(jobs.Job):
    """One queued OA sync per active shop whose key is not known to be invalid."""

    kind, label = "oa_sync", _("Zalo OA sync")
    schedule_name, interval_setting = "zalo: sync OAs, quota and quality", "ZALO_OA_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops()

    @classmethod
    def work(cls, run):
        return services.oa_sync_work(run)


class FollowerSync(jobs.Job):
    kind, label = "follower_sync", _("Zalo follower sync")

    @classmethod
    def work(cls, run):
        return services.followers_sync_work(run)


class ConsentSync(jobs.Job):
    kind, label = "consent_sync", _("Call permission sync")
    schedule_name, interval_setting = "zalo: sync call permission requests", "ZALO_CONSENT_SYNC_MINUTES"
    shops = classmethod(lambda cls: _with_oa())

    @classmethod
    def work(cls, run):
        return services.consents_sync_work(run)


class TemplateSync(jobs.Job):
    kind, label = "template_sync", _("ZNS template sync")
    schedule_name, interval_setting = "zalo: sync ZNS templates", "ZALO_TEMPLATE_SYNC_MINUTES"
    shops = classmethod(lambda cls: _with_oa())

    @classmethod
    def work(cls, run):
        return services.templates_sync_work(run)


class MessageSync(jobs.Job):
    kind, label = "message_sync", _("ZNS message sync")
    schedule_name, interval_setting = "zalo: sync ZNS messages", "ZALO_MESSAGE_SYNC_MINUTES"
    shops = classmethod(lambda cls: _with_oa())

    @classmethod
    def work(cls, run):
        return services.messages_sync_work(run)


class JourneySync(jobs.Job):
    kind, label = "journey_sync", _("Journey token sync")
    schedule_name, interval_setting = "zalo: sync journey tokens", "ZALO_JOURNEY_SYNC_MINUTES"
    shops = classmethod(lambda cls: _with_oa())

    @classmethod
    def work(cls, run):
        return services.journeys_sync_work(run)


class BulkSend(jobs.Job):
    kind, label = "bulk_send", _("Bulk upload")

    @classmethod
    def work(cls, run):
        return bulk_run.bulk_work(run)

    @classmethod
    def on_abandon(cls, run):
        bulk.resume_abandoned(run)
