"""`{% load links %}` then `{{ address|web_url }}`: an address from eTelecom or a webhook, or '' when it is not an
http(s) URL (see shops.common.links)."""

from django import template

from shops.common import links

register = template.Library()
register.filter("web_url", links.web_url)
