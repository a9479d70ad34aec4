"""What the console keeps how long: a daily job deletes rows past their retention (settings RETENTION_* and
API_CALL_RETENTION_DAYS) and expired sessions.

Deleting a month of rows in one statement would hold its locks, and the writers that wait on them (SQLite's one
write lock, PostgreSQL's row locks against a sync that updates a run), for as long as it takes. Each batch here is a
range of primary keys deleted in a transaction of its own, so a writer waits for one batch at most.
"""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from .models import ApiCall, SyncRun, WebhookEvent


def delete_in_batches(queryset, *, batch: int | None = None) -> int:
    """Delete the rows of `queryset` a primary-key range of `batch` at a time, each range in its own transaction;
    returns how many rows of its model went. A range with nothing left to delete is skipped in one query."""
    batch = batch or settings.RETENTION_BATCH_SIZE
    label = queryset.model._meta.label
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    low, high = bounds["low"], bounds["high"]
    deleted = 0
    while low is not None and low <= high:
        with transaction.atomic():
            deleted += queryset.filter(pk__gte=low, pk__lt=low + batch).delete()[1].get(label, 0)
        low = queryset.filter(pk__gte=low + batch, pk__lte=high).aggregate(low=Min("pk"))["low"]
    return deleted


def _cutoff(days: int):
    return timezone.now() - timedelta(days=days)


def old_sync_runs():
    """Finished runs older than RETENTION_SYNC_RUNS_DAYS, except the latest run of each kind for each shop (what
    the dashboard shows, and what says a job ran at all). A queued or running run is never one of them."""
    newer = SyncRun.objects.filter(kind=OuterRef("kind"), pk__gt=OuterRef("pk"))
    superseded = Q(shop__isnull=False, has_newer_for_shop=True) | Q(shop__isnull=True, has_newer_global=True)
    return (
        SyncRun.objects.filter(
            status__in=[SyncRun.Status.SUCCEEDED, SyncRun.Status.FAILED, SyncRun.Status.SKIPPED],
            finished_at__lt=_cutoff(settings.RETENTION_SYNC_RUNS_DAYS),
        )
        .alias(
            has_newer_for_shop=Exists(newer.filter(shop_id=OuterRef("shop_id"))),
            has_newer_global=Exists(newer.filter(shop__isnull=True)),
        )
        .filter(superseded)
    )


def old_webhook_events():
    """Events older than RETENTION_WEBHOOK_EVENTS_DAYS that were dealt with (processed, or skipped as having nothing
    to update). Events that failed or whose kind no handler knows stay until someone deletes them in the admin."""
    return WebhookEvent.objects.filter(
        status__in=[WebhookEvent.Status.PROCESSED, WebhookEvent.Status.SKIPPED],
        received_at__lt=_cutoff(settings.RETENTION_WEBHOOK_EVENTS_DAYS),
    )


DATABASE_SESSIONS = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def _expired_sessions() -> int:
    """Expired sessions: in batches for the database backends, through the backend's own `clear_expired` for the
    others (what `manage.py clearsessions` does)."""
    engine = import_module(settings.SESSION_ENGINE)
    if settings.SESSION_ENGINE not in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
    ):
        engine.SessionStore.clear_expired()
        return 0
    deleted = 0
    expired = Session.objects.filter(expire_date__lt=timezone.now())
    while keys := list(expired.values_list("session_key", flat=True)[: settings.RETENTION_BATCH_SIZE]):
        with transaction.atomic():
            deleted += Session.objects.filter(session_key__in=keys).delete()[0]
    return deleted


def prune() -> dict[str, int]:
    """Delete every row past its retention; returns how many of each kind went (a run's counts)."""
    axes_cutoff = _cutoff(settings.RETENTION_AXES_DAYS)
    api_calls = ApiCall.objects.filter(created_at__lt=_cutoff(settings.API_CALL_RETENTION_DAYS))
    return {
        "sync_runs": delete_in_batches(old_sync_runs()),
        "webhook_events": delete_in_batches(old_webhook_events()),
        "api_calls": delete_in_batches(api_calls),
        "login_attempts": delete_in_batches(AccessAttempt.objects.filter(attempt_time__lt=axes_cutoff))
        + delete_in_batches(AccessFailureLog.objects.filter(attempt_time__lt=axes_cutoff))
        + delete_in_batches(AccessLog.objects.filter(attempt_time__lt=axes_cutoff)),
        "sessions": _expired_sessions(),
    }
