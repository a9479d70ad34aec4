"""A shop's page as a hub: sections that show what hangs from the shop (its OAs and templates, its PBX, its
webhooks, its recent sync runs and API errors). The hub cannot import the apps, so each app adds its sections
(`register_section`) when it starts; a section is a table of a few rows with a link to the full list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from . import badges, formats
from .common.display import badge
from .common.refusals import without_addresses
from .models import ApiCall, Shop, SyncRun

ROWS = 8  # rows a section shows; its link leads to the rest


@dataclass
class Section:
    key: str
    title: str
    headers: list[str]
    rows: list[list]
    more: str = ""  # the full list's address
    empty: str = ""
    note: str = ""
    numeric: set[int] = field(default_factory=set)  # columns that align right
    action: tuple[str, str] | None = None  # (address to POST to, button label): the section's one action
    refresh: str = ""  # the address that asks eTelecom again, when the section shows a kept answer
    chart: dict | None = None  # data for static/console/charts.js: labels, axis, series of {key, label, values}


# Each builds its section for (shop, user), or None when it does not apply to the shop.
SECTIONS: list[Callable[..., Section | None]] = []


def register_section(build: Callable[..., Section | None]) -> None:
    if build not in SECTIONS:
        SECTIONS.append(build)


# The order a person reads a shop in: what it sends from, its phones, then how the console keeps up with it.
ORDER = ["oas", "templates", "pbx", "webhooks", "runs", "errors"]


def sections(shop: Shop, user) -> list[Section]:
    built = [section for build in SECTIONS if (section := build(shop, user)) is not None]
    return sorted(built, key=lambda section: ORDER.index(section.key) if section.key in ORDER else len(ORDER))


def changelist(model, shop: Shop, **query) -> str:
    """The admin list of `model`'s rows of `shop`."""
    meta = model._meta
    params = "&".join(f"{key}={value}" for key, value in {"shop": shop.pk, **query}.items())
    return f"{reverse(f'admin:{meta.app_label}_{meta.model_name}_changelist')}?{params}"


def change_link(row, text=None) -> str:
    meta = row._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    return format_html('<a href="{}">{}</a>', url, row if text is None else text)


# eTelecom's answer to `GetWebhooks` is kept this long: a shop's page is opened far more often than a webhook changes
# state, and every registration from the page forgets it (as does the section's "refresh" link).
WEBHOOK_STATES_SECONDS = 300


def _states_key(shop: Shop) -> str:
    return f"shops:webhook-states:{shop.pk}"


def forget_webhook_states(shop: Shop) -> None:
    cache.delete(_states_key(shop))


def webhook_states(shop: Shop, user) -> dict:
    """eTelecom's word on the shop's webhooks, as `{"states": [...], "asked_at": moment}` or, when eTelecom refused,
    `{"refused": sentence, "asked_at": moment}`; asked once per WEBHOOK_STATES_SECONDS and shop."""
    from .errors import Refused
    from .services import shop_webhook_states

    answer = cache.get(_states_key(shop))
    if answer is None:
        try:
            answer = {"states": shop_webhook_states(shop=shop, user=user)}
        except Refused as exc:
            answer = {"refused": str(exc)}
        answer["asked_at"] = timezone.now()
        cache.set(_states_key(shop), answer, WEBHOOK_STATES_SECONDS)
    return answer


def webhooks(shop: Shop, user) -> Section:
    """eTelecom's own word on the shop's webhook (`GetWebhooks`): delivering (`ok`), retrying, or stopped, with its
    last error; never its address, whose path is a secret."""
    action = (reverse("admin:shops_shop_webhook_register", args=[shop.pk]), _("Register the webhook again"))
    unregistered = _("eTelecom has no webhook of the console for this shop: events do not reach the console.")
    if shop.webhook_registered_at is None:  # nothing to ask eTelecom about
        return Section(
            "webhooks", _("Webhook"), [], [], empty=unregistered, action=(action[0], _("Register the webhook"))
        )
    answer = webhook_states(shop, user)
    refresh = reverse("admin:shops_shop_webhook_refresh", args=[shop.pk])
    note = _("eTelecom's answer at %(time)s.") % {"time": formats.moment(answer["asked_at"])}
    if "refused" in answer:
        return Section(
            "webhooks", _("Webhook"), [], [], empty=answer["refused"], action=action, note=note, refresh=refresh
        )
    labels = {"ok": _("delivering"), "retry": _("retrying after failures"), "stop": _("stopped by eTelecom")}
    rows = []
    for hook in answer["states"]:
        error = hook["last_error"]
        said = " · ".join(str(part) for part in (error.get("resp_status"), error.get("error")) if part)
        said = without_addresses(" ".join(said.split()))
        rows.append(
            [
                badge(hook["state"], badges.WEBHOOK_STATE, labels.get(hook["state"])),
                _("current address") if hook["current"] else _("an older address"),
                formats.moment(hook["last_sent_at"]),
                said[:200] or "-",
            ]
        )
    return Section(
        key="webhooks",
        title=_("Webhook"),
        headers=[_("state on eTelecom"), _("address"), _("last delivery"), _("last error")],
        rows=rows,
        empty=unregistered,
        note=note,
        action=action,
        refresh=refresh,
    )


def recent_runs(shop: Shop, user) -> Section:
    runs = SyncRun.objects.filter(shop=shop).order_by("-queued_at")[:ROWS]
    return Section(
        key="runs",
        title=_("Recent sync runs"),
        headers=[_("kind"), _("status"), _("queued"), _("outcome")],
        rows=[
            [
                change_link(run, run.kind_label),
                badge(run.status, badges.SYNC_RUN, run.get_status_display()),
                formats.moment(run.queued_at),
                run.error[:120] if run.error else formats.counts(run.counts),
            ]
            for run in runs
        ],
        more=changelist(SyncRun, shop),
        empty=_("No sync has run for this shop yet."),
    )


def recent_errors(shop: Shop, user) -> Section:
    calls = ApiCall.objects.filter(shop=shop).exclude(error="").order_by("-created_at")[:ROWS]
    return Section(
        key="errors",
        title=_("Recent eTelecom errors"),
        headers=[_("time"), _("method"), _("error")],
        rows=[[formats.moment(call.created_at), call.method, call.error[:160]] for call in calls],
        more=changelist(ApiCall, shop),
        empty=_("No eTelecom call of this shop has failed lately."),
    )


register_section(webhooks)
register_section(recent_runs)
register_section(recent_errors)
