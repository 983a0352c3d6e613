"""The quick search reads the address: every customer's search key gains its 住所 and ビル名 lines.

Also: dashes (‐ − – …) fold to one hyphen in every key (crm.normalize.FOLD_TABLE), and
PostgreSQL gets kokyaku_fold, the SQL twin of crm.normalize.normalize_text that the advanced
search's text conditions apply to a stored value (SQLite registers the Python function itself,
crm.db). The keys are recomputed in Python, 5,000 customers a statement; on PostgreSQL with many
customers the search columns' trigram indexes are dropped first and built once afterwards.
"""

from django.db import migrations

from crm import normalize

BATCH = 5000
REBUILD_INDEXES_FROM = 50_000  # PostgreSQL: more customers than this, build the indexes afresh


def _fold_function() -> str:
    """crm.normalize.normalize_text in PL/pgSQL; each step only on a value that needs it (most need
    none: a few µs a row instead of ~15 for an unconditional translate)."""
    hiragana = "".join(chr(code) for code in sorted(normalize.HIRAGANA_TO_KATAKANA))
    katakana = "".join(chr(normalize.HIRAGANA_TO_KATAKANA[ord(c)]) for c in hiragana)
    table = {chr(k): v for k, v in normalize.FOLD_TABLE.items()}
    source, target = hiragana + "".join(table), katakana + "".join(table.values())
    assert len(source) == len(target) and not set("'$") & set(source + target)
    assert not set("]^\\-") & set(source)
    return rf"""CREATE OR REPLACE FUNCTION kokyaku_fold(value text) RETURNS text
        LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
        AS $$
        BEGIN
            IF value IS NOT NFKC NORMALIZED THEN value := normalize(value, NFKC); END IF;
            IF value ~ '[{source}]' THEN value := translate(value, '{source}', '{target}'); END IF;
            IF value ~ '\s' THEN value := regexp_replace(value, '\s+', '', 'g'); END IF;
            RETURN lower(value);
        END
        $$"""


def _pg_search_indexes(cursor) -> list[str]:
    cursor.execute(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'crm_customer'"
        " AND indexname ~ '^customer_search_(tri|ascii)_(trgm|b[0-9]+)$'"
    )
    return [name for (name,) in cursor.fetchall()]


def search_keys_recompute(apps, schema_editor):
    from crm.models.customer import SEARCH_KEY_COLUMNS, customer_search_key

    Customer = apps.get_model("crm", "Customer")
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    customers = Customer.objects.using(connection.alias).order_by("id")
    rebuild = postgres and customers.count() > REBUILD_INDEXES_FROM
    if postgres:
        schema_editor.execute(_fold_function())
    if rebuild:
        with connection.cursor() as cursor:
            for name in _pg_search_indexes(cursor):
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    last = 0
    while True:
        batch = list(customers.filter(id__gt=last).only("id", "search_text", *SEARCH_KEY_COLUMNS)[:BATCH])
        if not batch:
            break
        last = batch[-1].id
        changed = [(c.id, key) for c in batch if (key := customer_search_key(c)) != c.search_text]
        if not changed:
            continue
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute(
                    "UPDATE crm_customer SET search_text = v.k FROM unnest(%s::bigint[], %s::text[]) AS v(id, k)"
                    " WHERE crm_customer.id = v.id",
                    [[pk for pk, _ in changed], [key for _, key in changed]],
                )
            else:
                cursor.executemany("UPDATE crm_customer SET search_text = %s WHERE id = %s",
                                   [(key, pk) for pk, key in changed])
    if rebuild:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '512MB'")  # a session setting: this migration is not atomic
            cursor.execute("CREATE INDEX IF NOT EXISTS customer_search_tri_trgm ON crm_customer"
                           " USING gin (search_tri gin_trgm_ops)")
            cursor.execute("CREATE INDEX IF NOT EXISTS customer_search_ascii_trgm ON crm_customer"
                           " USING gin (search_ascii gin_trgm_ops)")
    if postgres:
        # Every key rewritten leaves a dead row version behind: at 1,000,000 customers the
        # searches ran 3-4 x slower until VACUUM, which cannot run inside a transaction
        # (hence atomic = False below: each batch commits, and a re-run finishes the job).
        schema_editor.execute("VACUUM (ANALYZE) crm_customer" if not connection.in_atomic_block
                              else "ANALYZE crm_customer")


def fold_function_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS kokyaku_fold(text)")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("crm", "0018_default_branch")]

    operations = [migrations.RunPython(search_keys_recompute, fold_function_drop)]
