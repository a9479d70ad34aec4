import logging

from django.contrib import admin
from django.db import connection
from django.http import JsonResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
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


ERRORS = {
    403: (
        "block",
        _("You may not open this page"),
        _("Your role or your shops do not cover what this page shows or changes. Ask an administrator for it."),
    ),
    404: (
        "search_off",
        _("This page does not exist"),
        _("The address is wrong, or what it showed was deleted or belongs to a shop that is not yours."),
    ),
}


def _error_page(request, status: int):
    """A 403 or 404 in the console's look, with its sidebar for staff who are signed in, so the person can go on
    from it (Django's bare pages leave them stranded, in English)."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_active and user.is_staff)
    icon, title, text = ERRORS[status]
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": staff,
        "signed_in": staff,
        "title": title,
        "error_icon": icon,
        "error_text": text,
        "error_code": status,
    }
    return TemplateResponse(request, f"{status}.html", context, status=status).render()


def permission_denied(request, exception):
    return _error_page(request, 403)


def page_not_found(request, exception):
    return _error_page(request, 404)
