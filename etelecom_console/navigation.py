"""The sidebar: the user's shops first, the reports, then each app's lists, each with an icon.

Built per request from the admin's own app list (so a list the user may not see is not offered) and one query
for the first shops; the page costs the same whatever the number of shops."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from shops.scoping import user_shops

from . import reports

SIDEBAR_SHOPS = 8
# Material Symbols names (bundled with the theme) by model.
ICONS = {
    "shop": "storefront",
    "shopmembership": "group",
    "apicall": "api",
    "syncrun": "sync",
    "webhookevent": "webhook",
    "officialaccount": "chat",
    "oasnapshot": "monitoring",
    "follower": "person_add",
    "conversationmessage": "forum",
    "consent": "phone_callback",
    "znstemplate": "description",
    "message": "sms",
    "journey": "route",
    "bulkjob": "upload_file",
    "tenant": "domain",
    "hotline": "phone_in_talk",
    "pbxuser": "badge",
    "extension": "dialpad",
    "callrecord": "call_log",
    "calldaily": "bar_chart",
    "user": "person",
    "group": "groups",
    "schedule": "schedule",
    "success": "task_alt",
    "failure": "error",
    "ormq": "queue",
    "accessattempt": "lock",
    "accesslog": "login",
    "accessfailurelog": "gpp_bad",
    "smsaccount": "manage_accounts",
    "smstemplate": "article",
    "smsmessage": "textsms",
    "smsbulkjob": "upload_file",
    "alertpreference": "notifications",
    "totpdevice": "phonelink_lock",
    "staticdevice": "password",
    "statictoken": "key",
}


def sidebar(site, request) -> list[dict]:
    groups = []
    shops = list(user_shops(request.user).order_by("name", "pk").values_list("pk", "name")[: SIDEBAR_SHOPS + 1])
    if shops:
        items = [
            {"title": name, "icon": "storefront", "link": reverse("admin:shops_shop_change", args=[pk])}
            for pk, name in shops[:SIDEBAR_SHOPS]
        ]
        if len(shops) > SIDEBAR_SHOPS:
            everything = reverse("admin:shops_shop_changelist")
            # Lit only on the list itself, not on every shop's page under it.
            items.append(
                {
                    "title": _("All shops"),
                    "icon": "more_horiz",
                    "link": everything,
                    "active": lambda r: r.path == everything,
                }
            )
        groups.append({"title": _("Your shops"), "items": items})
    if reports.can_read_reports(request.user):
        groups.append(
            {
                "title": _("Reports"),
                "items": [
                    {"title": title, "icon": "analytics", "link": reverse(f"admin:report_{name}")}
                    for name, (title, _form, _build) in reports.REPORTS.items()
                ],
            }
        )
    for app in site.get_app_list(request):
        items = [
            {
                "title": model["name"],
                "icon": ICONS.get(model["object_name"].lower(), "table_rows"),
                "link": model["admin_url"],
            }
            for model in app["models"]
            if model.get("admin_url")
        ]
        groups.append({"title": app["name"], "collapsible": True, "items": items})
    for group in groups:
        for item in group["items"]:
            # The theme prints an item's title with |safe: a shop's name is anyone's text, and Alpine.js would run
            # markup in it (x-init). Escaped here, it is shown as written.
            item["title"] = escape(item["title"])
        group["items"] = site._get_navigation_items(request, group["items"])
    return groups
