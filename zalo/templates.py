"""ZNS templates: registering one, the template sync, and what a send with a template takes (`param_fields`,
`check_send`: the send form and the bulk upload check a send with these)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from etelecom import (
    EtelecomError,
)
from etelecom import zns as zns_api
from shops import jobs
from shops.clients import Actor, job_client, shop_client
from shops.common.mirror import Mirror, renamed, same
from shops.common.phones import normalise_phone
from shops.errors import Refused
from shops.models import SyncRun

from .models import OfficialAccount, ZnsTemplate
from .selectors import shops_with_oa


def _template_params(remote: zns_api.Template) -> list[dict]:
    return [
        {
            "name": p.name,
            "type": p.type,
            "require": p.require,
            "accept_null": p.accept_null,
            "min_length": p.min_length,
            "max_length": p.max_length,
        }
        for p in remote.params
    ]


# A ZNS template as ListTemplates or GetTemplate returns it.
TEMPLATE = Mirror(
    {
        **same(
            "type",
            "status",
            "quality",
            "tag",
            "price",
            "timeout",
            "apply_template_quota",
            "daily_quota",
            "remaining_quota",
            "preview_url",
            "is_journey",
        ),
        **renamed(name="template_name", etelecom_created_at="created_at", etelecom_updated_at="updated_at"),
        "params": _template_params,
        "synced_at": lambda remote: timezone.now(),
    }
)


def template_register(*, oa: OfficialAccount, user, template_id: int, type: str) -> ZnsTemplate:
    """`CreateTemplate`: a template made and approved on Zalo's side becomes usable through eTelecom."""
    try:
        remote = zns_api.create_template(
            shop_client(oa.shop, Actor(user=user)), oa_id=oa.oa_id, template_id=template_id, type=type
        )
    except EtelecomError as exc:
        raise Refused.of(exc) from exc
    template, _ = ZnsTemplate.objects.update_or_create(
        oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
    )
    return template


def templates_sync_work(run: SyncRun) -> dict:
    """Sync-run work for one shop: every template of every OA (`ListTemplates` answers full records)."""
    oas = {oa.oa_id: oa for oa in OfficialAccount.objects.filter(shop=run.shop, missing_since__isnull=True)}
    count = 0
    with job_client(run.shop, "template_sync") as client:
        for oa_id, oa in oas.items():
            for remote in zns_api.iter_templates(client, oa_id=oa_id):
                ZnsTemplate.objects.update_or_create(
                    oa=oa, template_id=remote.template_id, defaults=TEMPLATE.values(remote)
                )
                count += 1
    return {"templates": count, "oas": len(oas)}


class TemplateSync(jobs.Job):
    kind, label = "template_sync", gettext_lazy("ZNS template sync")
    schedule_name, interval_setting = "zalo: sync ZNS templates", "ZALO_TEMPLATE_SYNC_MINUTES"

    @classmethod
    def shops(cls):
        return shops_with_oa()

    @classmethod
    def work(cls, run):
        return templates_sync_work(run)


# --- what a send takes ------------------------------------------------------------------------------------------


def phone_field() -> forms.CharField:
    """The customer's phone of a send, as typed (`check_send` and the send form make it one form)."""
    return forms.CharField(label=_("Customer's phone"), max_length=20)


def param_fields(template: ZnsTemplate) -> dict[str, forms.Field]:
    """One field per named parameter of the template, with its type, its length limits and whether it is
    required: the one statement of what a parameter takes."""
    fields = {}
    for param in template.params:
        name = param.get("name") or ""
        if not name:
            continue
        required = bool(param.get("require")) and not param.get("accept_null")
        options = {"label": param_label(name), "required": required, "strip": True, "help_text": param_rule(param)}
        if param.get("min_length"):
            options["min_length"] = param["min_length"]
        if param.get("max_length"):
            options["max_length"] = param["max_length"]
        if param.get("type") == "number":
            field = forms.RegexField(regex=r"^[0-9]+$", error_messages={"invalid": _("Digits only.")}, **options)
            field.widget.attrs["inputmode"] = "numeric"
        else:
            field = forms.CharField(**options)
        fields[name] = field
    return fields


def check_send(template: ZnsTemplate, values: dict) -> tuple[str, dict[str, str], dict[str, list[str]]]:
    """A send's `phone` and parameter values (by the parameters' names) checked as the send form checks them: the
    phone, eTelecom's `template_data` (the values given), and the errors by name (`phone` or a parameter's),
    empty when the send may go."""
    errors: dict[str, list[str]] = {}
    phone = ""
    try:
        phone = normalise_phone(phone_field().clean(values.get("phone", "")))
    except ValidationError as exc:
        errors["phone"] = exc.messages
    data = {}
    for name, field in param_fields(template).items():
        try:
            value = field.clean(values.get(name, ""))
        except ValidationError as exc:
            errors[name] = exc.messages
            continue
        if value:
            data[name] = value
    return phone, data, errors


def param_label(name: str) -> str:
    """A parameter's key as words: `customer_name` → `Customer name` (the names are the template author's)."""
    words = name.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else name


def param_rule(param: dict) -> str:
    """What a parameter takes: `Text, 1 to 30 characters, required` or `Digits, up to 12, optional`."""
    kind = _("Digits") if param.get("type") == "number" else _("Text")
    low, high = param.get("min_length") or 0, param.get("max_length")
    if high and low:
        size = _("%(low)s to %(high)s characters") % {"low": low, "high": high}
    elif high:
        size = _("up to %(high)s characters") % {"high": high}
    else:
        size = ""
    need = _("required") if param.get("require") and not param.get("accept_null") else _("optional")
    return ", ".join(part for part in (str(kind), str(size), str(need)) if part)
