from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops import formats
from shops.forms import ShopLabelledChoice
from shops.models import Shop
from shops.phones import normalise_phone

from .models import Consent, Journey, OfficialAccount, ZnsTemplate


class ConnectOAForm(forms.Form):
    """What AuthorizeOA needs: the shop's Zalo app, its secret, and the callback URL registered in that app."""

    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    app_id = forms.RegexField(
        label=_("Zalo app id"), regex=r"^[0-9]{1,20}$", error_messages={"invalid": _("A Zalo app id is digits only.")}
    )
    app_secret = forms.CharField(
        label=_("Zalo app secret"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted; never shown again."),
    )
    callback_url = forms.URLField(
        label=_("Callback URL"),
        assume_scheme="https",
        help_text=_("Set exactly this as the “Official Account Callback Url” of the app on developers.zalo.me."),
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops


class ConsentRequestForm(forms.Form):
    oa = ShopLabelledChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
    phone = forms.CharField(
        label=_("Customer's phone"), max_length=20, help_text=_("0912345678, 84912345678 or +84 912 345 678.")
    )
    call_type = forms.ChoiceField(label=_("Call type"), choices=Consent.CallType.choices)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=Consent.Reason.choices)

    def __init__(self, *args, oas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oa"].queryset = oas

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class TemplateRegisterForm(forms.Form):
    oa = ShopLabelledChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
    template_id = forms.IntegerField(
        label=_("Zalo template id"),
        min_value=1,
        help_text=_("The id of a template made on Zalo's ZNS account of this OA."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=ZnsTemplate.Type.choices)

    def __init__(self, *args, oas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oa"].queryset = oas


class GroupedByOA(forms.models.ModelChoiceIterator):
    """The templates under one heading per OA (its shop, its name and the ZNS it has left today), so a long list
    reads as OAs, not as `Shop – Shop – OA – template` lines."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict = {}
        for template in self.queryset:
            groups.setdefault(template.oa, []).append(self.choice(template))
        for oa, choices in groups.items():
            yield (oa_heading(oa), choices)


def oa_heading(oa: OfficialAccount) -> str:
    left = _("%(left)s of %(quota)s ZNS left today") % {
        "left": formats.number(oa.remaining_quota),
        "quota": formats.number(oa.daily_quota),
    }
    return f"{oa.shop.name} · {oa.name} ({left})"


def template_label(template: ZnsTemplate) -> str:
    """`Order confirmation · 410001 · 300 ₫ · 120 left today` (the template's own quota when it has one)."""
    parts = [template.name or str(template.template_id), str(template.template_id), formats.money(template.price)]
    if template.apply_template_quota and template.remaining_quota is not None:
        parts.append(_("%(left)s left today") % {"left": formats.number(template.remaining_quota)})
    return " · ".join(parts)


class TemplateChoice(forms.ModelChoiceField):
    iterator = GroupedByOA

    def label_from_instance(self, obj):
        return template_label(obj)


class TemplatePickForm(forms.Form):
    template = TemplateChoice(
        label=_("Template"),
        queryset=ZnsTemplate.objects.none(),
        help_text=_("Approved templates of the connected OAs of your shops."),
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class SendZnsForm(forms.Form):
    """The phone, then one field per template parameter with its type and length limits."""

    phone = forms.CharField(label=_("Customer's phone"), max_length=20)
    development = forms.BooleanField(
        label=_("Test send (development mode)"),
        required=False,
        help_text=_("Free, and Zalo delivers it only to the administrators of the OA or its app."),
    )

    journey = forms.ModelChoiceField(
        label=_("Journey token"),
        queryset=Journey.objects.none(),
        required=False,
        help_text=_("Send as part of this customer's journey (billed with the token)."),
    )
    sending_mode = forms.ChoiceField(
        label=_("Sending mode"),
        choices=[("", _("Normal")), ("tag3", _("Past the daily quota (tag 3)"))],
        required=False,
        help_text=_("Only for OAs on Zalo's whitelist; eTelecom refuses it for the others."),
    )

    def __init__(self, *args, template: ZnsTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        self.fields["journey"].queryset = Journey.objects.filter(
            oa=template.oa, status=Journey.Status.ACTIVE, expires_at__gt=timezone.now()
        )
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
            # static/console/zns-composer.js counts the characters and fills the preview as the person types.
            field.widget.attrs.update({"data-param": name, "data-limit": param.get("max_length") or ""})
            self.fields[f"param_{name}"] = field

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        journey = data.get("journey")
        if journey is not None:
            if data.get("phone") and data["phone"] != journey.phone:
                self.add_error("journey", _("This journey token is for %(phone)s.") % {"phone": journey.phone})
            if data.get("development"):
                self.add_error("development", _("A journey send cannot be a test send."))
            if data.get("sending_mode"):
                self.add_error("sending_mode", _("A journey send has no sending mode."))
        return data

    def template_data(self) -> dict[str, str]:
        return {
            name[len("param_") :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith("param_") and value
        }


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


class JourneyCreateForm(forms.Form):
    oa = ShopLabelledChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
    phone = forms.CharField(label=_("Customer's phone"), max_length=20)
    token_type = forms.ChoiceField(label=_("Token type"), choices=Journey.TokenType.choices)

    def __init__(self, *args, oas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oa"].queryset = oas

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class BulkZnsForm(forms.Form):
    template = TemplateChoice(label=_("Template"), queryset=ZnsTemplate.objects.none())
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 CSV: a “phone” column and one column per template parameter, named as the parameter."),
    )
    development = forms.BooleanField(label=_("Test send (development mode)"), required=False)

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class BulkConsentForm(forms.Form):
    oa = ShopLabelledChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
    call_type = forms.ChoiceField(label=_("Call type"), choices=Consent.CallType.choices)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=Consent.Reason.choices)
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a “phone” column; “call_type” and “reason_code” columns, if any, win over the form."
        ),
    )

    def __init__(self, *args, oas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oa"].queryset = oas
