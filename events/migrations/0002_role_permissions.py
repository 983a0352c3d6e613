"""The roles (crm/roles.py) get the business events' permissions: view for everyone, the
customer lists for general users, everything for 管理者."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the roles need them now.
    app_config = apps.get_app_config("events")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    from crm.roles import grant_app_permissions

    grant_app_permissions(apps, "events")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("crm", "0007_roles"),
        ("auth", "__latest__"),
        ("contenttypes", "__latest__"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
