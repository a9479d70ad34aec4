"""The zalo app's pages: connecting and renewing an OA, requesting call permission, registering templates,
sending ZNS (one, or a CSV), and journey tokens. Each page parses input and calls one service.

Connecting: a form sends the browser to Zalo (through eTelecom), and Zalo comes back to the callback with `code`,
`state` and the OA id. eTelecom makes Zalo's `state` and puts it in the link it answers, and the callback URL must
be exactly the one registered in the Zalo app (renewals reuse it), so nothing of ours can ride in it. What a
callback may finish is kept server-side in the staff user's session instead, under the link's `state`: which shop,
which OA for a renewal, the app secret encrypted, and when it started. The callback takes the entry its `state`
names, once; a callback that is malformed, names no entry of this user's (forged, someone else's, replayed or
expired), or names another OA than the one being renewed is refused before anything is called. The code only
eTelecom can check.
"""

import time
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shops import audit, formats
from shops.common.exports import csv_download
from shops.crypto import decrypt, encrypt
from shops.errors import Refused
from shops.errors import show as show_refusal
from shops.models import Shop
from shops.pages import DIGITS, form_action, form_page, object_or_403, query_value
from shops.scoping import scope, user_shops

from . import bulk, conversations, services
from .forms import (
    BulkConsentForm,
    BulkZnsForm,
    ConnectOAForm,
    ConsentRequestForm,
    JourneyCreateForm,
    ReplyForm,
    SendZnsForm,
    TemplatePickForm,
    TemplateRegisterForm,
    TxnForm,
)
from .models import BulkJob, OfficialAccount, ZnsTemplate
from .templates import param_rule

SESSION_KEY = "zalo_oa_pending"
PENDING_KEPT = 10
MAX_AGE = 900
# How long Zalo's opaque code may be; the state and the OA id are digits.
CODE_LENGTH = 1024


def callback_url(request) -> str:
    return request.build_absolute_uri(reverse("admin:zalo_officialaccount_connect_callback"))


def _remember(request, page: services.ZaloPage, *, shop: Shop, oa_id: str = "", app_secret: str = "") -> None:
    pending = [p for p in request.session.get(SESSION_KEY, []) if p["state"] != page.state]
    entry = {
        "state": page.state,
        "shop": shop.pk,
        "oa_id": oa_id,
        "secret": encrypt(app_secret) if app_secret else "",
        "started": time.time(),
    }
    request.session[SESSION_KEY] = [*pending[-(PENDING_KEPT - 1) :], entry]


def _take(request, state: str) -> dict | None:
    """This user's pending connection for `state`, taken out of the session once; None when there is none."""
    pending = [p for p in request.session.get(SESSION_KEY, []) if p["started"] > time.time() - MAX_AGE]
    entry = next((p for p in pending if p["state"] == state), None)
    if entry is not None:
        pending.remove(entry)
    request.session[SESSION_KEY] = pending
    return entry


def connect(request, model_admin):
    if not request.user.has_perm("zalo.add_officialaccount"):
        raise PermissionDenied
    shops = user_shops(request.user).exclude(credential_status=Shop.CredentialStatus.INVALID)
    initial = {"callback_url": callback_url(request), "shop": request.GET.get("shop")}
    form = ConnectOAForm(request.POST or None, shops=shops, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            page = services.oa_connect_start(
                shop=data["shop"],
                user=request.user,
                app_id=data["app_id"],
                app_secret=data["app_secret"],
                redirect_uri=data["callback_url"],
            )
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            _remember(request, page, shop=data["shop"], app_secret=data["app_secret"])
            return HttpResponseRedirect(page.url)
    return form_page(
        request,
        model_admin,
        form=form,
        title=_("Connect a Zalo Official Account"),
        intro=_(
            "Zalo asks the OA's admin to let the shop's Zalo app manage the OA, then sends you back here. "
            "The console then connects the OA on eTelecom and reads its quota and quality."
        ),
        submit=_("Continue to Zalo"),
        form_id="connect-oa-form",
    )


def connect_callback(request, model_admin):
    changelist = reverse("admin:zalo_officialaccount_changelist")
    code = query_value(request, "code", limit=CODE_LENGTH)
    state = query_value(request, "state", limit=20, pattern=DIGITS)
    oa_id = query_value(request, "oa_id", limit=20, pattern=DIGITS)
    if not code or not state or not oa_id:
        messages.error(request, _("Zalo did not send back the authorization (code, state and OA id)."))
        return HttpResponseRedirect(changelist)
    entry = _take(request, state)
    shop = user_shops(request.user).filter(pk=entry["shop"]).first() if entry else None
    if entry is None or shop is None:
        messages.error(request, _("This Zalo link is invalid or has expired. Start again from “Connect an OA”."))
        return HttpResponseRedirect(changelist)
    if entry["oa_id"] and entry["oa_id"] != oa_id:
        messages.error(request, _("Zalo answered for another OA than the one you are renewing. Nothing was changed."))
        return HttpResponseRedirect(changelist)
    try:
        oa = services.oa_connect_finish(
            shop=shop,
            user=request.user,
            code=code,
            state=state,
            oa_id=oa_id,
            app_secret=decrypt(entry["secret"]) if entry["secret"] else "",
        )
    except Refused as exc:
        show_refusal(request, exc)
        return HttpResponseRedirect(changelist)
    done = _("%(oa)s is connected to %(shop)s.") % {"oa": oa, "shop": shop}
    audit.record(request.user, oa, done, added=not entry["oa_id"])
    messages.success(request, done)
    return redirect("admin:zalo_officialaccount_change", oa.pk)


@require_POST
def renew(request, model_admin, object_id):
    oa = object_or_403(model_admin, request, object_id, change=True)
    try:
        page = services.oa_renew_start(oa=oa, user=request.user)
    except Refused as exc:
        show_refusal(request, exc)
        return redirect("admin:zalo_officialaccount_change", oa.pk)
    _remember(request, page, shop=oa.shop, oa_id=oa.oa_id)
    return HttpResponseRedirect(page.url)


def _sending_oas(request):
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
    form = ConsentRequestForm(request.POST or None, oas=_sending_oas(request), initial=request.GET.dict())
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
    form = TemplateRegisterForm(request.POST or None, oas=_sending_oas(request), initial=request.GET.dict())
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


def _sendable_templates(request):
    """Approved templates of the connected OAs of the user's shops."""
    return (
        ZnsTemplate.objects.filter(oa__in=_sending_oas(request), status=ZnsTemplate.Status.ENABLED)
        .select_related("oa__shop")
        .order_by("oa__shop__name", "oa__name", "template_id")
    )


def zns_send(request, model_admin):
    """Pick a template, fill its parameters, preview, send."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    templates = _sendable_templates(request)
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
    form = JourneyCreateForm(request.POST or None, oas=_sending_oas(request), initial=request.GET.dict())
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


def bulk_upload(request, model_admin):
    """Check a CSV row by row; the upload's page then shows the report and starts the sending."""
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    kind = request.GET.get("kind") or BulkJob.Kind.ZNS
    if kind == BulkJob.Kind.ZNS:
        form = BulkZnsForm(request.POST or None, request.FILES or None, templates=_sendable_templates(request))
        title = _("Send ZNS from a CSV file")
    else:
        form = BulkConsentForm(request.POST or None, request.FILES or None, oas=_sending_oas(request))
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
    template = _sendable_templates(request).filter(pk=template_id).first() if template_id.isdigit() else None
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


# --- conversations --------------------------------------------------------------------------------------------


def conversation(request, model_admin, follower, form=None):
    """A follower's page: the conversation (the newest SHOWN_MESSAGES, oldest first), whether the OA may reply and
    what its allowance has left, and the reply form. Opening it marks the conversation read."""
    newest = list(conversations.messages_of(follower).order_by("-sent_at", "-pk")[: model_admin.SHOWN_MESSAGES])
    closes = conversations.window_closes_at(follower)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Conversation with %(customer)s") % {"customer": follower},
        "follower": follower,
        "original": follower,
        "messages_shown": list(reversed(newest)),
        "window_open": conversations.window_open(follower),
        "window_closes": closes,
        "quota": conversations.quota_left(follower),
        "can_reply": request.user.has_perm("zalo.add_conversationmessage"),
        "form": form or ReplyForm(),
    }
    conversations.mark_read(follower)
    return TemplateResponse(request, model_admin.change_form_template, context)


@require_POST
def conversation_reply(request, model_admin, object_id):
    follower = object_or_403(model_admin, request, object_id, perm="zalo.add_conversationmessage")
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            conversations.reply(follower=follower, user=request.user, **form.reply_args())
        except conversations.ConversationError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Sent to %(customer)s.") % {"customer": follower})
            return redirect("admin:zalo_follower_change", follower.pk)
    return conversation(request, model_admin, follower, form=form)


def transaction(request, model_admin, object_id):
    """A transaction message to a follower: build it, preview it, send it once (the form's tracking id)."""
    follower = object_or_403(model_admin, request, object_id, perm="zalo.add_conversationmessage")
    form = TxnForm(request.POST or None, initial={"tracking_id": uuid.uuid4().hex, "language": "VI"})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Transaction message to %(customer)s") % {"customer": follower},
        "follower": follower,
        "form": form,
    }
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            context["preview"] = form.message().to_api()
        else:
            try:
                sent = conversations.txn_send(
                    follower=follower,
                    user=request.user,
                    message=form.message(),
                    template_type=form.cleaned_data["template_type"],
                    language=form.cleaned_data["language"],
                    tracking_id=form.cleaned_data["tracking_id"],
                )
            except conversations.ConversationError as exc:
                form.add_error(None, str(exc))
            else:
                if sent.send_state == sent.SendState.UNCONFIRMED:
                    messages.warning(
                        request,
                        _("eTelecom did not confirm the transaction message; do not send it again before checking."),
                    )
                else:
                    messages.success(request, _("Transaction message sent to %(customer)s.") % {"customer": follower})
                return redirect("admin:zalo_follower_change", follower.pk)
    return TemplateResponse(request, "admin/zalo/follower/transaction.html", context)
