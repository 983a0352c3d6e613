"""Customer search: the one engine behind the quick search (S1) and the advanced search (S2).

Matching is on Customer.search_text (crm.normalize.search_key), through an index each
database can serve for one-character queries too (migration 0004):
- PostgreSQL: `search_tri LIKE '%田田田中中中%'` on a stored generated column
  (kokyaku_triple(search_text)) with a pg_trgm GIN index.
- SQLite: the FTS5 trigram table crm_customer_fts, joined on rowid = customer id; results
  stream in id order, so the first page of even a 1-character query is read, not sorted.
  ASCII-only keys of three or more characters (phone digits, email fragments) are matched
  untripled in crm_customer_ascii_fts (migration 0009), whose trigrams are far rarer.
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import QuerySet

from . import normalize

FTS_TABLE = "crm_customer_fts"
ASCII_FTS_TABLE = "crm_customer_ascii_fts"
_PHONE_LIKE = re.compile(r"^[0-9()+\-\s]+$")


def search_terms(query: str) -> list[str]:
    """The normalized keys of a quick-search query: one per word; phone-like words as digits."""
    keys = []
    for word in (query or "").split():
        plain = normalize.normalize_text(word)
        if _PHONE_LIKE.match(plain) and normalize.digits(plain):
            plain = normalize.digits(plain)
        if plain:
            keys.append(plain.replace("*", ""))  # users of the old package type * as a wildcard
    return [k for k in keys if k]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _sqlite_matches(keys: list[str]) -> list[tuple[str, str]]:
    """(FTS table, MATCH expression) pairs: ASCII keys of 3+ characters from the ASCII runs, the rest tripled."""
    plain = [k for k in keys if normalize.is_ascii_term(k)]
    tripled = [normalize.triple(k) for k in keys if not normalize.is_ascii_term(k)]
    matches = []
    if tripled:
        matches.append((FTS_TABLE, " AND ".join(_fts_phrase(k) for k in tripled)))
    if plain:
        matches.append((ASCII_FTS_TABLE, " AND ".join(_fts_phrase(k) for k in plain)))
    return matches


def filter_by_terms(queryset: QuerySet, keys: list[str]) -> QuerySet:
    """Customers whose search key contains every one of `keys`."""
    if not keys:
        return queryset
    if connections[queryset.db].vendor == "sqlite":
        matches = _sqlite_matches(keys)
        where, params = [], []
        for position, (table, expression) in enumerate(matches):
            # The unary + on the first (driving) table keeps SQLite from driving the join from
            # crm_customer (say, from a branch index) and probing the FTS table once per
            # customer: the match drives, in rowid order. A second table is probed by rowid.
            where += [f"{'+' if position == 0 else ''}{table}.rowid = crm_customer.id", f"{table} MATCH %s"]
            params.append(expression)
        return queryset.extra(tables=[table for table, _ in matches], where=where, params=params)
    # PostgreSQL: crm_customer.search_tri is a stored generated column (migration 0008) that
    # the ORM does not model; its pg_trgm GIN index serves LIKE '%…%'.
    return queryset.extra(
        where=["crm_customer.search_tri LIKE %s"] * len(keys),
        params=[f"%{_escape_like(normalize.triple(key))}%" for key in keys],
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _driving_table(queryset: QuerySet) -> str | None:
    tables = [t for t in queryset.query.extra_tables if t in (FTS_TABLE, ASCII_FTS_TABLE)]
    return tables[0] if tables else None


def is_text_search(queryset: QuerySet) -> bool:
    return _driving_table(queryset) is not None


def order_for_streaming(queryset: QuerySet) -> QuerySet:
    """入力順 (id order) in the form each database streams: SQLite must order by the driving FTS rowid."""
    table = _driving_table(queryset)
    if table is not None:
        return queryset.order_by().extra(order_by=[f"{table}.rowid"])
    return queryset.order_by("id")


def customer_quick_search(queryset: QuerySet, query: str) -> QuerySet:
    return filter_by_terms(queryset, search_terms(query))
