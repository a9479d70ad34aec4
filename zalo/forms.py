from django import forms
from django.utils.translation import gettext_lazy as _

from shops.models import Shop


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
