from django.db import migrations

ROLES = ("Support", "Manager")


def create_roles(apps, schema_editor):
    # Permissions follow after every migrate (shops.roles.sync_roles): they do not exist yet on a fresh database.
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("shops", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]

    operations = [migrations.RunPython(create_roles, remove_roles)]
