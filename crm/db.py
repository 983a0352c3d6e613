"""Database-side pieces of the search index: the SQL functions its triggers and columns call.

PostgreSQL gets it as an IMMUTABLE SQL function from a migration; SQLite gets it here, as a
deterministic Python function registered on each new connection, because the triggers that
keep the FTS5 index in step call it.
"""

import contextlib

from django.db import DatabaseError, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .normalize import ascii_index_text, ascii_runs, normalize_text, triple, tripled_index_text


@receiver(connection_created, dispatch_uid="kokyaku-sqlite-functions")
def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("kokyaku_triple", 1, triple, deterministic=True)
        connection.connection.create_function("kokyaku_ascii", 1, ascii_runs, deterministic=True)
        connection.connection.create_function("kokyaku_fts_tripled", 2, tripled_index_text, deterministic=True)
        connection.connection.create_function("kokyaku_fts_ascii", 2, ascii_index_text, deterministic=True)
        # the advanced search's text conditions fold the stored value as the search key does
        connection.connection.create_function("kokyaku_fold", 1, normalize_text, deterministic=True)


# --- PostgreSQL: no per-branch trigram indexes (migrations 0013–0019 kept some; 0020 drops them) ---
_BRANCH_INDEX_PATTERN = r"^customer_search_(tri|ascii)_b[0-9]+$"


def drop_branch_search_indexes(connection) -> None:
    """PostgreSQL: drops the partial trigram indexes (`WHERE branch_id = <id>`) that earlier
    versions kept for each branch beside the table's own.

    Every customer written paid for its branch's pair on top of the table's pair (about
    120 µs of PostgreSQL time per imported customer at 1,000,000 rows), while a branch
    user's search reads the table's index about as fast through the branch prefix its
    pattern starts with (crm.search.PgTextMatch).
    """
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = 'crm_customer' AND indexname ~ %s", [_BRANCH_INDEX_PATTERN],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP INDEX IF EXISTS {qn(name)}")


# --- PostgreSQL: many rows into the trigram indexes at once ------------------------------------
# GIN takes new rows into a pending list and merges that list into the index in batches: the
# bigger the batch, the cheaper each entry (sorted, one descent per trigram instead of one per
# row). Inserted one by one into the default 4 MB list, with 4 MB of work_mem to merge it, the
# import's 20,000 customers cost 11 s of server CPU at 1,000,000 customers; with these, 5–6 s,
# the final merge included.
BATCH_WORK_MEM = "256MB"
BATCH_PENDING_LIST = "64MB"


@contextlib.contextmanager
def gin_batch_inserts(connection, model):
    """Inside a transaction: larger GIN batches for `model`'s table, and its pending lists merged
    at the end, so no search reads a long pending list afterwards. Nothing on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('work_mem', %s, true), set_config('gin_pending_list_limit', %s, true)",
                       [BATCH_WORK_MEM, BATCH_PENDING_LIST])
    yield
    if connection.needs_rollback:  # nothing written stays: nothing to merge
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = %s::regclass AND a.amname = 'gin'",
            [model._meta.db_table])
        for (index,) in cursor.fetchall():
            try:
                with transaction.atomic(using=connection.alias):
                    cursor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])
            except DatabaseError:  # not the index's owner: autovacuum merges the list later
                pass
