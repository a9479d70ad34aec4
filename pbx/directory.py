"""The directory sync: each shop's tenant, hotlines, staff users and extensions mirrored from eTelecom."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from etelecom import NotFound
from etelecom import pbx as pbx_api
from shops import jobs
from shops.clients import Actor, job_client, partner_client
from shops.models import SyncRun
from shops.selectors import syncable_shops

from .extensions import extension_store
from .hotlines import hotline_store
from .models import Extension, Hotline
from .tenants import tenant_store
from .users import user_store


def directory_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: its tenant, its hotlines (the partner's pool, those its tenant owns or it
    already uses), its staff users and its extensions."""
    shop = run.shop
    with job_client(shop, "pbx_sync") as client:
        try:
            tenant = tenant_store(shop, pbx_api.get_tenant(client))
        except NotFound:  # no tenant yet
            return {"tenant": 0, "hotlines": 0, "users": 0, "extensions": 0}
        users = list(pbx_api.iter_account_users(client))
        extensions = list(pbx_api.iter_extensions(client))
    partner = partner_client(Actor(job="pbx_sync"), shop=shop)
    used = {remote.hotline_id for remote in extensions} | set(
        Hotline.objects.filter(shop=shop).values_list("etelecom_id", flat=True)
    )
    hotlines = [h for h in pbx_api.iter_partner_hotlines(partner) if h.owner_id == tenant.owner_id or h.id in used]
    with transaction.atomic():
        for remote in hotlines:
            hotline_store(shop, remote)
        for remote in users:
            user_store(shop, remote)
        for remote in extensions:
            extension_store(shop, remote)
        gone = Extension.objects.filter(shop=shop).exclude(etelecom_id__in=[e.id for e in extensions])
        removed = gone.count()
        gone.delete()
    return {
        "tenant": 1,
        "hotlines": len(hotlines),
        "users": len(users),
        "extensions": len(extensions),
        "removed": removed,
    }


class DirectorySync(jobs.Job):
    """Tenants, hotlines, users and extensions of every active shop."""

    kind, label = "pbx_sync", _("PBX tenant, hotlines, users and extensions sync")
    schedule_name, interval_setting = "pbx: sync tenants, hotlines, users and extensions", "PBX_DIRECTORY_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops()

    @classmethod
    def work(cls, run):
        return directory_sync_work(run)
