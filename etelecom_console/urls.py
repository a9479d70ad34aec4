from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from shops.views import webhook_receive

from . import errors, health, metrics
from .logs import WEBHOOK_PREFIX

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    # Answered by ProbeMiddleware before the host check; routed here too, so that they can be reversed.
    path("livez", health.livez, name="livez"),
    path("readyz", health.readyz, name="readyz"),
    path("healthz", health.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path(f"{WEBHOOK_PREFIX}<str:secret>/", webhook_receive, name="etelecom_webhook"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = errors.permission_denied
handler404 = errors.page_not_found
