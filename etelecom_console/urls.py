from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from shops.views import webhook_receive

from . import views
from .logs import WEBHOOK_PREFIX

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", views.healthz, name="healthz"),
    path(f"{WEBHOOK_PREFIX}<str:secret>/", webhook_receive, name="etelecom_webhook"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler403 = views.permission_denied
handler404 = views.page_not_found
