"""The sms app's pages: entering a shop's gateway account, sending one SMS (pick a template, fill its variables,
preview, send). Each page parses input and calls one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from shops.errors import Refused
from shops.pages import form_action
from shops.scoping import scope, user_shops
from shops.uploads import UploadError

from . import bulk, services
from .forms import AccountForm, BulkSmsForm, SendForm, TemplatePickForm
from .models import SmsAccount, SmsBulkJob, SmsMessage, SmsTemplate


def account_enter(request, model_admin):
    """Add or replace a shop's account: the gateway is asked about it before it is kept."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = AccountForm(
        request.POST or None, shops=user_shops(request.user).order_by("name"), initial=request.GET.dict()
    )

    def perform(data):
        existing = scope(SmsAccount.objects.filter(shop=data["shop"]), request.user).first()
        return services.account_save(
            shop=data["shop"], username=data["username"], password=data["password"], user=request.user, account=existing
        )

    return form_action(
        request,
        model_admin,
        form,
        perform=perform,
        done=lambda account: (
            _("The SMS account of %(shop)s is saved: %(status)s.")
            % {"shop": account.shop, "status": account.get_status_display()}
        ),
        title=_("Enter an SMS Brandname account"),
        intro=_(
            "eTelecom issues a username and password for its SMS gateway, apart from the shop's API key, and accepts "
            "calls only from whitelisted IP addresses. The console asks the gateway before keeping them."
        ),
        submit=_("Check and save"),
        form_id="sms-account-form",
    )


def _sendable_templates(request):
    return (
        scope(SmsTemplate.objects.filter(is_active=True), request.user)
        .select_related("shop")
        .order_by("shop__name", "code")
    )


def sms_send(request, model_admin):
    """Pick a template, fill its variables, preview, send."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    templates = _sendable_templates(request)
    chosen = (
        templates.filter(pk=request.GET.get("template")).first() if request.GET.get("template", "").isdigit() else None
    )
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Send an SMS"),
    }
    if chosen is None:
        context["pick"] = TemplatePickForm(templates=templates)
        return TemplateResponse(request, "admin/sms/smsmessage/send.html", context)
    form = SendForm(request.POST or None, template=chosen, initial=request.GET.dict())
    context.update(template=chosen, form=form)
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            context["preview"] = chosen.render(form.params())
        else:
            try:
                message = services.sms_send(
                    template=chosen,
                    phone=form.cleaned_data["phone"],
                    params=form.params(),
                    route=form.cleaned_data["route"],
                    user=request.user,
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                if message.send_state == SmsMessage.SendState.UNCONFIRMED:
                    messages.warning(
                        request,
                        _("The gateway did not confirm the SMS to %(phone)s; do not send it again before checking.")
                        % {"phone": message.phone},
                    )
                else:
                    messages.success(request, _("SMS sent to %(phone)s.") % {"phone": message.phone})
                return redirect("admin:sms_smsmessage_change", message.pk)
    return TemplateResponse(request, "admin/sms/smsmessage/send.html", context)


def bulk_upload(request, model_admin):
    """Check a CSV row by row; the upload's page then shows the report and starts the sending."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = BulkSmsForm(request.POST or None, request.FILES or None, templates=_sendable_templates(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        job = SmsBulkJob(
            shop=data["template"].shop,
            template=data["template"],
            route=data["route"],
            file_name=data["file"].name[:255],
            created_by=request.user,
        )
        try:
            bulk.bulk_check(job=job, upload=data["file"])
        except UploadError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("The file is checked. Review the rows, then start sending."))
            return redirect("admin:sms_smsbulkjob_change", job.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "form": form,
        "title": _("Send SMS from a CSV file"),
        "intro": _("Every row is checked first; nothing is sent until you start it on the next page."),
        "submit": _("Check the file"),
        "form_id": "sms-bulk-form",
        "multipart": True,
    }
    return TemplateResponse(request, "console/form_page.html", context)
