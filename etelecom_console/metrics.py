"""`/metrics`: figures a partner's Prometheus (or a person with curl) can scrape, in the Prometheus text format.

Read from the database every scrape, so every web node answers the same whatever node or worker did the work:
sync runs finished and eTelecom API calls made in the last hour (gauges over a sliding window: the tables they
come from are pruned, so totals since the start would fall), the job queue's depth, live clusters and the
schedules' lag. Protected by METRICS_TOKEN (`Authorization: Bearer <token>`); without a token set it answers 404.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.http import HttpResponse, HttpResponseNotFound
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from shops.models import ApiCall, SyncRun

from . import health

WINDOW = timedelta(hours=1)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _family(name: str, help_text: str, samples: list[tuple[dict, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        shown = ",".join(f'{key}="{_label(text)}"' for key, text in labels.items())
        lines.append(f"{name}{{{shown}}} {value:g}" if shown else f"{name} {value:g}")
    return lines


def exposition() -> str:
    """The figures as Prometheus text."""
    since = timezone.now() - WINDOW
    runs = (
        SyncRun.objects.filter(finished_at__gte=since)
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by("kind", "status")
    )
    calls = (
        ApiCall.objects.filter(created_at__gte=since)
        .values("method")
        .annotate(n=Count("pk"), errors=Count("pk", filter=~Q(error_code="") | ~Q(status=200) | Q(status=None)))
        .order_by("method")
    )
    calls = list(calls)
    broker = health.broker_state()
    lines = [
        *_family(
            "etelecom_console_sync_runs_last_hour",
            "Sync runs finished in the last hour, by kind and status.",
            [({"kind": row["kind"], "status": row["status"]}, row["n"]) for row in runs],
        ),
        *_family(
            "etelecom_console_api_calls_last_hour",
            "HTTP attempts to eTelecom in the last hour, by Service/Method.",
            [({"method": row["method"]}, row["n"]) for row in calls],
        ),
        *_family(
            "etelecom_console_api_errors_last_hour",
            "HTTP attempts to eTelecom in the last hour that failed, by Service/Method.",
            [({"method": row["method"]}, row["errors"]) for row in calls],
        ),
        *_family(
            "etelecom_console_queue_depth",
            "Tasks waiting in the job broker (-1: the broker did not answer).",
            [({}, broker["queued"] if broker["ok"] else -1)],
        ),
        *_family("etelecom_console_clusters_alive", "Job clusters alive.", [({}, health.clusters_alive())]),
        *_family(
            "etelecom_console_schedule_lag_seconds",
            "Seconds the most overdue schedule is late.",
            [({}, round(health.schedule_lag()))],
        ),
    ]
    return "\n".join(lines) + "\n"


def _authorised(request) -> bool:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), settings.METRICS_TOKEN.encode())


@never_cache
@require_safe
def metrics(request):
    if not settings.METRICS_TOKEN:
        return HttpResponseNotFound("not found\n", content_type="text/plain")
    if not _authorised(request):
        response = HttpResponse("a bearer token is required\n", status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(exposition(), content_type=CONTENT_TYPE)
