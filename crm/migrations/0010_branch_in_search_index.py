"""SQLite: each FTS index row ends with its customer's branch marker (crm.normalize.branch_marker).

A branch user's quick search adds their branches' markers to the MATCH, so it reads only
their branches' postings instead of every match in every branch and dropping most of them
after the join (20 branches: ~20x the postings for the same page and count). The triggers
now fire on a branch change too; both tables are rebuilt. PostgreSQL gets nothing here.
"""

from django.db import migrations

TABLES = [
    # (table, SQL function computing a row's indexed text from search_text and branch_id)
    ("crm_customer_fts", "kokyaku_fts_tripled"),
    ("crm_customer_ascii_fts", "kokyaku_fts_ascii"),
]


def statements(table: str, function: str) -> list[str]:
    new, old = f"{function}(new.search_text, new.branch_id)", f"{function}(old.search_text, old.branch_id)"
    return [
        f"DROP TRIGGER IF EXISTS {table}_insert",
        f"DROP TRIGGER IF EXISTS {table}_delete",
        f"DROP TRIGGER IF EXISTS {table}_update",
        f"DROP TABLE IF EXISTS {table}",
        f"CREATE VIRTUAL TABLE {table} USING fts5(t, content='', tokenize='trigram')",
        f"""CREATE TRIGGER {table}_insert AFTER INSERT ON crm_customer BEGIN
            INSERT INTO {table}(rowid, t) VALUES (new.id, {new});
        END""",
        f"""CREATE TRIGGER {table}_delete AFTER DELETE ON crm_customer BEGIN
            INSERT INTO {table}({table}, rowid, t) VALUES ('delete', old.id, {old});
        END""",
        f"""CREATE TRIGGER {table}_update AFTER UPDATE OF search_text, branch_id ON crm_customer BEGIN
            INSERT INTO {table}({table}, rowid, t) VALUES ('delete', old.id, {old});
            INSERT INTO {table}(rowid, t) VALUES (new.id, {new});
        END""",
        f"INSERT INTO {table}(rowid, t) SELECT id, {function}(search_text, branch_id) FROM crm_customer",
    ]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for table, function in TABLES:
            for sql in statements(table, function):
                schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        previous = [("crm_customer_fts", "kokyaku_triple"), ("crm_customer_ascii_fts", "kokyaku_ascii")]
        for table, function in previous:
            for sql in statements(table, function):
                schema_editor.execute(sql.replace(f"{function}(new.search_text, new.branch_id)", f"{function}(new.search_text)")
                                      .replace(f"{function}(old.search_text, old.branch_id)", f"{function}(old.search_text)")
                                      .replace(f"{function}(search_text, branch_id)", f"{function}(search_text)"))


class Migration(migrations.Migration):
    dependencies = [("crm", "0009_ascii_search_index")]

    operations = [migrations.RunPython(forward, backward)]
