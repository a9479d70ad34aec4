"""403 and 404 pages in the console's look (handler403, handler404 in urls.py); 500 is the static 500.html."""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

ERRORS = {
    403: (
        "block",
        _("You may not open this page"),
        _("Your role or your shops do not cover what this page shows or changes. Ask an administrator for it."),
    ),
    404: (
        "search_off",
        _("This page does not exist"),
        _("The address is wrong, or what it showed was deleted or belongs to a shop that is not yours."),
    ),
}


def _error_page(request, status: int):
    """A 403 or 404 in the console's look, with its sidebar for staff who are signed in, so the person can go on
    from it (Django's bare pages leave them stranded, in English)."""
    user = getattr(request, "user", None)
    staff = bool(user and user.is_active and user.is_staff)
    icon, title, text = ERRORS[status]
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": staff,
        "signed_in": staff,
        "title": title,
        "error_icon": icon,
        "error_text": text,
        "error_code": status,
    }
    return TemplateResponse(request, f"{status}.html", context, status=status).render()


def permission_denied(request, exception):
    return _error_page(request, 403)


def page_not_found(request, exception):
    return _error_page(request, 404)
