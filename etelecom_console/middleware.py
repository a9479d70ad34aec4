"""Middleware every request passes first: its id, the probes that answer by IP, and eTelecom's time budget."""

from __future__ import annotations

from django.conf import settings

from etelecom import time_budget

from . import health, metrics
from .logs import REQUEST_ID, request_id_from

# Paths answered before host validation: a load balancer or an orchestrator probes by IP, which ALLOWED_HOSTS
# would refuse with a 400, and a scraper may too. None of them shows anything to an anonymous caller beyond
# up or down (and /metrics wants its token).
PROBES = {"/livez": health.livez, "/readyz": health.readyz, "/healthz": health.healthz, "/metrics": metrics.metrics}


class RequestIdMiddleware:
    """Gives each request an id (a sane incoming `X-Request-ID`, else a new one) that every log line of the request
    carries and the response returns in `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_from(request.META.get("HTTP_X_REQUEST_ID"))
        token = REQUEST_ID.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            REQUEST_ID.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


class ProbeMiddleware:
    """Answers the probe paths itself, before SecurityMiddleware's HTTPS redirect and CommonMiddleware's host check."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None:
            return probe(request)
        return self.get_response(request)


class EtelecomBudgetMiddleware:
    """Every eTelecom call a request makes ends within ETELECOM_REQUEST_BUDGET seconds of the request's start,
    retries included, so a slow eTelecom becomes "eTelecom did not answer in time" well before gunicorn's timeout
    or the proxy's. Background jobs are not requests and keep the full timeouts and retries."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with time_budget(settings.ETELECOM_REQUEST_BUDGET):
            return self.get_response(request)
