"""Admin pages of the console's own that are not a model's add or change form (connecting shops, OAs, ...)."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from . import audit
from .errors import Refused

# An id or integer as eTelecom and Zalo write them on a callback: ASCII digits (\d would take any script's), int64.
DIGITS = re.compile(r"[0-9]{1,20}")


def object_or_403(model_admin, request, object_id, *, change: bool = False, perm: str = ""):
    """The object `model_admin` shows this user, or PermissionDenied when it is out of their reach: not found,
    another shop's (the admin's scoping), or without the change permission (`change`) or `perm`."""
    obj = model_admin.get_object(request, object_id)
    if obj is None:
        raise PermissionDenied
    if change and not model_admin.has_change_permission(request, obj):
        raise PermissionDenied
    if perm and not request.user.has_perm(perm):
        raise PermissionDenied
    return obj


def form_page(request, model_admin, *, form, title, intro, submit: str, form_id: str) -> TemplateResponse:
    """A form in the admin's frame, with breadcrumbs back to `model_admin`'s list."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "form": form,
        "title": title,
        "intro": intro,
        "submit": submit,
        "form_id": form_id,
    }
    return TemplateResponse(request, "console/form_page.html", context)


def form_action(
    request, model_admin, form, *, perform, done, title, intro, submit: str, form_id: str, added: bool = False
):
    """Show `form`; on a valid POST run `perform(cleaned_data)` and go to the page of what it returns with the
    message `done(it)`, which is also written to its history (an addition when `added`). A refusal (eTelecom said
    no, in words: `shops.errors.Refused`) becomes the form's error instead."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except Refused as exc:
            form.add_error(None, str(exc))
        else:
            message = done(result)
            audit.record(request.user, result, message, added=added)
            messages.success(request, message)
            opts = result._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", result.pk)
    return form_page(request, model_admin, form=form, title=title, intro=intro, submit=submit, form_id=form_id)


def query_value(request, name: str, *, limit: int, pattern: re.Pattern | None = None) -> str:
    """The query parameter `name` of a callback (where eTelecom or Zalo sends the browser back) when it is there
    exactly once, ASCII, at most `limit` long and matching `pattern`; "" when missing, repeated or anything else."""
    values = request.GET.getlist(name)
    if len(values) != 1 or not values[0].isascii() or len(values[0]) > limit:
        return ""
    return values[0] if pattern is None or pattern.fullmatch(values[0]) else ""
