"""The customer view: one page per phone number, what support staff open when a customer calls. It shows, across
the user's shops only, that customer's calls, call permission requests, ZNS, SMS and OA conversation, newest first.

The number is searched in the console's one form (shops.common.phones: 0…, landlines too) and, for rows a webhook or an
older sync stored as eTelecom sent them, in its 84… and +84… spellings; every lookup is an indexed equality. Each
kind shows its newest PER_KIND rows, each with a link to its own page for the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pbx.models import CallRecord
from shops import formats
from shops.common.phones import normalise_phone
from shops.scoping import scope
from sms.models import SmsMessage
from zalo.models import Consent, ConversationMessage, Follower, Message

PER_KIND = 50


class CustomerForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Customer's phone"),
        max_length=32,
        help_text=gettext_lazy("0912345678, 84912345678, +84 912 345 678 or a landline such as 028 3812 3456."),
    )

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"], landline=True)


@dataclass
class Entry:
    at: datetime | None
    kind: str
    shop: str
    summary: str
    url: str


def spellings(national: str) -> list[str]:
    return [national, "84" + national[1:], "+84" + national[1:]]


def _link(user, model, pk) -> str:
    opts = model._meta
    if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
        return ""
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


def timeline(user, national: str) -> tuple[list[Entry], list[Follower]]:
    """The customer's entries of every kind in the user's shops, newest first, and their Zalo followers."""
    phones = spellings(national)
    entries: list[Entry] = []
    calls = scope(CallRecord.objects.filter(customer_number__in=phones), user).select_related("shop")
    for call in calls.order_by("-started_at", "-id")[:PER_KIND]:
        summary = _("%(direction)s call, %(state)s, %(duration)s") % {
            "direction": call.get_direction_display(),
            "state": call.get_call_state_display(),
            "duration": formats.duration(call.duration),
        }
        entries.append(Entry(call.started_at, _("Call"), call.shop.name, summary, _link(user, CallRecord, call.pk)))
    consents = scope(Consent.objects.filter(phone__in=phones), user).select_related("oa__shop")
    for consent in consents.order_by("-etelecom_created_at", "-pk")[:PER_KIND]:
        summary = _("%(oa)s asked to call (%(type)s): %(reply)s") % {
            "oa": consent.oa,
            "type": consent.get_call_type_display(),
            "reply": consent.get_reply_status_display() or "-",
        }
        entries.append(
            Entry(
                consent.etelecom_created_at,
                _("Call permission"),
                consent.oa.shop.name,
                summary,
                _link(user, Consent, consent.pk),
            )
        )
    zns = scope(Message.objects.filter(phone__in=phones), user).select_related("oa__shop", "template")
    for message in zns.order_by("-created_at", "-pk")[:PER_KIND]:
        summary = _("%(template)s from %(oa)s: %(state)s%(delivery)s") % {
            "template": message.template or message.template_id_sent or "-",
            "oa": message.oa,
            "state": message.get_send_state_display(),
            "delivery": f", {message.get_delivery_status_display()}" if message.delivery_status else "",
        }
        entries.append(
            Entry(message.created_at, "ZNS", message.oa.shop.name, summary, _link(user, Message, message.pk))
        )
    sms = scope(SmsMessage.objects.filter(phone__in=phones), user).select_related("shop")
    for message in sms.order_by("-created_at", "-pk")[:PER_KIND]:
        summary = _("%(template)s: %(status)s%(channel)s") % {
            "template": message.template_code,
            "status": message.get_status_display() or message.get_send_state_display(),
            "channel": f" ({message.get_channel_display()})" if message.channel else "",
        }
        entries.append(
            Entry(message.created_at, "SMS", message.shop.name, summary, _link(user, SmsMessage, message.pk))
        )
    followers = list(
        scope(Follower.objects.filter(phone__in=phones), user).select_related("oa__shop").order_by("-last_message_at")
    )
    if followers:
        chats = Q()
        for follower in followers:
            chats |= Q(oa=follower.oa_id, zl_user_id=follower.zl_user_id)
        pages = {(f.oa_id, f.zl_user_id): f for f in followers}
        conversation = ConversationMessage.objects.filter(chats).select_related("oa__shop")
        for message in conversation.order_by("-sent_at", "-pk")[:PER_KIND]:
            follower = pages.get((message.oa_id, message.zl_user_id))
            summary = f"{message.get_direction_display()} · {message.kind}: {message.text[:200]}"
            url = _link(user, Follower, follower.pk) if follower else ""
            entries.append(Entry(message.sent_at, _("Zalo conversation"), message.oa.shop.name, summary, url))
    entries.sort(key=lambda entry: (entry.at is not None, entry.at), reverse=True)
    return entries, followers


def page(request, admin_site):
    """`?phone=`: the customer's page; without it (or with a number that is none), the search form."""
    form = CustomerForm(request.GET if "phone" in request.GET else None)
    entries, followers, national = [], [], ""
    if form.is_bound and form.is_valid():
        national = form.cleaned_data["phone"]
        entries, followers = timeline(request.user, national)
    context = {
        **admin_site.each_context(request),
        "title": _("Customer %(phone)s") % {"phone": national} if national else _("Find a customer"),
        "form": form,
        "national": national,
        "entries": entries,
        "followers": followers,
        "per_kind": PER_KIND,
    }
    return TemplateResponse(request, "console/customer.html", context)
