"""Probes for load balancers, orchestrators and monitors. Each answers GET or HEAD with JSON, is never cached, and
tells an anonymous caller only what is up or down (never a version, a host or an address).

- `/livez`: the process answers. Nothing else is checked: a failed database must not get every web node restarted.
- `/healthz`: this web node can serve pages: the database and the job broker answer. For the load balancer.
- `/readyz`: the whole console works: `/healthz`'s checks, at least one job cluster alive, and no schedule lagging.
  For deploy gates and monitoring; a stopped cluster makes it 503 while pages still load.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.brokers import get_broker
from django_q.models import Schedule, Task
from django_q.status import Stat

logger = logging.getLogger(__name__)


def _failed(check: str, exc: Exception) -> dict:
    # The reason goes to the log; the answer names only the exception's type.
    logger.warning("%s check failed: %s", check, type(exc).__name__)
    return {"ok": False, "error": type(exc).__name__}


def database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"
        return _failed("database", exc)
    return {"ok": True}


def broker_state() -> dict:
    try:
        broker = get_broker()
        broker.ping()
        queued = broker.queue_size()
    except Exception as exc:
        return _failed("broker", exc)
    return {"ok": True, "queued": queued}


def clusters_alive() -> int:
    """Job clusters that have shown a sign of life within CLUSTER_ALIVE_SECONDS: the ones that report their status
    to the broker (Redis keeps it for every process to read), or else, when the broker keeps it in a per-process
    cache (the ORM broker), at least one if a task finished in that time (the one-minute reaping schedule makes a
    live cluster finish one every minute)."""
    try:
        reported = len(Stat.get_all())
    except Exception as exc:
        logger.warning("cluster status unreadable: %s", type(exc).__name__)
        reported = 0
    if reported:
        return reported
    since = timezone.now() - timedelta(seconds=settings.CLUSTER_ALIVE_SECONDS)
    return 1 if Task.objects.filter(stopped__gte=since).exists() else 0


def schedule_lag() -> float:
    """Seconds the most overdue schedule is late (0 when none is): a live scheduler moves each due schedule's next
    run forward within about 30 s."""
    oldest = Schedule.objects.exclude(repeats=0).filter(next_run__lt=timezone.now()).order_by("next_run").first()
    if oldest is None:
        return 0.0
    return max(0.0, (timezone.now() - oldest.next_run).total_seconds())


def _cluster_state() -> dict:
    try:
        alive = clusters_alive()
    except Exception as exc:
        return _failed("cluster", exc)
    return {"ok": alive > 0, "alive": alive}


def _schedule_state() -> dict:
    try:
        lag = schedule_lag()
    except Exception as exc:
        return _failed("schedules", exc)
    return {"ok": lag <= settings.SCHEDULE_LAG_SECONDS, "lag_seconds": round(lag)}


def _answer(checks: dict) -> JsonResponse:
    healthy = all(check["ok"] for check in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503)
    # The failed check is logged once as a warning; Django's own error line for a 503 would mail ADMINS on every
    # probe, every few seconds, for as long as the outage lasts.
    response._has_been_logged = True
    return response


@never_cache
@require_safe
def livez(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def healthz(request):
    return _answer({"database": database_state(), "broker": broker_state()})


@never_cache
@require_safe
def readyz(request):
    database = database_state()
    checks = {"database": database, "broker": broker_state()}
    if database["ok"]:
        checks["cluster"] = _cluster_state()
        checks["schedules"] = _schedule_state()
    else:
        checks["cluster"] = checks["schedules"] = {"ok": False, "error": "database"}
    return _answer(checks)
