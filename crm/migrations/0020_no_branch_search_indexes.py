"""PostgreSQL: the per-branch trigram indexes are no longer kept.

A branch user's quick search reads the table's own trigram index through the branch prefix its
pattern starts with (crm.search.PgTextMatch), as people with several branches already did.
Every customer written paid for its branch's index pair on top of the table's: measured on
imports at 1,000,000 customers, about 120 µs of PostgreSQL time per customer, a third of it.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from crm.db import drop_branch_search_indexes

    drop_branch_search_indexes(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("crm", "0019_search_key_address")]

    # Backward leaves the search without them: right, only as it is today.
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
