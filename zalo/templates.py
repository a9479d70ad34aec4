"""ZNS templates: registering one and the template sync."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy

from etelecom import (
    EtelecomError,
)
from etelecom import zns as zns_api
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common.mirror import Mirror, renamed, same
from shops.errors import Refused
from shops.models import SyncRun

from .models import OfficialAccount, ZnsTemplate
from .selectors import shops_with_oa


def _template_params(remote: zns_api.Template) -> list[dict]:
    return [
        {
            "name": p.name,
            "type": p.type,
            "require": p.require,
            "accept_null": p.accept_null,
            "min_length": p.min_length,
            "max_length": p.max_length,
        }
        for p in remote.params
    ]


# A ZNS template as ListTemplates or GetTemplate returns it.
TEMPLATE = Mirror(
    {
        **same(
            "type",
            "status",
            "quality",
            "tag",
            "price",
            "timeout",
            "apply_template_quota",
            "daily_quota",
            "remaining_quota",
            "preview_url",
            "is_journey",
        ),
        **renamed(name="template_name", etelecom_created_at="created_at", etelecom_updated_at="updated_at"),
        "params": _template_params,
        "synced_at": lambda remote: timezone.now(),
    }
)


def template_register(*, oa: OfficialAccount, user, template_id: int, type: str) -> ZnsTemplate:
    """`CreateTemplate`: a template made and approved on Zalo's side becomes usable through eTelecom."""
    try:
        remote = zns_api.create_template(
            shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id, template_id=template_id, type=type
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    template, _ = ZnsTemplate.objects.update_or_create(
        oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
    )
    return template


def templates_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every template of every OA (`ListTemplates` answers full records)."""
    oas = {oa.oa_id: oa for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True)}
    count = 0
    with job_client(run.shop, "template_sync") as client:
        for oa_id, oa in oas.items():
            for remote in zns_api.iter_templates(client, oa_id=oa_id):
                ZnsTemplate.objects.update_or_create(
                    oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
                )
                count += 1
    return {"templates": count, "oas": len(oas)}


class TemplateSync(jobs.Job):
    kind, label = "template_sync", gettext_lazy("ZNS template sync")
    schedule_name, interval_setting = "zalo: sync ZNS templates", "ZALO_TEMPLATE_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return shops_with_oa()

    @classmethod
    def work(cls, run):
        return templates_sync_work(run)
