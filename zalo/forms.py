from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from etelecom import oa as oa_api
from shops import formats
from shops.common.phones import normalise_phone
from shops.forms import ShopLabelledChoice
from shops.models import Shop

from . import conversations, templates
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
    """The phone, then one field per template parameter with its type and length limits (`templates.param_fields`,
    which bulk uploads check their rows with too)."""

    phone = templates.phone_field()
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
        for name, field in templates.param_fields(template).items():
            # static/console/zns-composer.js counts the characters and fills the preview as the person types.
            field.widget.attrs.update({"data-param": name, "data-limit": field.max_length or ""})
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


TXN_TYPES = [
    ("transaction_order", _("Order")),
    ("transaction_billing", _("Bill")),
    ("transaction_booking", _("Booking")),
    ("transaction_reward", _("Reward points")),
    ("transaction_contract", _("Contract")),
    ("transaction_membership", _("Membership")),
    ("transaction_event", _("Event")),
    ("transaction_account", _("Account")),
    ("transaction_transaction", _("Payment")),
    ("transaction_internal", _("Internal notice")),
    ("transaction_partnership", _("Partnership")),
    ("transaction_education", _("Education")),
]
TXN_LANGUAGES = [("VI", _("Vietnamese")), ("EN", _("English"))]
BUTTON_HELP = _(
    "One button a line, at most 4: “link | title | https://…”, “reply | title | text sent back”, "
    "“call | title | phone number”."
)
BUTTON_KINDS = {"link": "oa.open.url", "reply": "oa.query.show", "call": "oa.open.phone"}


class TxnForm(forms.Form):
    """A transaction message (`SendZNSTxn`): header, text, a key/value table, up to four buttons, a banner image
    by URL, the kind and the language; previewed before it is sent."""

    tracking_id = forms.RegexField(regex=r"^[0-9a-f]{32}$", widget=forms.HiddenInput)
    template_type = forms.ChoiceField(label=_("Kind"), choices=TXN_TYPES)
    language = forms.ChoiceField(
        label=_("Language"), choices=TXN_LANGUAGES, help_text=_("Zalo's own wording on the card follows it.")
    )
    header = forms.CharField(label=_("Header"), max_length=100)
    text = forms.CharField(label=_("Text"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))
    table = forms.CharField(
        label=_("Table"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One row a line: “key: value”, at most 8 rows."),
    )
    banner_url = forms.URLField(label=_("Banner image URL"), required=False, max_length=1000, assume_scheme="https")
    buttons = forms.CharField(
        label=_("Buttons"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=BUTTON_HELP,
    )

    MAX_ROWS = 8

    def clean_table(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["table"].splitlines(), 1):
            if not line.strip():
                continue
            key, colon, value = line.partition(":")
            if not colon or not key.strip() or not value.strip():
                raise ValidationError(_("Line %(line)d is not “key: value”.") % {"line": number})
            rows.append((key.strip()[:100], value.strip()[:100]))
        if len(rows) > self.MAX_ROWS:
            raise ValidationError(_("At most %(rows)d rows.") % {"rows": self.MAX_ROWS})
        return tuple(rows)

    def clean_banner_url(self):
        url = self.cleaned_data["banner_url"]
        if url and not url.startswith("https://"):
            raise ValidationError(_("The image must be on an https:// address."))
        return url

    def clean_buttons(self):
        buttons = []
        for number, line in enumerate(self.cleaned_data["buttons"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split("|")]
            if len(parts) != 3 or parts[0] not in BUTTON_KINDS or not parts[1] or not parts[2]:
                raise ValidationError(_("Line %(line)d is not a button as shown below.") % {"line": number})
            kind, title, value = BUTTON_KINDS[parts[0]], parts[1][:100], parts[2]
            if kind == "oa.open.url":
                if not value.startswith("https://") or len(value) > 1000 or any(c.isspace() for c in value):
                    raise ValidationError(_("Line %(line)d: a link must be an https:// address.") % {"line": number})
                payload = {"url": value}
            elif kind == "oa.open.phone":
                payload = {"phone_code": normalise_phone(value)}
            else:
                payload = {"content": value[:1000]}
            buttons.append(oa_api.TxnButton(title=title, type=kind, payload=payload))
        if len(buttons) > oa_api.MAX_BUTTONS:
            raise ValidationError(_("At most %(buttons)d buttons.") % {"buttons": oa_api.MAX_BUTTONS})
        return tuple(buttons)

    def message(self) -> oa_api.TxnMessage:
        data = self.cleaned_data
        return oa_api.TxnMessage(
            header=data["header"],
            text=data["text"],
            table=data["table"],
            buttons=data["buttons"],
            banner_image_url=data["banner_url"],
        )
