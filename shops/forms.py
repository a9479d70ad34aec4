from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .common.phones import normalise_phone
from .models import Shop


class ShopLabelledChoice(forms.ModelChoiceField):
    """Choices of a shop-owned model across the user's shops, each labelled "shop – row"."""

    def label_from_instance(self, obj):
        return f"{obj.shop} – {obj}"


class ConnectShopForm(forms.Form):
    """Partner flow: the shop's contact as eTelecom knows it (or will create it)."""

    email = forms.EmailField(label=_("Shop email"))
    phone = forms.CharField(label=_("Shop phone"), max_length=32)
    name = forms.CharField(label=_("Shop name"), max_length=255)

    def clean_phone(self):
        return normalise_phone(self.cleaned_data["phone"])


class DirectShopForm(forms.ModelForm):
    """Direct flow: a shop's own api_key. The admin checks it with eTelecom (`services.shop_check_direct_key`) once
    the form is valid and hands the answer to `accept`; a refusal it puts on `key_field`."""

    key_field = "api_key"
    api_key = forms.CharField(
        label=_("API key"),
        widget=forms.PasswordInput(render_value=False),
        help_text=_("The shop's own api_key from its eTelecom admin. It is stored encrypted and never shown again."),
    )

    class Meta:
        model = Shop
        fields = ["notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remote = None

    def clean_api_key(self):
        return self.cleaned_data["api_key"].strip()

    def accept(self, remote) -> None:
        """The shop eTelecom says the key is for: kept for saving, unless that shop is in the console already."""
        existing = Shop.objects.filter(etelecom_id=remote.id).first()
        if existing is not None:
            url = reverse("admin:shops_shop_change", args=[existing.pk])
            sentence = _('This key belongs to a shop already connected: <a href="{}">{}</a>.')
            self.add_error("api_key", format_html(sentence, url, existing.name))
        else:
            self.remote = remote


class ShopChangeForm(forms.ModelForm):
    """Notes and the active flag; a directly connected shop can also get a new api_key (checked by the admin, as for
    `DirectShopForm`)."""

    key_field = "new_api_key"
    new_api_key = forms.CharField(
        label=_("New API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored key."),
    )

    class Meta:
        model = Shop
        fields = ["notes", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remote = None
        if self.instance.connection != Shop.Connection.DIRECT:
            del self.fields["new_api_key"]

    def clean_new_api_key(self):
        return self.cleaned_data.get("new_api_key", "").strip()

    def accept(self, remote) -> None:
        """The shop eTelecom says the new key is for: kept for saving when it is this shop."""
        if remote.id != self.instance.etelecom_id:
            self.add_error("new_api_key", _("This key belongs to another eTelecom shop (%(id)s).") % {"id": remote.id})
        else:
            self.remote = remote
