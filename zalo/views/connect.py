"""The zalo app's OA pages: connecting and renewing an OA.

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

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shops import audit
from shops.crypto import decrypt, encrypt
from shops.errors import Refused
from shops.errors import show as show_refusal
from shops.models import Shop
from shops.pages import DIGITS, form_page, object_or_403, query_value
from shops.scoping import user_shops

from .. import services
from ..forms import ConnectOAForm

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
