"""Provisioning pages: each a form that calls one service and ends on the object's page with a message, or on
the same form with eTelecom's refusal in words (nothing is stored locally that eTelecom refused)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shops import audit
from shops.errors import Refused
from shops.models import Shop
from shops.pages import form_action, object_or_403
from shops.scoping import user_shops

from . import extensions, forms, hotlines, tenants, users


def _usable_shops(request):
    return user_shops(request.user).exclude(credential_status=Shop.CredentialStatus.INVALID)


def tenant_create(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = forms.TenantCreateForm(request.POST or None, shops=_usable_shops(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: tenants.tenant_create(shop=data["shop"], user=request.user),
        done=lambda tenant: _("The tenant of %(shop)s is created. Activate it with a hotline.") % {"shop": tenant.shop},
        title=_("Create a PBX tenant"),
        intro=_("eTelecom creates the shop's switchboard; the partner then activates it with a first hotline."),
        submit=_("Create the tenant"),
        form_id="tenant-create-form",
        added=True,
    )


def tenant_activate(request, model_admin, object_id):
    tenant = object_or_403(model_admin, request, object_id, change=True)
    form = forms.TenantActivateForm(request.POST or None, tenant=tenant)
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: tenants.tenant_activate(tenant=tenant, hotline=data["hotline"], user=request.user),
        done=lambda tenant: _("The tenant of %(shop)s is activated.") % {"shop": tenant.shop},
        title=_("Activate the tenant of %(shop)s") % {"shop": tenant.shop},
        intro=_("Activation attaches the hotline; only then can extensions be created."),
        submit=_("Activate"),
        form_id="tenant-activate-form",
    )


def hotline_add(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = forms.HotlineAddForm(request.POST or None, shops=_usable_shops(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: hotlines.hotline_add(user=request.user, **data),
        done=lambda hotline: _("Hotline %(hotline)s is added.") % {"hotline": hotline},
        title=_("Add a hotline"),
        intro=_("The number joins the partner's hotlines on eTelecom, for this shop."),
        submit=_("Add the hotline"),
        form_id="hotline-add-form",
        added=True,
    )


def pbx_user_create(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = forms.PbxUserCreateForm(request.POST or None, shops=_usable_shops(request), initial=request.GET.dict())
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: users.pbx_user_create(user=request.user, **data),
        done=lambda pbx_user: _("%(user)s is created.") % {"user": pbx_user},
        title=_("Create a PBX user"),
        intro=_("A staff account on the shop's eTelecom; give it an extension so that it can call."),
        submit=_("Create the user"),
        form_id="pbx-user-create-form",
        added=True,
    )


def extension_create(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied
    form = forms.ExtensionCreateForm(request.POST or None, shops=_usable_shops(request))
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: extensions.extension_create(
            shop=data["hotline"].shop,
            user=request.user,
            hotline=data["hotline"],
            extension_number=data["extension_number"],
            pbx_user=data["user"],
        ),
        done=lambda extension: _("Extension %(number)s is created.") % {"number": extension},
        title=_("Create an extension"),
        intro=_("The shop's tenant must be activated and the hotline attached to it."),
        submit=_("Create the extension"),
        form_id="extension-create-form",
        added=True,
    )


def extension_assign(request, model_admin, object_id):
    extension = object_or_403(model_admin, request, object_id, change=True)
    form = forms.ExtensionAssignForm(request.POST or None, extension=extension)
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: extensions.extension_assign_user(
            extension=extension, pbx_user=data["user"], user=request.user
        ),
        done=lambda extension: (
            _("Extension %(number)s now belongs to %(user)s.") % {"number": extension, "user": extension.user}
        ),
        title=_("Assign extension %(number)s to a user") % {"number": extension},
        intro=_("The user can call once the extension is assigned."),
        submit=_("Assign"),
        form_id="extension-assign-form",
    )


def extension_hotline(request, model_admin, object_id):
    extension = object_or_403(model_admin, request, object_id, change=True)
    form = forms.ExtensionHotlineForm(request.POST or None, extension=extension)
    return form_action(
        request,
        model_admin,
        form,
        perform=lambda data: extensions.extension_change_hotline(
            extension=extension, hotline=data["hotline"], user=request.user
        ),
        done=lambda extension: (
            _("Extension %(number)s now calls on %(hotline)s.") % {"number": extension, "hotline": extension.hotline}
        ),
        title=_("Change the hotline of extension %(number)s") % {"number": extension},
        intro=_("Calls of this extension go out on the hotline chosen here."),
        submit=_("Change the hotline"),
        form_id="extension-hotline-form",
    )


@require_POST
def extension_remove_user(request, model_admin, object_id):
    extension = object_or_403(model_admin, request, object_id, change=True)
    holder = extension.user or extension.user_etelecom_id
    try:
        extensions.extension_remove_user(extension=extension, user=request.user)
    except Refused as exc:
        messages.error(request, str(exc))
    else:
        done = _("%(user)s no longer holds extension %(number)s.") % {"user": holder, "number": extension}
        audit.record(request.user, extension, done)
        messages.success(request, done)
    return redirect("admin:pbx_extension_change", extension.pk)
