"""The shop's hub sections of Zalo: its OAs with quota and quality, and its ZNS templates (see shops.hub)."""

from django.utils.translation import gettext as _

from shops import formats
from shops.hub import ROWS, Section, change_link, changelist

from .models import OfficialAccount, ZnsTemplate


def oas(shop, user) -> Section:
    found = OfficialAccount.objects.filter(shop=shop).order_by("name")[:ROWS]
    return Section(
        key="oas",
        title=_("Zalo OAs"),
        headers=[_("OA"), _("status"), _("ZNS left today"), _("quality (48 h)"), _("authorization expires")],
        rows=[
            [
                change_link(oa, oa.name or oa.oa_id),
                oa.get_status_display() or "-",
                f"{formats.number(oa.remaining_quota)} / {formats.number(oa.daily_quota)}",
                oa.get_current_quality_display() or "-",
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
                template.get_status_display() or "-",
                formats.money(template.price),
                ", ".join(param.get("name", "") for param in template.params if isinstance(param, dict)) or "-",
            ]
            for template in found
        ],
        more=changelist(ZnsTemplate, shop),
        empty=_("No ZNS template is registered for this shop's OAs."),
        numeric={3},
    )
