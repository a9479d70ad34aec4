"""The shop's hub section of the PBX: its tenant, hotlines and extensions (see shops.hub)."""

from django.utils.translation import gettext as _

from shops.hub import ROWS, Section, change_link, changelist

from .models import Extension, Hotline, Tenant


def pbx(shop, user) -> Section:
    tenant = Tenant.objects.filter(shop=shop).first()
    hotlines = list(Hotline.objects.filter(shop=shop).order_by("hotline")[:ROWS])
    extensions = Extension.objects.filter(shop=shop).count()
    rows = []
    if tenant is not None:
        rows.append([_("tenant"), change_link(tenant, tenant.name or tenant.etelecom_id), tenant.get_status_display()])
    rows += [[_("hotline"), change_link(line, line.hotline), line.get_status_display() or "-"] for line in hotlines]
    note = _("%(count)s extensions.") % {"count": extensions} if extensions else ""
    return Section(
        key="pbx",
        title=_("PBX"),
        headers=[_("kind"), _("name"), _("status")],
        rows=rows,
        more=changelist(Extension, shop),
        empty=_("This shop has no PBX tenant."),
        note=note,
    )
