"""Admin pages of the console's own that are not a model's add or change form (connecting shops, OAs, ...)."""

from django.template.response import TemplateResponse


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
