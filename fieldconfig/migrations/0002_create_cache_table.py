from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The label cache is shared by every server process through this table (see lookup.py).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("fieldconfig", "0001_initial")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
