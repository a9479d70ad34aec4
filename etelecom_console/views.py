import logging

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_q.brokers import get_broker

logger = logging.getLogger(__name__)


def _database_state() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not healthy"; the reason goes to the log, not the answer
        logger.warning("healthz: database check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def _broker_state() -> dict:
    try:
        broker = get_broker()
        broker.ping()
        queued = broker.queue_size()
    except Exception as exc:
        logger.warning("healthz: broker check failed: %s", type(exc).__name__)
        return {"ok": False, "error": type(exc).__name__}
    return {"ok": True, "broker": broker.info(), "queued": queued}


@never_cache
@require_safe
def healthz(request):
    """For load balancers and monitors (GET or HEAD): 200 when the database and the job broker answer, 503
    otherwise."""
    database = _database_state()
    broker = _broker_state()
    healthy = database["ok"] and broker["ok"]
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "database": database, "broker": broker},
        status=200 if healthy else 503,
    )
