"""PostgreSQL: search_tri triples only the lines of the search key that hold a non-ASCII character.

The customer code, phones and emails (three quarters of a key) left the tripled column: ASCII
keys of three or more characters were already answered from search_ascii, and one or two
ASCII characters are now matched on search_text itself (crm.normalize.wide_lines,
crm.search.PgTextMatch). The tripled GIN indexes (the table's and each branch's) were the
costliest part of writing a customer: measured at 1,000,000 customers, ~500 µs of ~900 µs per
imported row. PostgreSQL 15 cannot change a generated column's expression, so the column is
re-added (the per-branch indexes it used to rebuild are no longer kept: migration 0020).
"""

from django.db import migrations

WIDE_LINES = r"""CREATE OR REPLACE FUNCTION kokyaku_wide_lines(text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT regexp_replace($1, '^[\x01-\x09\x0b-\x7f]*$', '', 'gn') $$"""


def _recreate(expression: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        from crm.db import drop_branch_search_indexes

        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for sql in [
            WIDE_LINES,
            "DROP INDEX IF EXISTS customer_search_tri_trgm",
            "ALTER TABLE crm_customer DROP COLUMN IF EXISTS search_tri",
            f"ALTER TABLE crm_customer ADD COLUMN search_tri text GENERATED ALWAYS AS ({expression}) STORED",
            "CREATE INDEX customer_search_tri_trgm ON crm_customer USING gin (search_tri gin_trgm_ops)",
        ]:
            schema_editor.execute(sql)
        drop_branch_search_indexes(schema_editor.connection)
        # The re-added column has no statistics until ANALYZE: without them the planner
        # misjudges every search (a branch's 田 took 1.7 × head office's).
        schema_editor.execute("ANALYZE crm_customer")

    return run


class Migration(migrations.Migration):
    dependencies = [("crm", "0014_masters_history")]

    operations = [
        migrations.RunPython(
            _recreate("kokyaku_branch_prefix(branch_id) || kokyaku_triple(kokyaku_wide_lines(search_text))"),
            _recreate("kokyaku_branch_prefix(branch_id) || kokyaku_triple(search_text)"),
        ),
    ]
