"""`{{ field|themed }}`: a plain Django form field drawn with the theme's input classes, so the console's own
forms (connect, send, upload, report range) look like the admin's without each form knowing the theme."""

from django import forms, template
from django.forms.widgets import Input
from unfold.widgets import CHECKBOX_CLASSES, FILE_CLASSES, INPUT_CLASSES, SELECT_CLASSES, TEXTAREA_CLASSES

register = template.Library()


def _classes(widget: forms.Widget) -> list[str]:
    if isinstance(widget, forms.CheckboxInput):
        return CHECKBOX_CLASSES
    if isinstance(widget, forms.FileInput):
        return FILE_CLASSES
    if isinstance(widget, forms.Select | forms.SelectMultiple) and not isinstance(widget, forms.RadioSelect):
        return SELECT_CLASSES
    if isinstance(widget, forms.Textarea):
        return TEXTAREA_CLASSES
    if isinstance(widget, Input):
        return INPUT_CLASSES
    return []


@register.filter
def themed(field: forms.BoundField):
    widget = field.field.widget
    own = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": " ".join([*_classes(widget), own]).strip()})
