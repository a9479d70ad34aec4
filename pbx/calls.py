"""The call history: its sync (a pass over `ListCallLogs`, stored a batch a transaction with its cursor, listed by a
fetcher process past its first batch), its job and its webhook handler (`call_log` events)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import closing
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from etelecom import pbx as pbx_api
from etelecom.webhook import record_of
from shops import jobs, syncing
from shops.clients import job_client
from shops.common import upsert
from shops.models import Shop, SyncRun
from shops.selectors import syncable_shops

from .call_rows import CALL_COLUMNS, CALL_UPDATED, call_days, call_pages, call_rows
from .fetcher import Fetcher
from .models import CallRecord, CallSyncState, Extension
from .retention import retention_start
from .rollups import rollups_refresh

CALL_PAGE = 1000
CALL_BATCH = 20_000  # rows per transaction: one cursor checkpoint and one rollup refresh each


def extension_lines(shop: Shop) -> dict[str, tuple[int, int | None, str]]:
    """Extension eTelecom id -> (extension pk, hotline pk, hotline eTelecom id): a call's hotline is its
    extension's."""
    return {
        eid: (pk, hotline_pk, hotline_eid)
        for eid, pk, hotline_pk, hotline_eid in Extension.objects.filter(shop=shop).values_list(
            "etelecom_id", "pk", "hotline_id", "hotline_etelecom_id"
        )
    }


def call_statement(*, fresh: bool = False) -> upsert.Statement:
    """The upsert of call rows on (shop, eTelecom id); `fresh`: rows expected to be new (`upsert.Statement`)."""
    return upsert.Statement(CallRecord, CALL_COLUMNS, unique=["shop", "etelecom_id"], update=CALL_UPDATED, fresh=fresh)


def calls_store(
    shop: Shop, statement: upsert.Statement, prepared: list | upsert.CopyRows, days: tuple[date, date] | None
) -> None:
    """Upsert prepared call rows on (shop, eTelecom id) and recount the days they fall on, in one transaction."""
    if not prepared:
        return
    with transaction.atomic():
        statement.execute(prepared)
        rollups_refresh(shop, *days)


def _pass_pages(client, job: dict) -> Iterator[tuple]:
    """A pass's pages: its first batch listed in this process; a pass that goes on past it (a first sync, a long
    outage) continues in a fetcher process, which lists while this one writes (`pbx.fetcher`)."""
    listed, cursor = 0, job["after"]
    listing = pbx_api.iter_call_log_pages(client, filter=job["query"], after=cursor, limit=job["limit"])
    for page in call_pages(listing, shop_id=job["shop_id"], lines=job["lines"], format=job["format"]):
        yield page
        cursor = page[2]
        listed += page[3]
        if cursor and listed >= CALL_BATCH:
            break
    else:
        return
    fetcher = Fetcher(
        {**job, "client": client.handover(), "after": cursor}, on_call=client.on_call, depth=CALL_BATCH // CALL_PAGE
    )
    try:
        yield from fetcher.pages()
    finally:
        fetcher.close()


def _merge(first, second):
    if first is None or second is None:
        return first or second
    return min(first[0], second[0]), max(first[1], second[1])


def call_history_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop's call history.

    A pass lists `ListCallLogs` (newest first) from the last complete pass's mark less an overlap (calls stored
    late, records updated) up to the pass's start; pages are stored `CALL_BATCH` rows a transaction, each with the
    cursor after it, so a pass that dies resumes where its last transaction ended. The mark moves only when a
    pass completes. Memory holds a batch and the pages read ahead, whatever the history size.

    A run stops after the batch that takes it past PBX_CALL_SYNC_RUN_SECONDS and answers `more`: a first sync of
    millions of calls goes on in a new run queued behind the other shops' (`CallSync.finished`), so it holds a
    worker for a slice at a time, never a whole cycle."""
    started = time.monotonic()
    budget = settings.PBX_CALL_SYNC_RUN_SECONDS
    shop = run.shop
    position, _ = CallSyncState.objects.get_or_create(shop=shop)
    resumed = position.pass_to is not None
    if not resumed:
        overlap = timedelta(minutes=settings.PBX_CALL_SYNC_OVERLAP_MINUTES)
        position.pass_from = position.synced_until - overlap if position.synced_until else None
        kept_from = retention_start()
        if kept_from is not None and (position.pass_from is None or position.pass_from < kept_from):
            position.pass_from = kept_from  # calls the retention job would delete are not fetched at all
        position.pass_to = timezone.now()
        position.pass_cursor = ""
        position.save()
    query = pbx_api.call_log_filter(date_from=position.pass_from, date_to=position.pass_to)
    # A shop's first pass finds none of its calls stored: they are copied straight in (`upsert.Statement`).
    statement = call_statement(fresh=position.synced_until is None)
    job = {
        "shop_id": shop.pk,
        "lines": extension_lines(shop),
        "format": statement.format,
        "query": query,
        "after": position.pass_cursor,
        "limit": CALL_PAGE,
    }
    before = CallRecord.objects.filter(shop=shop).count()
    seen = 0

    with (
        job_client(shop, "call_sync", batch=None) as client,
        closing(_pass_pages(client, job)) as pages,
    ):
        batch, days = None, None
        for prepared, page_days, cursor, count in pages:
            if batch is None:
                batch = prepared
            else:
                batch.extend(prepared)
            days = _merge(days, page_days)
            seen += count
            if len(batch) >= CALL_BATCH or not cursor:
                with transaction.atomic():
                    # The cursor is saved with the rows: a commit that a crash loses takes both, and the next run
                    # fetches the same pages again. So this commit need not wait for the disk.
                    upsert.relaxed_commit()
                    calls_store(shop, statement, batch, days)
                    CallSyncState.objects.filter(pk=position.pk).update(pass_cursor=cursor)
                batch, days = None, None
                client.on_call.flush()  # the audit rows of the pages stored
                if cursor and budget and time.monotonic() - started >= budget:
                    new = CallRecord.objects.filter(shop=shop).count() - before
                    return {"calls": seen, "new": new, "resumed": int(resumed), "more": 1}
    CallSyncState.objects.filter(pk=position.pk).update(
        synced_until=position.pass_to, pass_from=None, pass_to=None, pass_cursor=""
    )
    return {"calls": seen, "new": CallRecord.objects.filter(shop=shop).count() - before, "resumed": int(resumed)}


def call_event(shop: Shop, event: dict) -> None:
    """Webhook handler for `call_log` events: the call record in `data` is stored like a sync's."""
    rows = call_rows(shop.pk, [record_of(event, "the call record")], extension_lines(shop))
    if not rows:
        raise ValueError("the call record has no id or no started_at")
    statement = call_statement()
    calls_store(shop, statement, statement.prepare(rows), call_days(rows))


class CallSync(jobs.Job):
    """One queued call-history sync per active shop with a tenant and a key not known to be invalid."""

    kind, label = "call_sync", _("Call history sync")
    schedule_name, interval_setting = "pbx: sync call history", "PBX_CALL_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return syncable_shops().filter(tenant__isnull=False)

    @classmethod
    def work(cls, run):
        return call_history_sync_work(run)

    @classmethod
    def finished(cls, run):
        if run.status == SyncRun.Status.SUCCEEDED and run.counts.get("more"):
            # The pass goes on in a run at the back of the queue: the shops queued meanwhile go first.
            syncing.enqueue_again(run)
