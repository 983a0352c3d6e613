"""Issue 24, point 3: a version on the records edited by people (optimistic locking, crm/locking.py).

SQLite cannot add a NOT NULL column through Django's ALTER TABLE: it rebuilds the table, which would
drop the customer table's search triggers (0010). The customer's column is therefore added in place
there (ADD COLUMN … NOT NULL DEFAULT 1 keeps the rows and the triggers); PostgreSQL adds it as usual.
"""

from django.db import migrations, models


def version_field():
    return models.PositiveIntegerField(default=1, editable=False, verbose_name="Version")


def add_customer_version(apps, schema_editor):
    Customer = apps.get_model("crm", "Customer")
    field = version_field()  # the state gets it alongside (SeparateDatabaseAndState)
    field.set_attributes_from_name("version")
    field.model = Customer
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute('ALTER TABLE "crm_customer" ADD COLUMN "version" integer unsigned NOT NULL '
                              'DEFAULT 1 CHECK ("version" >= 0)')
    else:
        schema_editor.add_field(Customer, field)


def remove_customer_version(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "crm_customer" DROP COLUMN "version"')


class Migration(migrations.Migration):

    dependencies = [
        ("crm", "0023_product_tax_rate"),
    ]

    operations = [
        migrations.AddField(model_name="contacthistory", name="version", field=version_field()),
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="customer", name="version", field=version_field())],
            database_operations=[migrations.RunPython(add_customer_version, remove_customer_version)],
        ),
        migrations.AddField(model_name="purchase", name="version", field=version_field()),
    ]
