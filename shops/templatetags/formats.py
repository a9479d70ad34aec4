"""`{% load formats %}` then `{{ n|number }}`, `{{ fee|money }}`, `{{ talk|duration }}`, `{{ rate|percent }}`,
`{{ when|day }}`, `{{ when|moment }}`, `{{ when|clock }}`: every figure in one format per kind (see shops.formats)."""

from django import template

from shops import formats

register = template.Library()
for name in ("number", "money", "percent", "duration", "day", "moment", "clock", "counts"):
    register.filter(name, getattr(formats, name))
