"""The partner connection flow: a form that sends the browser to eTelecom, and the callback it comes back to.

eTelecom sends the browser back to `redirect_url?token=<token>&shop_id=<shop id>`, `token` being the request token
its `shop_request` answer gave (shop-partner.md). Our `redirect_url` carries a `state`: signed, naming the staff
user who started, expiring with that request token (15 minutes), holding a nonce. Under the nonce, the user's
session keeps what that start may finish: a hash of eTelecom's request token, the contact it started with, and for
a reconnect the shop (its console row and eTelecom id). The callback takes the entry once and finishes only that:
this user's state, eTelecom's token for it, the reconnected shop's id. Anything malformed, forged, replayed,
expired, someone else's or swapped is refused before eTelecom is called. Which shop logged in only eTelecom
knows: the services refuse to hand a Support user a shop the console already has, and check the shop eTelecom
names against the contact.
"""

import hashlib
import hmac
import re
import secrets
from urllib.parse import urlencode

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_POST

from . import audit, services, webhooks
from .errors import Refused
from .errors import show as show_refusal
from .forms import ConnectShopForm
from .models import Shop
from .pages import DIGITS, form_page, object_or_403, query_value

STATE_SALT = "shops.connect"
STATE_MAX_AGE = 900
SESSION_KEY = "shops_connect_pending"
PENDING_KEPT = 10
# How long a callback parameter may be: our signed state, eTelecom's request token.
STATE_LENGTH = 512
TOKEN_LENGTH = 512


def _new_state(request) -> tuple[str, str]:
    """A nonce, and the callback URL carrying it in a signed state for eTelecom to send the browser back to."""
    nonce = secrets.token_urlsafe(16)
    state = signing.dumps({"user": request.user.pk, "nonce": nonce}, salt=STATE_SALT)
    url = request.build_absolute_uri(reverse("admin:shops_shop_connect_callback")) + "?" + urlencode({"state": state})
    return nonce, url


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _remember(request, nonce: str, result: services.ConnectStart, *, email="", shop_id="", shop=None) -> None:
    entry = {
        "nonce": nonce,
        "token": _digest(result.request_token),
        "email": email,
        "shop_id": shop_id,
        "shop": shop.pk if shop else None,
    }
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-(PENDING_KEPT - 1) :], entry]


def _take(request) -> dict | None:
    """This user's pending entry that the callback's state names, taken out of the session; None if none."""
    state = query_value(request, "state", limit=STATE_LENGTH)
    if not state:
        return None
    try:
        data = signing.loads(state, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if data.get("user") != request.user.pk:
        return None
    pending = request.session.get(SESSION_KEY, [])
    entry = next((e for e in pending if hmac.compare_digest(e["nonce"], data.get("nonce", ""))), None)
    if entry is not None:
        pending.remove(entry)
        request.session[SESSION_KEY] = pending
    return entry


def _landed(request, nonce: str, result: services.ConnectStart, **bound) -> HttpResponseRedirect:
    if result.auth_url:
        _remember(request, nonce, result, **bound)
        return HttpResponseRedirect(result.auth_url)
    done = _("%(shop)s is connected and its key works.") % {"shop": result.shop.name}
    audit.record(request.user, result.shop, done, added=bound.get("shop") is None)
    messages.success(request, done)
    return redirect("admin:shops_shop_change", result.shop.pk)


def connect(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ConnectShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        nonce, callback = _new_state(request)
        try:
            result = services.shop_connect_start(user=request.user, redirect_url=callback, **form.cleaned_data)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            return _landed(request, nonce, result, email=form.cleaned_data["email"])
    return form_page(
        request,
        model_admin,
        form=form,
        title=_("Connect a shop through the partner"),
        intro=_(
            "eTelecom asks the shop to log in and allow the partner to manage it, then sends you back here. "
            "The console stores the shop's key encrypted and checks it."
        ),
        submit=_("Continue to eTelecom"),
        form_id="connect-form",
    )


def connect_callback(request, model_admin):
    changelist = reverse("admin:shops_shop_changelist")
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    entry = _take(request)
    if entry is None:
        messages.error(request, _("This connection link is invalid or has expired. Start again from “Connect a shop”."))
        return HttpResponseRedirect(changelist)
    token = query_value(request, "token", limit=TOKEN_LENGTH)
    shop_id = query_value(request, "shop_id", limit=20, pattern=DIGITS)
    shop = model_admin.get_queryset(request).filter(pk=entry["shop"]).first() if entry["shop"] else None
    if (
        not token
        or not hmac.compare_digest(_digest(token), entry["token"])
        or not shop_id
        or (entry["shop_id"] and shop_id != entry["shop_id"])
        or (entry["shop"] and (shop is None or not model_admin.has_change_permission(request, shop)))
    ):
        messages.error(
            request,
            _(
                "What eTelecom sent back does not match the connection you started. Nothing was changed; start "
                "again from “Connect a shop”."
            ),
        )
        return HttpResponseRedirect(changelist)
    nonce, callback = _new_state(request)
    try:
        result = services.shop_connect_finish(
            user=request.user, shop_id=shop_id, redirect_url=callback, shop=shop, email=entry["email"]
        )
    except Refused as exc:
        show_refusal(request, exc)
        return HttpResponseRedirect(changelist)
    return _landed(request, nonce, result, email=entry["email"], shop_id=shop_id, shop=shop)


@require_POST
def reconnect(request, model_admin, object_id):
    shop = object_or_403(model_admin, request, object_id, change=True)
    if shop.connection != Shop.Connection.PARTNER:
        messages.error(
            request, _("Only shops connected through the partner are reconnected here; enter a new key instead.")
        )
        return redirect("admin:shops_shop_change", shop.pk)
    nonce, callback = _new_state(request)
    try:
        result = services.shop_connect_finish(
            user=request.user, shop_id=shop.etelecom_id, redirect_url=callback, shop=shop
        )
    except Refused as exc:
        show_refusal(request, exc)
        return redirect("admin:shops_shop_change", shop.pk)
    if result.auth_url:
        messages.info(request, _("eTelecom asks the shop to log in again."))
    return _landed(request, nonce, result, shop_id=shop.etelecom_id, shop=shop)


SECRET = re.compile(r"[A-Za-z0-9_-]{1,64}")
DECLARED_LENGTH = re.compile(r"[0-9]{1,12}")


@csrf_exempt
@require_POST
@sensitive_variables("secret")
def webhook_receive(request, secret: str):
    """eTelecom's events for one shop. Unknown secret: 404 and nothing stored. Bad input: 400 with the reason.
    A repeat of a stored event: 200 and nothing new."""
    # Secrets are URL-safe base64; anything else (a NUL, which PostgreSQL refuses in a query) is unknown at once.
    shop = Shop.objects.filter(webhook_secret=secret).first() if SECRET.fullmatch(secret) else None
    if shop is None or not hmac.compare_digest(shop.webhook_secret, secret):
        return JsonResponse({"error": "unknown webhook"}, status=404)
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not DECLARED_LENGTH.fullmatch(declared):
        return JsonResponse({"error": "Content-Length must be a number of bytes"}, status=400)
    if int(declared) > webhooks.MAX_BODY:
        return JsonResponse({"error": f"the body is larger than {webhooks.MAX_BODY // 1024} KiB"}, status=400)
    body = request.read(webhooks.MAX_BODY + 1)
    try:
        data = webhooks.parse(request.META.get("CONTENT_TYPE", ""), body)
    except webhooks.Rejected as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    event, created = webhooks.receive(shop, data)
    return JsonResponse({"ok": True, "duplicate": not created, "status": event.status})
