"""The report's range form: local days, at most a year, over the user's shops (and, for the Zalo reports, OAs)."""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shops.models import Shop
from zalo.models import OfficialAccount

MAX_DAYS = 366


class QuickSelect(forms.Select):
    """A select with Django's markup, its options written here rather than through a template each: the range form
    lists every shop and OA of the user (200 OAs took 25 ms of the page through the templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>\n',
            (
                (option["value"], flatatt(option["attrs"]), option["label"])
                for _group, choices, _index in widget["optgroups"]
                for option in choices
            ),
        )
        return format_html('<select name="{}"{}>{}\n</select>', widget["name"], flatatt(widget["attrs"]), options)


class RangeForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    shop = forms.ModelChoiceField(
        label=gettext_lazy("Shop"), queryset=Shop.objects.none(), required=False, widget=QuickSelect
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shop"].queryset = shops

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The range ends before it starts."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(_("A report covers %(days)d days at most.") % {"days": MAX_DAYS})
        return data

    def scope(self):
        """The shops the report covers: the chosen one, or all the user's."""
        shops = self.fields["shop"].queryset
        chosen = self.cleaned_data["shop"]
        return shops.filter(pk=chosen.pk) if chosen else shops


class OARangeForm(RangeForm):
    oa = forms.ModelChoiceField(
        label=gettext_lazy("OA"), queryset=OfficialAccount.objects.none(), required=False, widget=QuickSelect
    )

    def __init__(self, *args, shops, **kwargs):
        super().__init__(*args, shops=shops, **kwargs)
        self.fields["oa"].queryset = OfficialAccount.objects.filter(shop__in=shops).order_by("name")

    def scope(self):
        """The OAs the report covers: the chosen one (if it is in the chosen shop), or all the shops'."""
        oas = OfficialAccount.objects.filter(shop__in=super().scope())
        chosen = self.cleaned_data["oa"]
        return oas.filter(pk=chosen.pk) if chosen else oas
