"""Roles are Django groups: Support works on its shops, Manager reads them. Superusers see everything.

A migration creates the groups; their permissions follow from the models after every migrate, so a model added
by a later app is covered without a data migration of its own.
"""

from django.apps import apps
from django.contrib.auth.models import Group, Permission

SUPPORT = "Support"
MANAGER = "Manager"
CONSOLE_APPS = ("shops", "zalo", "pbx", "sms")


def role_permissions() -> dict[str, set[str]]:
    """Codenames per role: Manager views every console model; Support also adds and changes, except models that
    are records of what happened (`support_read_only`). Deleting is for superusers."""
    support, manager = set(), set()
    for label in CONSOLE_APPS:
        for model in apps.get_app_config(label).get_models():
            name = model._meta.model_name
            manager.add(f"{label}.view_{name}")
            support.add(f"{label}.view_{name}")
            if not getattr(model, "support_read_only", False):
                support.update({f"{label}.add_{name}", f"{label}.change_{name}"})
    support.discard("shops.add_shopmembership")
    support.discard("shops.change_shopmembership")
    return {SUPPORT: support, MANAGER: manager}


def sync_roles(**kwargs) -> None:
    """post_migrate: give each role exactly its permissions (idempotent)."""
    available = {
        f"{app_label}.{codename}": pk
        for pk, app_label, codename in Permission.objects.filter(content_type__app_label__in=CONSOLE_APPS).values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    for role, codenames in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set([available[c] for c in codenames if c in available])
