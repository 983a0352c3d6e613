"""Customer search: the one engine behind the quick search (S1) and the advanced search (S2).

Matching is on Customer.search_text (crm.normalize.search_key), through an index each
database can serve for one-character queries too (migration 0004):
- PostgreSQL: `search_tri LIKE '%田田田中中中%'` on a stored generated column
  (kokyaku_triple(search_text)) with a pg_trgm GIN index.
- SQLite: the FTS5 trigram table crm_customer_fts, joined on rowid = customer id; results
  stream in id order, so the first page of even a 1-character query is read, not sorted.
"""

from __future__ import annotations

import re

from django.db import connections
from django.db.models import QuerySet

from . import normalize

FTS_TABLE = "crm_customer_fts"
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


def _fts_phrase(key: str) -> str:
    return '"' + normalize.triple(key).replace('"', '""') + '"'


def filter_by_terms(queryset: QuerySet, keys: list[str]) -> QuerySet:
    """Customers whose search key contains every one of `keys`."""
    if not keys:
        return queryset
    if connections[queryset.db].vendor == "sqlite":
        return queryset.extra(
            tables=[FTS_TABLE],
            # The unary + keeps SQLite from driving the join from crm_customer (say, from a branch
            # index) and probing the FTS table once per customer: the match drives, in rowid order.
            where=[f"+{FTS_TABLE}.rowid = crm_customer.id", f"{FTS_TABLE} MATCH %s"],
            params=[" AND ".join(_fts_phrase(k) for k in keys)],
        )
    # PostgreSQL: crm_customer.search_tri is a stored generated column (migration 0008) that
    # the ORM does not model; its pg_trgm GIN index serves LIKE '%…%'.
    return queryset.extra(
        where=["crm_customer.search_tri LIKE %s"] * len(keys),
        params=[f"%{_escape_like(normalize.triple(key))}%" for key in keys],
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_text_search(queryset: QuerySet) -> bool:
    return FTS_TABLE in queryset.query.extra_tables


def order_for_streaming(queryset: QuerySet) -> QuerySet:
    """入力順 (id order) in the form each database streams: SQLite must order by the FTS rowid."""
    if is_text_search(queryset):
        return queryset.order_by().extra(order_by=[f"{FTS_TABLE}.rowid"])
    return queryset.order_by("id")


def customer_quick_search(queryset: QuerySet, query: str) -> QuerySet:
    return filter_by_terms(queryset, search_terms(query))
