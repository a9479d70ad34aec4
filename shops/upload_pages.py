"""The admin of every app's bulk uploads (`shops.uploads`): the upload's page with its counts, the rows not sent
and the start button, starting, and the results download. An app's admin names its results (`result_header`,
`result_rows(job)`)."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from . import audit, badges, uploads
from .common.display import badge
from .common.exports import streamed_csv
from .models import BulkJobBase, BulkRowBase
from .pages import object_or_403
from .scoping import MirroredAdmin

REPORT_ROWS = 200


class UploadAdmin(MirroredAdmin):
    change_form_template = "admin/console/bulk_change_form.html"
    result_header: list[str] = []

    def result_rows(self, job):
        raise NotImplementedError

    def get_urls(self):
        wrap = self.admin_site.admin_view
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/start/",
                wrap(lambda r, object_id: start(r, self, object_id)),
                name=f"{opts.app_label}_{opts.model_name}_start",
            ),
            path(
                "<path:object_id>/results/",
                wrap(lambda r, object_id: results(r, self, object_id)),
                name=f"{opts.app_label}_{opts.model_name}_results",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, job):
        return badge(job.status, badges.UPLOAD, job.get_status_display())

    def render_change_form(self, request, context, *args, obj=None, **kwargs):
        if obj is not None:
            tally = uploads.counts(obj)
            in_progress = uploads.in_progress(obj)
            context.update(
                tally=[(BulkRowBase.State(state).label, n) for state, n in tally.items() if n],
                total=sum(tally.values()),
                report=obj.rows.exclude(state=BulkRowBase.State.SENT).order_by("line")[:REPORT_ROWS],
                can_start=self.has_change_permission(request, obj) and uploads.startable(obj, tally),
                in_progress=in_progress,
                # The run sending it died (the reaper will resume it within a minute), or it ended in another way
                # while the upload still says it is being sent.
                run_stopped=not in_progress and obj.status in (BulkJobBase.Status.QUEUED, BulkJobBase.Status.RUNNING),
            )
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)


def _change_page(model_admin, job):
    opts = model_admin.model._meta
    return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", job.pk)


@require_POST
def start(request, model_admin, object_id):
    job = object_or_403(model_admin, request, object_id, change=True)
    if uploads.bulk_start(job=job, user=request.user) is None:
        messages.warning(request, _("This upload is already being sent."))
    else:
        done = _("Sending started; this page shows the progress.")
        audit.record(request.user, job, done)
        messages.info(request, done)
    return _change_page(model_admin, job)


def results(request, model_admin, object_id):
    job = object_or_403(model_admin, request, object_id)
    return streamed_csv(f"upload-{job.pk}-results.csv", model_admin.result_header, model_admin.result_rows(job))
