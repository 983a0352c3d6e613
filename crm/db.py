"""Database-side pieces of the search index: the SQL function `kokyaku_triple` on every connection.

PostgreSQL gets it as an IMMUTABLE SQL function from a migration; SQLite gets it here, as a
deterministic Python function registered on each new connection, because the triggers that
keep the FTS5 index in step call it.
"""

from django.db.backends.signals import connection_created
from django.dispatch import receiver

from .normalize import triple


@receiver(connection_created, dispatch_uid="kokyaku-sqlite-functions")
def register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("kokyaku_triple", 1, triple, deterministic=True)
