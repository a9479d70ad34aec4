"""The zalo app's send pages: requesting call permission, registering a template, sending one ZNS, and journey
tokens. Each page parses input and calls one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from shops import formats
from shops.errors import Refused
from shops.pages import form_action
from shops.scoping import scope

from .. import services
from ..forms import ConsentRequestForm, JourneyCreateForm, SendZnsForm, TemplatePickForm, TemplateRegisterForm
from ..models import OfficialAccount, ZnsTemplate


def sending_oas(request):
    """The connected OAs of the user's shops."""
    return (
        scope(OfficialAccount.objects.all(), request.user)
        .filter(status=OfficialAccount.Status.CONNECTED, missing_since__isnull=True)
        .select_related("shop")
        .order_by("shop__name", "name")
    )


def consent_request(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ConsentRequestForm(request.POST or None, oas=sending_oas(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: services.consent_request(user=request.user, **data),
        done=lambda consent: (
            _("Zalo asked %(phone)s for permission to call. The answer will show here.") % {"phone": consent.phone}
        ),
        title=_("Request permission to call"),
        intro=_(
            "Zalo asks the customer whether the OA may call them. Until they accept, the OA cannot call; "
            "the reply arrives by webhook and with every sync."
        ),
        submit=_("Send the request"),
        form_id="consent-request-form",
        added=True,
    )


def template_register(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = TemplateRegisterForm(request.POST or None, oas=sending_oas(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: services.template_register(user=request.user, **data),
        done=lambda template: (
            _("Template %(template)s is registered: %(status)s.")
            % {"template": template, "status": template.get_status_display() or template.status}
        ),
        title=_("Register a ZNS template"),
        intro=_("Templates are made and approved on Zalo; registering one lets the console send it through eTelecom."),
        submit=_("Register"),
        form_id="template-register-form",
    )


def sendable_templates(request):
    """Approved templates of the connected OAs of the user's shops."""
    return (
        ZnsTemplate.objects.filter(oa__in=sending_oas(request), status=ZnsTemplate.Status.ENABLED)
        .select_related("oa__shop")
        .order_by("oa__shop__name", "oa__name", "template_id")
    )


def zns_send(request, model_admin):
    """Pick a template, fill its parameters, preview, send."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    templates = sendable_templates(request)
    chosen = templates.filter(pk=request.GET.get("template")).first() if request.GET.get("template") else None
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Send a ZNS"),
    }
    if chosen is None:
        context["pick"] = TemplatePickForm(templates=templates)
        return TemplateResponse(request, "admin/zalo/message/send.html", context)
    form = SendZnsForm(request.POST or None, template=chosen)
    context.update(template=chosen, form=form, preview=composer_preview(form), cost=composer_cost(chosen))
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            context["previewed"] = True
        else:
            try:
                journey = form.cleaned_data["journey"]
                message = services.zns_send(
                    template=chosen,
                    phone=form.cleaned_data["phone"],
                    data=form.template_data(),
                    user=request.user,
                    development=form.cleaned_data["development"],
                    journey_id=journey.journey_id if journey else "",
                    sending_mode=form.cleaned_data["sending_mode"],
                )
            except Refused as exc:
                form.add_error(None, str(exc))
            else:
                if message.send_state == message.SendState.UNCONFIRMED:
                    messages.warning(
                        request,
                        _(
                            "eTelecom did not confirm the ZNS to %(phone)s. The console will check it with eTelecom; "
                            "do not send it again."
                        )
                        % {"phone": message.phone},
                    )
                else:
                    messages.success(request, _("ZNS sent to %(phone)s.") % {"phone": message.phone})
                return redirect("admin:zalo_message_change", message.pk)
    return TemplateResponse(request, "admin/zalo/message/send.html", context)


def composer_preview(form) -> list[dict]:
    """The message as the customer reads it: each parameter's words and the value typed (or the field's name in
    brackets until something is typed), in the template's order."""
    lines = []
    for name, field in form.fields.items():
        if not name.startswith("param_"):
            continue
        value = form[name].value() or ""
        lines.append({"name": name[len("param_") :], "label": field.label, "value": str(value).strip()})
    return lines


def composer_cost(template) -> dict:
    """What one send costs and what is left to send today, before sending."""
    oa = template.oa
    own = template.apply_template_quota and template.remaining_quota is not None
    return {
        "price": formats.money(template.price),
        "oa_left": formats.number(oa.remaining_quota),
        "oa_quota": formats.number(oa.daily_quota),
        "template_left": formats.number(template.remaining_quota) if own else "",
        "spent": oa.remaining_quota == 0 or (own and template.remaining_quota == 0),
        "synced": formats.moment(oa.synced_at),
    }


def journey_create(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = JourneyCreateForm(request.POST or None, oas=sending_oas(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: services.journey_create(user=request.user, **data),
        done=lambda journey: _("Journey token for %(phone)s is created.") % {"phone": journey.phone},
        title=_("Create a journey token"),
        intro=_("One token per customer and delivery or trip; ZNS sent with it are billed with the token."),
        submit=_("Create the token"),
        form_id="journey-create-form",
        added=True,
    )
