"""Running the background jobs from the admin: the lists' "run now" actions and a record page's "Sync now"."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import jobs, syncing
from ..models import Shop, SyncRun
from ..pages import object_or_403


def queue_runs(request, shops, kind: str) -> None:
    """Queue a run of the job `kind` for each of `shops` and say so, with a link to the runs (the admin's "run
    now" actions)."""
    with transaction.atomic():
        runs = [syncing.enqueue(kind, shop=shop, user=request.user) for shop in shops]
    url = reverse("admin:shops_syncrun_changelist") + f"?kind={kind}"
    text = ngettext("Queued %(count)d sync.", "Queued %(count)d syncs.", len(runs)) % {"count": len(runs)}
    messages.info(request, format_html('{} <a href="{}">{}</a>', text, url, _("See the runs")))


def shop_syncs(shop: Shop, among: list[str] | None = None) -> list[str]:
    """The syncs a scheduled cycle runs for `shop` (of `among`, when given): none for a shop the console does
    not sync (inactive, its credential refused), the PBX's only for a shop with a tenant, and so on."""
    return [
        kind
        for kind, job in jobs.JOBS.items()
        if (among is None or kind in among)
        and job.schedule_name
        and (shops := job.shops()) is not None
        and shops.filter(pk=shop.pk).exists()
    ]


class SyncNowAdmin:
    """A record page whose one action is "Sync now": it queues, for the record's shop, the syncs that bring what
    the page shows up to date (`sync_kinds`), from the page's primary button (`sync_url` in its context)."""

    def sync_kinds(self, obj) -> list[str]:
        raise NotImplementedError

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/sync/",
                self.admin_site.admin_view(require_POST(self.sync_view)),
                name=f"{opts.app_label}_{opts.model_name}_sync",
            ),
            *super().get_urls(),
        ]

    def sync_view(self, request, object_id):
        obj = object_or_403(self, request, object_id, change=True)
        shop = obj if isinstance(obj, Shop) else obj.shop
        kinds = self.sync_kinds(obj)
        with transaction.atomic():
            for kind in kinds:
                syncing.enqueue(kind, shop=shop, user=request.user)
        url = reverse("admin:shops_syncrun_changelist") + f"?shop={shop.pk}"
        text = ngettext("Queued %(count)d sync.", "Queued %(count)d syncs.", len(kinds)) % {"count": len(kinds)}
        messages.info(request, format_html('{} <a href="{}">{}</a>', text, url, _("See the runs")))
        opts = self.model._meta
        return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", obj.pk)

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None and self.has_change_permission(request, obj) and self.sync_kinds(obj):
            opts = self.model._meta
            context["sync_url"] = reverse(f"admin:{opts.app_label}_{opts.model_name}_sync", args=[obj.pk])
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


def run_link(run: SyncRun) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:shops_syncrun_change", args=[run.pk]), run)
