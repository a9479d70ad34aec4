from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shops.common.phones import normalise_phone
from shops.forms import ShopLabelledChoice
from shops.models import Shop

from .models import Hotline, PbxUser


class TenantCreateForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops.filter(tenant__isnull=True)


class TenantActivateForm(forms.Form):
    hotline = forms.ModelChoiceField(
        label=_("Hotline"),
        queryset=Hotline.objects.none(),
        help_text=_("The tenant's first hotline. Add one to the shop first if the list is empty."),
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotline"].queryset = Hotline.objects.filter(shop=tenant.shop_id)


class HotlineAddForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    hotline = forms.RegexField(
        label=_("Number"),
        regex=r"^(0[0-9]{7,10}|84[0-9]{7,10}|1[89]00[0-9]{4,6})$",
        error_messages={"invalid": _("A hotline is a Vietnamese number: 0…, 84…, 1800… or 1900…, digits only.")},
    )
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    network = forms.ChoiceField(label=_("Network"), choices=Hotline.Network.choices, initial=Hotline.Network.UNKNOWN)
    is_free_charge = forms.BooleanField(
        label=_("Free of charge"), required=False, help_text=_("Calls on this hotline skip the balance check.")
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops


class PbxUserCreateForm(forms.Form):
    shop = forms.ModelChoiceField(label=_("Shop"), queryset=Shop.objects.none())
    full_name = forms.CharField(label=_("Full name"), max_length=255)
    phone = forms.CharField(label=_("Phone"), max_length=20)
    password = forms.CharField(
        label=_("Password"),
        min_length=6,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The staff member's eTelecom password. Sent to eTelecom once; the console keeps it nowhere."),
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class ExtensionCreateForm(forms.Form):
    hotline = ShopLabelledChoice(label=_("Hotline"), queryset=Hotline.objects.none())
    extension_number = forms.IntegerField(label=_("Extension number"), min_value=100, max_value=999999)
    user = ShopLabelledChoice(label=_("User"), queryset=PbxUser.objects.none(), required=False)

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotline"].queryset = Hotline.objects.filter(shop__in=shops).select_related("shop")
        self.fields["user"].queryset = PbxUser.objects.filter(shop__in=shops, deleted=False).select_related("shop")

    def clean(self):
        data = super().clean()
        if data.get("hotline") and data.get("user") and data["hotline"].shop_id != data["user"].shop_id:
            raise ValidationError(_("The hotline and the user must belong to the same shop."))
        return data


class ExtensionAssignForm(forms.Form):
    user = forms.ModelChoiceField(label=_("User"), queryset=PbxUser.objects.none())

    def __init__(self, *args, extension, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = PbxUser.objects.filter(shop=extension.shop_id, deleted=False)


class ExtensionHotlineForm(forms.Form):
    hotline = forms.ModelChoiceField(label=_("Hotline"), queryset=Hotline.objects.none())

    def __init__(self, *args, extension, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hotline"].queryset = Hotline.objects.filter(shop=extension.shop_id).exclude(
            pk=extension.hotline_id
        )
