"""Writes to the sms app and its calls to the gateway: checking an account, sending a message once, and following
its status until it leaves `PROCESSING`.

Sending exactly once: the row is stored (`sending`) and committed before the gateway is called. The gateway takes no
tracking id of ours and lists nothing, so an answer that never came (timeout, 5xx, a body that is no answer) leaves
the row `unconfirmed` with the reason: staff see it, and nothing sends it again on its own.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from etelecom import EtelecomError, RateLimited
from etelecom import sms as sms_api
from etelecom.errors import InvalidArgument, NotFound
from shops.clients import Actor, sms_client
from shops.common.people import person
from shops.common.phones import normalise_phone
from shops.common.refusals import describe_error, reference
from shops.crypto import hint
from shops.errors import Refused
from shops.models import Shop, SyncRun

from .models import SmsAccount, SmsMessage, SmsTemplate

# Answers after which nothing was sent; any other error may have come after the gateway took the message.
REFUSALS = (sms_api.SmsError, sms_api.BadCredentials, sms_api.IpNotWhitelisted, RateLimited)
ACCOUNT_REFUSED = (sms_api.BadCredentials, sms_api.IpNotWhitelisted)
# A status check takes at most this many messages of a shop per run (the rest wait for the next run).
POLL_BATCH = 500
# What the probe of an account check asks for: no message has this id, so any answer but a 401 means the gateway
# took the username, the password and our IP.
PROBE_ID = "ICOMNI-console-credential-check"


def describe_sms_error(exc: EtelecomError) -> str:
    """A sentence for a gateway error, with its reference; never the password."""
    if isinstance(exc, sms_api.IpNotWhitelisted):
        text = _("The SMS gateway does not accept calls from the console's IP address: ask eTelecom to whitelist it.")
    elif isinstance(exc, sms_api.BadCredentials):
        text = _("The SMS gateway refused the username or password.")
    elif isinstance(exc, sms_api.PhoneNumberWrongFormat):
        text = _("The SMS gateway says the phone number is malformed.")
    elif isinstance(exc, sms_api.WrongFormatParameter):
        text = _("The SMS gateway refused a parameter: %(reason)s") % {"reason": exc.msg}
    elif isinstance(exc, sms_api.OutOfMessages):
        text = _("The SMS account has no messages left: the shop must top up with eTelecom.")
    elif isinstance(exc, sms_api.TemplateNotFound):
        text = _("The SMS gateway does not know this template code.")
    elif isinstance(exc, sms_api.NoRouting):
        text = _("No route is set up for this template: eTelecom's technical staff must configure one.")
    elif isinstance(exc, sms_api.ChannelNotFound):
        text = _("A channel of the route is not set up for this account: ask eTelecom.")
    elif isinstance(exc, sms_api.SmsError):
        text = _("The SMS gateway refused the message: %(reason)s") % {"reason": exc.msg or exc.code}
    else:
        return describe_error(exc)
    return f"{text} {reference(exc)}"


def account_client(account: SmsAccount, actor: Actor, **options) -> sms_api.SmsClient:
    return sms_client(account.shop, actor, username=account.username, password=account.password, **options)


def account_save(*, shop: Shop, username: str, password: str, user, account: SmsAccount | None = None) -> SmsAccount:
    """Store the shop's gateway account (the password encrypted) after asking the gateway about it. A 401 keeps
    nothing and raises Refused; a gateway that cannot be reached keeps it unchecked, with the reason."""
    account = account or SmsAccount(shop=shop)
    account.username = username
    if password:
        account.password = password
        account.password_hint = hint(password)
    client = account_client(account, Actor(user=user))
    now = timezone.now()
    try:
        sms_api.get_status(client, id_omni_mess=PROBE_ID)
    except ACCOUNT_REFUSED as exc:
        raise Refused(describe_sms_error(exc)) from exc
    except (sms_api.SmsError, InvalidArgument, NotFound):
        account.status, account.check_error = SmsAccount.Status.VALID, ""
    except EtelecomError as exc:
        account.status, account.check_error = SmsAccount.Status.UNCHECKED, describe_sms_error(exc)
    else:
        account.status, account.check_error = SmsAccount.Status.VALID, ""
    account.checked_at = now
    account.save()
    return account


def usable_account(shop: Shop) -> SmsAccount:
    account = SmsAccount.objects.filter(shop=shop).first()
    if account is None:
        raise Refused(_("%(shop)s has no SMS Brandname account in the console.") % {"shop": shop})
    if account.status == SmsAccount.Status.INVALID:
        raise Refused(_("The gateway refused %(shop)s's SMS account: enter it again.") % {"shop": shop})
    return account


def new_message(
    *, template: SmsTemplate, phone: str, params: dict[str, str], route: str, user=None, tracking_id: str = ""
) -> SmsMessage:
    """The row of a send, not saved: what `sms_send_stored` sends."""
    return SmsMessage(
        shop=template.shop,
        template=template,
        template_code=template.code,
        phone=phone,
        params={name: params.get(name, "") for name in template.params},
        route=route,
        tracking_id=tracking_id,
        sent_by=person(user),
        day=timezone.localdate(),
    )


PARAM_LIMIT = 500


def phone_field() -> forms.CharField:
    """The customer's phone of a send, as typed (`check_send` and the send form make it one form)."""
    return forms.CharField(
        label=gettext_lazy("Customer's phone"),
        max_length=20,
        help_text=gettext_lazy("0912345678, 84912345678 or +84 912 345 678."),
    )


def param_fields(template: SmsTemplate) -> dict[str, forms.Field]:
    """One field per variable of the template: required, at most PARAM_LIMIT characters."""
    return {name: forms.CharField(label=name, max_length=PARAM_LIMIT) for name in template.params}


def check_send(template: SmsTemplate, values: dict) -> tuple[str, dict[str, str], dict[str, list[str]]]:
    """A send's `phone` and variable values (by the variables' names) checked as the send form checks them: the
    phone, the values, and the errors by name (`phone` or a variable's), empty when the send may go."""
    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = normalise_phone(phone_field().clean(values.get("phone", "")))
    except ValidationError as exc:
        errors["phone"] = exc.messages
    params = {}
    for name, field in param_fields(template).items():
        try:
            params[name] = field.clean(values.get(name, ""))
        except ValidationError as exc:
            errors[name] = exc.messages
    return phone, params, errors


def sms_send(*, template: SmsTemplate, phone: str, params: dict[str, str], route: str, user) -> SmsMessage:
    """Send one message exactly once (see the module). Raises Refused when the gateway refused."""
    account = usable_account(template.shop)
    message = new_message(template=template, phone=phone, params=params, route=route, user=user)
    message.save()
    return sms_send_stored(message, client=account_client(account, Actor(user=user)), account=account)


def sms_send_stored(message: SmsMessage, *, client, account: SmsAccount) -> SmsMessage:
    """Send a stored `sending` message and record what the gateway answered."""
    try:
        result = sms_api.send_message(
            client,
            phone="84" + message.phone[1:] if message.phone.startswith("0") else message.phone,
            template_code=message.template_code,
            params=message.params,
            route_rule=message.route.split(","),
        )
    except REFUSALS as exc:
        reason = describe_sms_error(exc)
        SmsMessage.objects.filter(pk=message.pk).update(
            send_state=SmsMessage.SendState.FAILED, error_code=(exc.code or "")[:32], error=reason
        )
        if isinstance(exc, ACCOUNT_REFUSED):
            _refused(account, reason)
        raise Refused(reason, error=exc) from exc
    except EtelecomError as exc:
        message.send_state, message.error = SmsMessage.SendState.UNCONFIRMED, describe_sms_error(exc)
        message.save(update_fields=["send_state", "error"])
        return message
    message.send_state = SmsMessage.SendState.SENT
    message.omni_id = result.id_omni_mess[:64]
    message.status = SmsMessage.Status.PROCESSING
    message.save(update_fields=["send_state", "omni_id", "status"])
    return message


def _refused(account: SmsAccount, reason: str) -> None:
    """The gateway answered 401 for the account: mark it, so sends stop until someone enters it again. The shop's
    eTelecom key is another credential and stays as it is."""
    SmsAccount.objects.filter(pk=account.pk).update(
        status=SmsAccount.Status.INVALID, check_error=reason, checked_at=timezone.now()
    )


def _channel(value: str) -> str:
    value = sms_api.CHANNELS.get(value, value)
    return next((c for c in SmsMessage.Channel.values if c.lower() == value.lower()), value[:16])


def status_store(message: SmsMessage, remote: sms_api.MessageStatus, *, now=None) -> None:
    """What GetStatusOmni said about `message`: status, the channel that carried it, segments, cost."""
    now = now or timezone.now()
    message.status = remote.status[:16] if remote.status else message.status
    message.channel = _channel(remote.channel) if remote.channel else message.channel
    message.error_code = remote.error_code[:32]
    message.mtcount = remote.mtcount
    message.telcoid = remote.telcoid[:16]
    price = message.template.price if message.template_id and message.template else None
    if message.channel == SmsMessage.Channel.SMS and price is not None and remote.mtcount is not None:
        message.cost = price * remote.mtcount
    message.checked_at = now
    if remote.final:
        message.finished_at = now
    message.save(
        update_fields=["status", "channel", "error_code", "mtcount", "telcoid", "cost", "checked_at", "finished_at"]
    )


def status_poll_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: ask the gateway about each message still in progress (oldest check first),
    until it leaves `PROCESSING`; a message followed longer than SMS_STATUS_POLL_DAYS is left."""
    account = SmsAccount.objects.filter(shop=run.shop).first()
    if account is None or account.status == SmsAccount.Status.INVALID:
        return {"checked": 0}
    since = timezone.now() - timedelta(days=settings.SMS_STATUS_POLL_DAYS)
    pending = (
        SmsMessage.objects.filter(
            shop=run.shop, finished_at__isnull=True, send_state=SmsMessage.SendState.SENT, created_at__gte=since
        )
        .exclude(omni_id="")
        .select_related("template")
        .order_by("checked_at", "created_at")[:POLL_BATCH]
    )
    client = account_client(account, Actor(job="sms_status"), batch=100)
    checked = finished = 0
    try:
        for message in pending:
            remote = sms_api.get_status(client, id_omni_mess=message.omni_id)
            with transaction.atomic():
                status_store(message, remote)
            checked += 1
            finished += remote.final
    except ACCOUNT_REFUSED as exc:
        _refused(account, describe_sms_error(exc))
        return {"checked": checked, "finished": finished, "account_refused": 1}
    finally:
        client.on_call.flush()
    return {"checked": checked, "finished": finished}
