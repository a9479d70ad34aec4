from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shops.forms import ShopLabelledChoice
from shops.models import Shop
from shops.phones import normalise_phone

from . import conversations
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


class TemplateChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.oa.shop} – {obj.oa} – {obj}"


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
            options = {"label": name, "required": required, "strip": True}
            if param.get("min_length"):
                options["min_length"] = param["min_length"]
            if param.get("max_length"):
                options["max_length"] = param["max_length"]
            if param.get("type") == "number":
                field = forms.RegexField(regex=r"^[0-9]+$", error_messages={"invalid": _("Digits only.")}, **options)
            else:
                field = forms.CharField(**options)
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


class ReplyForm(forms.Form):
    """A consulting reply from a follower's conversation page: one kind, and what that kind needs."""

    TEXT_LIMIT = 2000
    kind = forms.ChoiceField(label=_("Send"), choices=conversations.Kind.choices, initial=conversations.Kind.TEXT)
    text = forms.CharField(
        label=_("Message"), required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )
    sticker_id = forms.RegexField(
        label=_("Sticker id"), required=False, regex=r"^[A-Za-z0-9_-]{1,64}$", help_text=_("Zalo's id of the sticker.")
    )
    attachment = forms.FileField(label=_("Image or file"), required=False)
    title = forms.CharField(label=_("Card title"), required=False, max_length=100)
    subtitle = forms.CharField(label=_("Card text"), required=False, max_length=500)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == conversations.Kind.TEXT and not (data.get("text") or "").strip():
            self.add_error("text", _("Write the message."))
        elif kind == conversations.Kind.STICKER and not data.get("sticker_id"):
            self.add_error("sticker_id", _("Enter the sticker's id."))
        elif kind in (conversations.Kind.IMAGE, conversations.Kind.FILE) and "attachment" not in self.errors:
            try:
                data["upload"] = conversations.check_upload(data.get("attachment"), kind=kind)
            except ValidationError as exc:
                self.add_error("attachment", exc)
        return data

    def reply_args(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": (data.get("text") or "").strip() if data["kind"] == conversations.Kind.TEXT else "",
            "sticker_id": data.get("sticker_id") or "",
            "upload": data.get("upload"),
            "title": data.get("title") or "",
            "subtitle": data.get("subtitle") or "",
        }
