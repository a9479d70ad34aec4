"""The partner connection flow: a form that sends the browser to eTelecom, and the callback it comes back to.

The callback carries our `state`: signed, expiring with eTelecom's request token (15 minutes), naming the staff
user who started the flow, and holding a nonce kept in that user's session and used once. A forged, replayed,
expired or someone else's callback is refused before anything is called or stored.
"""

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

from . import services, webhooks
from .forms import ConnectShopForm
from .models import Shop
from .pages import form_page

STATE_SALT = "shops.connect"
STATE_MAX_AGE = 900
SESSION_KEY = "shops_connect_nonces"


def _callback_url(request) -> str:
    nonce = secrets.token_urlsafe(16)
    request.session[SESSION_KEY] = [*request.session.get(SESSION_KEY, [])[-9:], nonce]
    state = signing.dumps({"user": request.user.pk, "nonce": nonce}, salt=STATE_SALT)
    return request.build_absolute_uri(reverse("admin:shops_shop_connect_callback")) + "?" + urlencode({"state": state})


def _state_is_valid(request) -> bool:
    try:
        state = signing.loads(request.GET.get("state", ""), salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except signing.BadSignature:  # includes SignatureExpired
        return False
    nonces = request.session.get(SESSION_KEY, [])
    if state.get("user") != request.user.pk or state.get("nonce") not in nonces:
        return False
    nonces.remove(state["nonce"])
    request.session[SESSION_KEY] = nonces
    return True


def _landed(request, result: services.ConnectStart) -> HttpResponseRedirect:
    if result.auth_url:
        return HttpResponseRedirect(result.auth_url)
    messages.success(request, _("%(shop)s is connected and its key works.") % {"shop": result.shop.name})
    return redirect("admin:shops_shop_change", result.shop.pk)


def connect(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = ConnectShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.shop_connect_start(
                user=request.user, redirect_url=_callback_url(request), **form.cleaned_data
            )
        except services.ConnectError as exc:
            form.add_error(None, str(exc))
        else:
            return _landed(request, result)
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
    if not _state_is_valid(request):
        messages.error(request, _("This connection link is invalid or has expired. Start again from “Connect a shop”."))
        return HttpResponseRedirect(changelist)
    shop_id = request.GET.get("shop_id", "").strip()
    if not shop_id.isdigit():
        messages.error(request, _("eTelecom did not say which shop logged in. Start again from “Connect a shop”."))
        return HttpResponseRedirect(changelist)
    try:
        result = services.shop_connect_finish(user=request.user, shop_id=shop_id, redirect_url=_callback_url(request))
    except services.ConnectError as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(changelist)
    return _landed(request, result)


@require_POST
def reconnect(request, model_admin, object_id):
    shop = model_admin.get_object(request, object_id)
    if shop is None or not model_admin.has_change_permission(request, shop):
        raise PermissionDenied
    if shop.connection != Shop.Connection.PARTNER:
        messages.error(
            request, _("Only shops connected through the partner are reconnected here; enter a new key instead.")
        )
        return redirect("admin:shops_shop_change", shop.pk)
    try:
        result = services.shop_connect_finish(
            user=request.user, shop_id=shop.etelecom_id, redirect_url=_callback_url(request)
        )
    except services.ConnectError as exc:
        messages.error(request, str(exc))
        return redirect("admin:shops_shop_change", shop.pk)
    if result.auth_url:
        messages.info(request, _("eTelecom asks the shop to log in again."))
    return _landed(request, result)


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
