"""Admin pages of the console's own that are not a model's add or change form (connecting shops, OAs, ...)."""

from django.contrib import messages
from django.shortcuts import redirect
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


def form_action(request, model_admin, form, *, perform, done, refused, title, intro, submit: str, form_id: str):
    """Show `form`; on a valid POST run `perform(cleaned_data)` and go to the page of what it returns with the
    message `done(it)`. A `refused` exception (eTelecom said no, in words) becomes the form's error instead."""
    if request.method == "POST" and form.is_valid():
        try:
            result = perform(form.cleaned_data)
        except refused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, done(result))
            opts = result._meta
            return redirect(f"admin:{opts.app_label}_{opts.model_name}_change", result.pk)
    return form_page(request, model_admin, form=form, title=title, intro=intro, submit=submit, form_id=form_id)
