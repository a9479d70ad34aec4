"""The PBX's parts of the hubs (see shops.hub): a shop's tenant and hotlines; a tenant's hotlines and extensions."""

from django.utils.translation import gettext as _

from shops.common.display import badge
from shops.hub import ROWS, Section, change_link, changelist

from . import badges
from .models import Extension, Hotline, Tenant


def status(row) -> str:
    return badge(row.status, badges.STATUS, row.get_status_display())


def pbx(shop, user) -> Section:
    tenant = Tenant.objects.filter(shop=shop).first()
    hotlines = list(Hotline.objects.filter(shop=shop).order_by("hotline")[:ROWS])
    extensions = Extension.objects.filter(shop=shop).count()
    rows = []
    if tenant is not None:
        rows.append([_("tenant"), change_link(tenant, tenant.name or tenant.etelecom_id), status(tenant)])
    rows += [[_("hotline"), change_link(line, line.hotline), status(line)] for line in hotlines]
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


def tenant_sections(tenant, user) -> list[Section]:
    """A tenant's page: its hotlines and its extensions with who answers each."""
    shop = tenant.shop
    hotlines = Hotline.objects.filter(shop=shop).order_by("hotline")
    extensions = Extension.objects.filter(shop=shop).select_related("hotline", "user").order_by("extension_number")
    return [
        Section(
            key="hotlines",
            title=_("Hotlines"),
            headers=[_("number"), _("name"), _("network"), _("status")],
            rows=[
                [
                    change_link(line, line.hotline),
                    line.name or "-",
                    line.get_network_display() or "-",
                    status(line),
                ]
                for line in hotlines[: ROWS * 4]
            ],
            more=changelist(Hotline, shop),
            empty=_("No hotline is attached to this tenant."),
        ),
        Section(
            key="extensions",
            title=_("Extensions"),
            headers=[_("extension"), _("hotline"), _("user")],
            rows=[
                [
                    change_link(extension, extension.extension_number),
                    extension.hotline.hotline if extension.hotline else "-",
                    str(extension.user) if extension.user else "-",
                ]
                for extension in extensions[: ROWS * 4]
            ],
            more=changelist(Extension, shop),
            empty=_("No extension yet."),
        ),
    ]
