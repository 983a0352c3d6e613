"""Database-side pieces of the search index: the SQL functions its triggers and columns call.

PostgreSQL gets it as an IMMUTABLE SQL function from a migration; SQLite gets it here, as a
deterministic Python function registered on each new connection, because the triggers that
keep the FTS5 index in step call it.
"""

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


# --- PostgreSQL: one partial trigram index per branch ------------------------------------------
BRANCH_INDEXED_COLUMNS = ("search_tri", "search_ascii")
_BRANCH_INDEX_NAME = "customer_{column}_b{branch_id}"
_BRANCH_INDEX_PATTERN = r"^customer_search_(tri|ascii)_b[0-9]+$"


def branch_search_indexes_sync(connection) -> None:
    """PostgreSQL: a trigram index per branch and search column, `WHERE branch_id = <id>`.

    A one-branch user's search (`branch_id = 1 AND search_tri LIKE '%田田中%'`) reads the
    branch's own index: its posting lists hold that branch's customers only, where the whole
    table's index would need the branch prefix's list too (every row of the branch). Called
    when branches are added or removed (BranchAdmin, seed_demo) and by migration 0013;
    without the index (a branch just added elsewhere) the search is still right, only slower.
    """
    if connection.vendor != "postgresql":
        return
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM crm_branch")
        wanted = {
            _BRANCH_INDEX_NAME.format(column=column, branch_id=branch_id): (column, branch_id)
            for (branch_id,) in cursor.fetchall() for column in BRANCH_INDEXED_COLUMNS
        }
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            " AND tablename = 'crm_customer' AND indexname ~ %s", [_BRANCH_INDEX_PATTERN],
        )
        existing = {name for (name,) in cursor.fetchall()}
        for name in sorted(existing - wanted.keys()):
            cursor.execute(f"DROP INDEX IF EXISTS {qn(name)}")
        for name in sorted(wanted.keys() - existing):
            column, branch_id = wanted[name]
            cursor.execute(
                f"CREATE INDEX {qn(name)} ON crm_customer USING gin ({qn(column)} gin_trgm_ops)"
                f" WHERE branch_id = {int(branch_id)}"
            )
