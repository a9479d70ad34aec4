"""A follower's pages: the conversation with the OA, a consulting reply, a transaction message."""

import uuid

from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shops.errors import Refused
from shops.pages import object_or_403

from .. import conversations
from ..forms import ReplyForm, TxnForm


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
        except Refused as exc:
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
            except Refused as exc:
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
