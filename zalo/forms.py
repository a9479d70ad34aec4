from django import forms
from django.utils.translation import gettext_lazy as _

from shops.models import Shop
from shops.phones import normalise_phone

from .models import Consent, OfficialAccount, ZnsTemplate


class ConnectOAForm(forms.Form):
    """What AuthorizeOA needs: the shop's Zalo app, its secret, and the callback URL registered in that app."""

    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    app_id = forms.RegexField(
        label=_("Zalo app id"), regex=r"^\d{1,20}$", error_messages={"invalid": _("A Zalo app id is digits only.")}
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


class OAChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.shop} – {obj}"


class ConsentRequestForm(forms.Form):
    oa = OAChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
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
    oa = OAChoice(label=_("Official Account"), queryset=OfficialAccount.objects.none())
    template_id = forms.IntegerField(
        label=_("Zalo template id"),
        min_value=1,
        help_text=_("The id of a template made on Zalo's ZNS account of this OA."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=ZnsTemplate.Type.choices)

    def __init__(self, *args, oas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["oa"].queryset = oas
