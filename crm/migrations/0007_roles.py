"""R1: create the five role groups (crm/roles.py) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    from crm.roles import sync_roles

    sync_roles(apps)


def remove_roles(apps, schema_editor):
    from crm.roles import ROLE_ORDER

    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_ORDER).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("crm", "0006_branch_access_and_role_permissions"),
        ("fieldconfig", "0003_fieldsetting_visible_to"),
        ("audit", "0001_initial"),
        ("axes", "__latest__"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
