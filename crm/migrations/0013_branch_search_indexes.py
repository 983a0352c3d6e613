"""PostgreSQL: this migration made a trigram index per branch; they are no longer kept (migration 0020,
crm.db.drop_branch_search_indexes), so its forward step only drops any there are."""

from django.db import migrations


def forward(apps, schema_editor):
    from crm.db import drop_branch_search_indexes

    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    drop_branch_search_indexes(schema_editor.connection)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'crm_customer'"
            " AND indexname ~ '^customer_search_(tri|ascii)_b[0-9]+$'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("crm", "0012_date_indexes")]

    operations = [migrations.RunPython(forward, backward)]
