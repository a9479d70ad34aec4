"""`{% load refusals %}` then `{{ text|refusal }}`: an error text with eTelecom's reference at its end shown as the
sentence and the reference in small print (see shops.common.refusals.as_html); a text already made safe (a message
with a link) as it is."""

from django import template
from django.contrib.messages.storage.base import Message
from django.utils.safestring import SafeData

from shops.common.refusals import as_html

register = template.Library()


@register.filter
def refusal(text):
    if isinstance(text, Message):
        text = text.message
    if isinstance(text, SafeData):
        return text
    return as_html(str(text))
