import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shops.common.phones import normalise_phone
from shops.forms import ShopLabelledChoice
from shops.models import Shop

from . import services
from .models import SmsMessage, SmsTemplate

PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}", re.ASCII)


class AccountForm(forms.Form):
    """A shop's SMS Brandname account, checked with the gateway before it is kept."""

    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    username = forms.CharField(label=_("Username"), max_length=64)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False),
        max_length=256,
        help_text=_("Issued by eTelecom with the username. Stored encrypted; never shown again."),
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops


class TemplateForm(forms.ModelForm):
    """A template as registered with eTelecom: its code, its variables (names separated by commas) and wording."""

    param_names = forms.CharField(
        label=_("Parameters"),
        required=False,
        max_length=1000,
        help_text=_("The names of the template's variables, separated by commas (otp, order_code)."),
    )

    class Meta:
        model = SmsTemplate
        fields = ["shop", "code", "name", "param_names", "content", "price", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["param_names"].initial = ", ".join(self.instance.params)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", code, re.ASCII):
            raise ValidationError(_("A template code is letters, digits, dots, dashes and underscores."))
        return code

    def clean_param_names(self):
        names = [name.strip() for name in self.cleaned_data["param_names"].split(",") if name.strip()]
        bad = [name for name in names if not PARAM_NAME.fullmatch(name)]
        if bad:
            raise ValidationError(
                _("“%(name)s” is not a variable name: letters, digits and underscores.") % {"name": bad[0][:40]}
            )
        if len(set(names)) != len(names):
            raise ValidationError(_("A variable is listed twice."))
        return names

    def save(self, commit=True):
        self.instance.params = self.cleaned_data["param_names"]
        return super().save(commit)


class TemplatePickForm(forms.Form):
    template = ShopLabelledChoice(label=_("Template"), queryset=SmsTemplate.objects.none())

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates


class SendForm(forms.Form):
    """One SMS: the customer's phone, the route and a value for each of the template's variables (their fields are
    `services.param_fields`, which bulk uploads check their rows with too)."""

    phone = services.phone_field()
    route = forms.ChoiceField(
        label=_("Route"),
        choices=SmsMessage.Route.choices,
        help_text=_("With ZNS first, the customer gets a ZNS if they can, and an SMS when the ZNS fails."),
    )

    def __init__(self, *args, template: SmsTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        self.template = template
        for name, field in services.param_fields(template).items():
            self.fields[f"param_{name}"] = field

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])

    def params(self) -> dict[str, str]:
        return {name: self.cleaned_data[f"param_{name}"] for name in self.template.params}


class BulkSmsForm(forms.Form):
    template = ShopLabelledChoice(label=_("Template"), queryset=SmsTemplate.objects.none())
    route = forms.ChoiceField(
        label=_("Route"),
        choices=SmsMessage.Route.choices,
        help_text=_("With ZNS first, each customer gets a ZNS if they can, and an SMS when the ZNS fails."),
    )
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8, a “phone” column and one column per variable of the template, named as the variable."),
    )

    def __init__(self, *args, templates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates
