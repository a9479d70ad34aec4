"""Reads of the sms app that are more than one ORM line: the messaging report's SMS figures.

The figures are counted from the messages by (shop, day), which an index serves; a shop sends SMS by the thousand
a day, not the million calls the PBX reports roll up."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q, Sum

from .models import SmsMessage

SMS_FIGURES = {
    "sms_sent": Count("pk", filter=Q(send_state=SmsMessage.SendState.SENT)),
    "sms_delivered": Count("pk", filter=Q(status=SmsMessage.Status.SUCCESS)),
    "sms_failed": Count("pk", filter=Q(status=SmsMessage.Status.FAIL) | Q(send_state=SmsMessage.SendState.FAILED)),
    "fallbacks": Count("pk", filter=Q(route=SmsMessage.Route.ZNS_SMS, channel=SmsMessage.Channel.SMS)),
    "segments": Sum("mtcount"),
    "sms_cost": Sum("cost"),
}


def sms_report(shops, first: date, last: date) -> dict:
    """SMS per local day, per template and per shop of `shops` from `first` to `last`. Three queries."""
    messages = SmsMessage.objects.filter(shop__in=shops, day__gte=first, day__lte=last)
    return {
        "days": {row["day"]: row for row in messages.values("day").annotate(**SMS_FIGURES).order_by()},
        "templates": list(messages.values("shop__name", "template_code").annotate(**SMS_FIGURES).order_by("-sms_sent")),
        "shops": {row["shop"]: row for row in messages.values("shop").annotate(**SMS_FIGURES).order_by()},
    }
