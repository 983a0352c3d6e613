"""PostgreSQL: the branch in front of the search column, an ASCII column, and (branch, id) order.

- search_tri now starts with the customer's branch prefix (crm.normalize.pg_branch_prefix),
  so a branch user's pattern 'QBQ\n%田田田中中中%' is one trigram-index condition and reads
  only that branch's rows.
- search_ascii holds the ASCII runs of the key (crm.normalize.ascii_runs), after the same
  prefix, with its own trigram index: phone digits and email fragments, whose tripled
  trigrams (111, aaa) are in most rows, are matched untripled.
PostgreSQL 15 cannot change a generated column's expression, so search_tri is re-added.
The (branch, id) index is in the model (both databases): a branch's customers in id order.
"""

from django.db import migrations, models

PG_FORWARD = [
    r"""CREATE OR REPLACE FUNCTION kokyaku_ascii(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT regexp_replace($1, '[^!-~]+', E'\n', 'g') $$""",
    r"""CREATE OR REPLACE FUNCTION kokyaku_branch_prefix(bigint) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT 'Q' || translate($1::text, '0123456789', 'ABCDEFGHIJ') || E'Q\n' $$""",
    "DROP INDEX IF EXISTS customer_search_tri_trgm",
    "ALTER TABLE crm_customer DROP COLUMN IF EXISTS search_tri",
    """ALTER TABLE crm_customer
        ADD COLUMN search_tri text GENERATED ALWAYS AS
            (kokyaku_branch_prefix(branch_id) || kokyaku_triple(search_text)) STORED,
        ADD COLUMN search_ascii text GENERATED ALWAYS AS
            (kokyaku_branch_prefix(branch_id) || kokyaku_ascii(search_text)) STORED""",
    "CREATE INDEX customer_search_tri_trgm ON crm_customer USING gin (search_tri gin_trgm_ops)",
    "CREATE INDEX customer_search_ascii_trgm ON crm_customer USING gin (search_ascii gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS customer_search_ascii_trgm",
    "DROP INDEX IF EXISTS customer_search_tri_trgm",
    "ALTER TABLE crm_customer DROP COLUMN IF EXISTS search_ascii",
    "ALTER TABLE crm_customer DROP COLUMN IF EXISTS search_tri",
    "ALTER TABLE crm_customer ADD COLUMN search_tri text GENERATED ALWAYS AS (kokyaku_triple(search_text)) STORED",
    "CREATE INDEX customer_search_tri_trgm ON crm_customer USING gin (search_tri gin_trgm_ops)",
    "DROP FUNCTION IF EXISTS kokyaku_branch_prefix(bigint)",
    "DROP FUNCTION IF EXISTS kokyaku_ascii(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            with schema_editor.connection.cursor() as cursor:
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("crm", "0010_branch_in_search_index")]

    operations = [
        migrations.RunPython(_run(PG_FORWARD), _run(PG_BACKWARD)),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["branch", "id"], name="customer_branch_id_order"),
        ),
    ]
