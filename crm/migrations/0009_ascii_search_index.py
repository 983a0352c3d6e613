"""SQLite: a second FTS5 trigram table over the ASCII runs of the search key (crm.normalize.ascii_runs).

Phone digits and email letters tripled (111222…, aaammm…) give trigrams found in most rows,
so a 4-digit phone fragment read most of the tripled index at a million customers. The
runs, untripled, answer ASCII-only queries of three or more characters from short
doclists. Kept in step with crm_customer by triggers, like crm_customer_fts (0004).
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE crm_customer_ascii_fts USING fts5(t, content='', tokenize='trigram')",
    """CREATE TRIGGER crm_customer_ascii_fts_insert AFTER INSERT ON crm_customer BEGIN
        INSERT INTO crm_customer_ascii_fts(rowid, t) VALUES (new.id, kokyaku_ascii(new.search_text));
    END""",
    """CREATE TRIGGER crm_customer_ascii_fts_delete AFTER DELETE ON crm_customer BEGIN
        INSERT INTO crm_customer_ascii_fts(crm_customer_ascii_fts, rowid, t)
        VALUES ('delete', old.id, kokyaku_ascii(old.search_text));
    END""",
    """CREATE TRIGGER crm_customer_ascii_fts_update AFTER UPDATE OF search_text ON crm_customer BEGIN
        INSERT INTO crm_customer_ascii_fts(crm_customer_ascii_fts, rowid, t)
        VALUES ('delete', old.id, kokyaku_ascii(old.search_text));
        INSERT INTO crm_customer_ascii_fts(rowid, t) VALUES (new.id, kokyaku_ascii(new.search_text));
    END""",
    "INSERT INTO crm_customer_ascii_fts(rowid, t) SELECT id, kokyaku_ascii(search_text) FROM crm_customer",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS crm_customer_ascii_fts_insert",
    "DROP TRIGGER IF EXISTS crm_customer_ascii_fts_delete",
    "DROP TRIGGER IF EXISTS crm_customer_ascii_fts_update",
    "DROP TABLE IF EXISTS crm_customer_ascii_fts",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("crm", "0008_search_tri_column")]

    operations = [migrations.RunPython(_run(SQLITE_FORWARD), _run(SQLITE_BACKWARD))]
