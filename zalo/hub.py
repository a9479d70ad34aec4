"""Zalo's parts of the hubs (see shops.hub): a shop's OAs and templates; an OA's quota, templates and ZNS."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shops import formats
from shops.common.display import badge
from shops.hub import ROWS, Section, change_link, changelist

from . import badges
from .models import Message, OADaily, OfficialAccount, ZnsTemplate


def oas(shop, user) -> Section:
    found = OfficialAccount.objects.filter(shop=shop).order_by("name")[:ROWS]
    return Section(
        key="oas",
        title=_("Zalo OAs"),
        headers=[_("OA"), _("status"), _("ZNS left today"), _("quality (48 h)"), _("authorization expires")],
        rows=[
            [
                change_link(oa, oa.name or oa.oa_id),
                badge(oa.status, badges.OA_STATUS, oa.get_status_display()),
                f"{formats.number(oa.remaining_quota)} / {formats.number(oa.daily_quota)}",
                badge(oa.current_quality, badges.QUALITY, oa.get_current_quality_display()),
                formats.day(oa.expires_at),
            ]
            for oa in found
        ],
        more=changelist(OfficialAccount, shop),
        empty=_("No OA is connected to this shop."),
        numeric={2},
    )


def templates(shop, user) -> Section:
    found = ZnsTemplate.objects.filter(oa__shop=shop).select_related("oa").order_by("oa__name", "template_id")[:ROWS]
    return Section(
        key="templates",
        title=_("ZNS templates"),
        headers=[_("template"), _("OA"), _("status"), _("price"), _("parameters")],
        rows=[
            [
                change_link(template, template.name or template.template_id),
                template.oa.name,
                badge(template.status, badges.TEMPLATE_STATUS, template.get_status_display()),
                formats.money(template.price),
                ", ".join(param.get("name", "") for param in template.params if isinstance(param, dict)) or "-",
            ]
            for template in found
        ],
        more=changelist(ZnsTemplate, shop),
        empty=_("No ZNS template is registered for this shop's OAs."),
        numeric={3},
    )


def oa_sections(oa, user) -> list[Section]:
    """An OA's page: its quota over the last 30 days with its quality, its templates and its recent ZNS."""
    since = timezone.localdate() - timedelta(days=29)
    days = {row.day: row for row in OADaily.objects.filter(oa=oa, day__gte=since)}
    dates = [since + timedelta(days=n) for n in range(30)]
    used = [(days[d].daily_quota or 0) - (days[d].lowest_remaining or 0) if d in days else 0 for d in dates]
    left = [days[d].lowest_remaining or 0 if d in days else 0 for d in dates]
    qualities = dict(OfficialAccount.Quality.choices)
    chart = {
        "id": "oa-quota",
        "labels": [formats.day(d) for d in dates],
        "axis": str(_("ZNS")),
        "series": [
            {"key": "used", "label": str(_("used")), "values": [max(value, 0) for value in used]},
            {"key": "left", "label": str(_("left")), "values": left},
        ],
        "line": None,
    }
    first = min(days, default=None)
    note = _("Quality: %(now)s (48 h), %(week)s (7 days).") % {
        "now": qualities.get(oa.current_quality, "-"),
        "week": qualities.get(oa.last_week_quality, "-"),
    }
    if first is None or first > since:
        note += " " + _("The history starts when the console first synced.")
    messages = Message.objects.filter(oa=oa).select_related("template").order_by("-created_at")[:ROWS]
    return [
        Section(
            key="quota",
            title=_("ZNS quota per day, last 30 days"),
            headers=[],
            rows=[],
            note=note,
            chart=chart,
        ),
        Section(
            key="templates",
            title=_("ZNS templates"),
            headers=[_("template"), _("status"), _("price"), _("left today")],
            rows=[
                [
                    change_link(template, template.name or template.template_id),
                    badge(template.status, badges.TEMPLATE_STATUS, template.get_status_display()),
                    formats.money(template.price),
                    formats.number(template.remaining_quota) if template.apply_template_quota else _("OA's quota"),
                ]
                for template in oa.templates.order_by("template_id")[:ROWS]
            ],
            more=changelist(ZnsTemplate, oa.shop, oa=oa.pk),
            empty=_("No ZNS template is registered for this OA."),
            numeric={2, 3},
        ),
        Section(
            key="messages",
            title=_("Recent ZNS"),
            headers=[pgettext("moment", "sent"), _("phone"), _("template"), _("send"), _("delivery")],
            rows=[
                [
                    change_link(message, formats.moment(message.created_at)),
                    message.phone,
                    message.template.name if message.template else "-",
                    badge(message.send_state, badges.SEND, message.get_send_state_display()),
                    badge(message.delivery_status, badges.DELIVERY, message.get_delivery_status_display()),
                ]
                for message in messages
            ],
            more=changelist(Message, oa.shop, oa=oa.pk),
            empty=_("No ZNS sent from this OA yet."),
        ),
    ]
