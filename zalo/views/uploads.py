"""The zalo app's bulk upload pages: a CSV of ZNS sends or call permission requests, checked row by row
(`zalo.bulk`), and the sample file of a template's columns."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from shops import audit
from shops.common.exports import csv_download

from .. import bulk
from ..forms import BulkConsentForm, BulkZnsForm
from ..models import BulkJob
from ..templates import param_rule
from .sends import sendable_templates, sending_oas


def bulk_upload(request, model_admin):
    """Check a CSV row by row; the upload's page then shows the report and starts the sending."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    kind = request.GET.get("kind") or BulkJob.Kind.ZNS
    if kind == BulkJob.Kind.ZNS:
        form = BulkZnsForm(request.POST or None, request.FILES or None, templates=sendable_templates(request))
        title = _("Send ZNS from a CSV file")
    else:
        form = BulkConsentForm(request.POST or None, request.FILES or None, oas=sending_oas(request))
        title = _("Request call permission from a CSV file")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        template = data.get("template")
        job = BulkJob(
            kind=kind,
            oa=template.oa if template else data["oa"],
            template=template,
            call_type=data.get("call_type", ""),
            reason_code=data.get("reason_code", ""),
            development=data.get("development", False),
            file_name=data["file"].name[:255],
            created_by=request.user,
        )
        try:
            bulk.bulk_check(job=job, upload=data["file"])
        except bulk.UploadError as exc:
            form.add_error("file", str(exc))
        else:
            done = _("The file is checked. Review the rows, then start sending.")
            audit.record(request.user, job, done, added=True)
            messages.success(request, done)
            return redirect("admin:zalo_bulkjob_change", job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "form": form,
        "title": title,
        "intro": _("Every row is checked first; nothing is sent until you start it on the next page."),
        "submit": _("Check the file"),
        "form_id": "bulk-upload-form",
        "multipart": True,
    }
    if kind == BulkJob.Kind.ZNS:
        templates = form.fields["template"].queryset
        context["columns"] = {str(template.pk): bulk_columns(template) for template in templates}
        context["chosen"] = str(form["template"].value() or request.GET.get("template") or "")
    return TemplateResponse(request, "admin/zalo/bulkjob/upload.html", context)


def bulk_columns(template) -> dict:
    """The columns a ZNS upload for `template` takes, each with what it holds, and the sample file's address."""
    columns = [("phone", _("The customer's phone: 0912345678, 84912345678 or +84 912 345 678."))]
    columns += [(param["name"], param_rule(param)) for param in template.params if param.get("name")]
    return {"columns": columns, "sample": reverse("admin:zalo_bulkjob_sample", args=[template.pk])}


def bulk_sample(request, model_admin, template_id):
    """A CSV to fill in: the template's columns and one example row."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    template = sendable_templates(request).filter(pk=template_id).first() if template_id.isdigit() else None
    if template is None:
        raise PermissionDenied
    names = [param["name"] for param in template.params if param.get("name")]
    example = ["0912345678", *(_sample_value(param) for param in template.params if param.get("name"))]
    return csv_download(f"zns-{template.template_id}-sample.csv", ["phone", *names], [example])


def _sample_value(param: dict) -> str:
    size = param.get("max_length") or 10
    if param.get("type") == "number":
        return "1" * max(param.get("min_length") or 1, min(size, 6))
    return "Nguyễn Văn An"[:size]
