"""Database-side pieces of the search index: the SQL functions its triggers and columns call.

PostgreSQL gets it as an IMMUTABLE SQL function from a migration; SQLite gets it here, as a
deterministic Python function registered on each new connection, because the triggers that
keep the FTS5 index in step call it.
"""

from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .normalize import ascii_index_text, ascii_runs, triple, tripled_index_text


@receiver(connection_created, dispatch_uid="kokyaku-sqlite-functions")
def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("kokyaku_triple", 1, triple, deterministic=True)
        connection.connection.create_function("kokyaku_ascii", 1, ascii_runs, deterministic=True)
        connection.connection.create_function("kokyaku_fts_tripled", 2, tripled_index_text, deterministic=True)
        connection.connection.create_function("kokyaku_fts_ascii", 2, ascii_index_text, deterministic=True)
