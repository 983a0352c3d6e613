"""The quick-search index over Customer.search_text, one per database.

Both index the text with every character tripled (crm.normalize.triple), so that a trigram
index answers one- and two-character Japanese queries too:
- PostgreSQL: pg_trgm GIN index on the expression kokyaku_triple(search_text).
- SQLite: a contentless FTS5 trigram table kept in step by triggers (rowid = customer id).
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    r"""CREATE OR REPLACE FUNCTION kokyaku_triple(text) RETURNS text
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT regexp_replace($1, '(.)', '\1\1\1', 'gs') $$""",
    "CREATE INDEX customer_search_trgm ON crm_customer USING gin (kokyaku_triple(search_text) gin_trgm_ops)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS customer_search_trgm",
    "DROP FUNCTION IF EXISTS kokyaku_triple(text)",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE crm_customer_fts USING fts5(t, content='', tokenize='trigram')",
    """CREATE TRIGGER crm_customer_fts_insert AFTER INSERT ON crm_customer BEGIN
        INSERT INTO crm_customer_fts(rowid, t) VALUES (new.id, kokyaku_triple(new.search_text));
    END""",
    """CREATE TRIGGER crm_customer_fts_delete AFTER DELETE ON crm_customer BEGIN
        INSERT INTO crm_customer_fts(crm_customer_fts, rowid, t) VALUES ('delete', old.id, kokyaku_triple(old.search_text));
    END""",
    """CREATE TRIGGER crm_customer_fts_update AFTER UPDATE OF search_text ON crm_customer BEGIN
        INSERT INTO crm_customer_fts(crm_customer_fts, rowid, t) VALUES ('delete', old.id, kokyaku_triple(old.search_text));
        INSERT INTO crm_customer_fts(rowid, t) VALUES (new.id, kokyaku_triple(new.search_text));
    END""",
    "INSERT INTO crm_customer_fts(rowid, t) SELECT id, kokyaku_triple(search_text) FROM crm_customer",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS crm_customer_fts_insert",
    "DROP TRIGGER IF EXISTS crm_customer_fts_delete",
    "DROP TRIGGER IF EXISTS crm_customer_fts_update",
    "DROP TABLE IF EXISTS crm_customer_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("crm", "0003_drop_search_phone")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
