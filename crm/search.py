"""Customer search: the one engine behind the quick search (S1) and the advanced search (S2).

Matching is on Customer.search_text (crm.normalize.search_key), through indexes each
database can serve for one-character queries too: the key with every character tripled
(田中 → 田田田中中中), looked up by normalize.triple_pattern (田田中).
- SQLite: FTS5 trigram tables joined on rowid = customer id (migrations 0004, 0009, 0010);
  results stream in id order, so the first page of even a 1-character query is read, not
  sorted. Each row ends with its branch's marker, which a branch user's MATCH requires.
- PostgreSQL: stored generated columns with pg_trgm GIN indexes (migration 0011); a branch
  user's pattern starts with the branch's prefix; see PgTextMatch.
ASCII-only keys of three or more characters (phone digits, email fragments) are matched
untripled in a second index of the key's ASCII runs, whose trigrams are far rarer. On
PostgreSQL the tripled column holds only the key's lines with a non-ASCII character, and one
or two ASCII characters are matched unindexed (pg_column_for).
Counting and paging large results: window_ids, first_matches and bounded_stream (crm.admin.pagination).
"""

from __future__ import annotations

import bisect
import random
import re

from django.core.cache import cache
from django.db import connections
from django.db.models import BooleanField, Expression, Q, QuerySet
from django.db.models.expressions import RawSQL

from . import normalize, permissions

FTS_TABLE = "crm_customer_fts"
ASCII_FTS_TABLE = "crm_customer_ascii_fts"
STREAMING_FLAG = "kokyaku_streaming"  # on a Query: PgTextMatch renders its streaming form
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


def _sqlite_matches(keys: list[str], branch_ids: list[int] | None) -> list[tuple[str, str]]:
    """(FTS table, MATCH expression) pairs: ASCII keys of 3+ characters from the ASCII runs, the rest tripled.

    With `branch_ids`, the first (driving) table's expression also requires one of those
    branches' markers (migration 0010), so its postings are the user's branches' only.
    """
    plain = [k for k in keys if normalize.is_ascii_term(k)]
    tripled = [normalize.triple_pattern(k) for k in keys if not normalize.is_ascii_term(k)]
    groups = []
    if tripled:
        groups.append((FTS_TABLE, [_fts_phrase(k) for k in tripled]))
    if plain:
        groups.append((ASCII_FTS_TABLE, [_fts_phrase(k) for k in plain]))
    matches = []
    for position, (table, phrases) in enumerate(groups):
        if position == 0 and branch_ids:
            # both tables hold the marker tripled: one trigram, the branch's own
            markers = " OR ".join(_fts_phrase(normalize.triple(normalize.branch_marker(b))) for b in sorted(branch_ids))
            phrases = [*phrases, f"({markers})"]
        matches.append((table, " AND ".join(phrases)))
    return matches


def filter_by_terms(queryset: QuerySet, keys: list[str], *, branch_ids: list[int] | None = None) -> QuerySet:
    """Customers whose search key contains every one of `keys`.

    `branch_ids` narrows the index read to those branches' customers (SQLite); it does not
    replace the branch scope, which the caller's queryset carries (crm.permissions).
    """
    if not keys:
        return queryset
    if connections[queryset.db].vendor == "sqlite":
        matches = _sqlite_matches(keys, branch_ids)
        where, params = [], []
        for position, (table, expression) in enumerate(matches):
            # The unary + on the first (driving) table keeps SQLite from driving the join from
            # crm_customer (say, from a branch index) and probing the FTS table once per
            # customer: the match drives, in rowid order. A second table is probed by rowid.
            where += [f"{'+' if position == 0 else ''}{table}.rowid = crm_customer.id", f"{table} MATCH %s"]
            params.append(expression)
        return queryset.extra(tables=[table for table, _ in matches], where=where, params=params)
    return queryset.filter(PgTextMatch(keys, branch_ids))


def key_contains(key: str, *, using: str = "default") -> Q:
    """Customers whose search key contains `key` (a folded text), through the quick search's index.

    A Q that combines with AND or OR: the advanced search narrows a condition on a field the key
    holds a line of (names, readings, company, email, address) to the index's candidates before
    it folds their stored values (crm.advanced_search).
    """
    if connections[using].vendor == "sqlite":
        ((table, expression),) = _sqlite_matches([key], None)
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [expression]))
    return Q(PgTextMatch([key], None))


class PgTextMatch(Expression):
    """PostgreSQL: every key in the customer's search columns (stored generated columns, migration 0011).

    Index form (default): `search_tri LIKE '%田田田中中中%'`, or on search_ascii for ASCII keys of
    three or more characters, served by their pg_trgm GIN indexes. A branch user's pattern
    holds each of their branch prefixes ('%QBQ%…%'), so the index reads only those branches'
    rows. Streaming form (a query marked by `bounded_stream`): `strpos(…) > 0`, which no index
    serves, so PostgreSQL walks the customers in id order and stops at the page's last row
    instead of fetching and sorting every match.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, keys: list[str], branch_ids: list[int] | None):
        super().__init__(output_field=BooleanField())
        self.keys, self.branch_ids = list(keys), (sorted(branch_ids) if branch_ids else None)

    def as_sql(self, compiler, connection):
        streaming = getattr(compiler.query, STREAMING_FLAG, False)
        clauses, params = [], []
        for key in self.keys:
            column, text = pg_column_for(key)
            if column == "search_text":
                # One or two ASCII characters: no index holds them (see pg_column_for).
                clauses.append("strpos(crm_customer.search_text, %s) > 0")
                params.append(text)
            elif streaming:
                clauses.append(f"strpos(crm_customer.{column}, %s) > 0")
                params.append(text)
            elif self.branch_ids:
                prefixes = [normalize.pg_branch_prefix(b) for b in self.branch_ids]
                clauses.append("(" + " OR ".join([f"crm_customer.{column} LIKE %s"] * len(prefixes)) + ")")
                # '%QBQ%…%': "QBQ" between wildcards is the one trigram qbq, found only in the
                # branch's rows (upper case occurs nowhere else, and no prefix holds another).
                # Anchored, or with its newline, it would add trigrams every row has ("  q", "bq ").
                params += [f"%{prefix.rstrip()}%{_escape_like(text)}%" for prefix in prefixes]
            else:
                clauses.append(f"crm_customer.{column} LIKE %s")
                params.append(f"%{_escape_like(text)}%")
        return "(" + " AND ".join(clauses) + ")", params


def pg_column_for(key: str) -> tuple[str, str]:
    """(column, text to find) for one key on PostgreSQL.

    A key with a non-ASCII character: its triple_pattern in search_tri, which triples only
    the key's lines that hold one (normalize.wide_lines, migration 0015). An ASCII key of
    three or more characters: itself in search_ascii. One or two ASCII characters (「5」,
    「jr」): itself in search_text, unindexed; such keys match so many customers that the walk
    in id order (_short_key_probe, bounded_stream) fills a page within a few hundred rows.
    """
    if normalize.is_wide_term(key):
        return "search_tri", normalize.triple_pattern(key)
    if normalize.is_ascii_term(key):
        return "search_ascii", key
    return "search_text", key


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


def window_ids(queryset: QuerySet, size: int) -> list[int]:
    """The ids of the first `size` matches the database finds (in no promised order), in one query.

    The database reads at most `size` matches, in the order it finds them cheapest: FTS rowid
    order on SQLite, heap order on PostgreSQL. With fewer than `size` they are every match, so
    the pages are fetched by id (crm.admin.pagination); with `size`, at least N matches have
    ids up to the N-th smallest of them, which bounds the walk to the first N (first_matches).
    """
    probed = _short_key_probe(queryset, size)
    if probed is not None:
        return probed
    return _window(queryset, size)


def _window(queryset: QuerySet, size: int) -> list[int]:
    return list(queryset.order_by().values_list("pk", flat=True)[:size])


SHORT_KEY_PROBE_SPAN = 8000  # customers walked in id order before asking the trigram index


def _is_short_key(queryset: QuerySet) -> bool:
    """Every key one character (田), or matched unindexed (one or two ASCII characters)."""
    keys = [key for match in _pg_text_matches(queryset.query.where) for key in match.keys]
    return bool(keys) and all(len(key) <= 1 or pg_column_for(key)[0] == "search_text" for key in keys)


def _short_key_probe(queryset: QuerySet, size: int) -> list[int] | None:
    """PostgreSQL, one-character keys (田): the first customers in id order often hold the window.

    The tripled key is one trigram whose GIN posting list holds every customer with that
    character (田: 200,000 entries, ~50 ms to read), while walking the first few thousand
    customers of the user's branches in id order finds a thousand matches in ~10 ms. A rare
    character walks them in vain (a few ms) and falls back to the index.
    """
    if connections[queryset.db].vendor != "postgresql":
        return None
    if not _is_short_key(queryset):
        return None
    matches = list(_pg_text_matches(queryset.query.where))
    customers = queryset.model._default_manager.order_by("id")
    if matches[0].branch_ids:
        customers = customers.filter(branch_id__in=matches[0].branch_ids)
    end = customers.values_list("id", flat=True)[SHORT_KEY_PROBE_SPAN - 1:SHORT_KEY_PROBE_SPAN].first()
    if end is None:  # fewer customers than the span: the walk covers them all and is exact
        end = customers.reverse().values_list("id", flat=True).first()
        if end is None:
            return []
        return _window(bounded_stream(queryset, end), size)
    found = _window(bounded_stream(queryset, end), size)
    return found if len(found) >= size else None


# The first matches are looked for by walking this many customers in id order; a key sparser
# than that (four phone digits: the 50th match some 25,000 customers in, 40 ms of walking)
# asks the trigram index for every match up to the bound instead (a few ms).
WALK_SPAN = 5000


def first_matches(queryset: QuerySet, *, n: int, bound: int, low: int, known: tuple[int, ...] = ()) -> list[int]:
    """The ids of the first `n` matches in id order, when at least `n` matches have ids ≤ `bound`.

    `low` is the smallest customer id; `known`, matches already found (sorted), if any. Exact
    either way. SQLite walks its FTS table in id order (bounded_stream). PostgreSQL walks the
    first WALK_SPAN customers in id order; when they hold fewer than `n`, every match up to
    `bound` comes from the trigram index (bitmap scan, sorted here), at once when `known` shows
    few matches within the walk.
    """
    if connections[queryset.db].vendor != "postgresql" or not _pg_text_matches_any(queryset):
        # SQLite streams from its FTS table in id order: the walk reads only matches
        return walk_matches(queryset, last_id=bound, stop=n)
    if bound > low + WALK_SPAN and known and bisect.bisect_right(known, low + WALK_SPAN) < n // 2:
        # The matches already known (sorted) say the walk would end short: a sparse key (four
        # phone digits) is asked of the index at once, instead of after a walk in vain.
        rest = queryset.order_by().filter(pk__lte=bound).values_list("pk", flat=True)
        return sorted(_by_bitmap(rest))[:n]
    walked = walk_matches(queryset, last_id=min(bound, low + WALK_SPAN), stop=n)
    if len(walked) == n or bound <= low + WALK_SPAN:
        return walked
    rest = queryset.order_by().filter(pk__gt=low + WALK_SPAN, pk__lte=bound).values_list("pk", flat=True)
    return walked + sorted(_by_bitmap(rest))[:n - len(walked)]


# A key this common (田中, たなか, an email's first name) sits in a long posting list of the trigram
# index: finding its first CAP+1 matches reads that whole list (30–50 ms at 1,000,000 customers),
# while its first page lies within the first thousand or two customers in id order. A random
# sample tells such keys apart without either: DENSE_HITS or more of the DENSE_PROBE customers
# drawn at random match. A key with at most CAP matches among 1,000,000 (0.1 %) shows that many
# about once in 6,000 searches, and must then also have 50 matches among the first DENSE_WALK
# customers, or it counts through the index after all; a key of 2.5 % shows fewer about once
# in 8, and counts through the index as every other key does. The customers are drawn as runs
# of DENSE_RUN consecutive ids, which share table pages: 256 ids read ~10 pages, not ~256.
DENSE_PROBE = 256
DENSE_RUN = 32
DENSE_HITS = 4
DENSE_MIN_RANGE = 200_000  # customer ids: on a smaller table the index read is cheap anyway
DENSE_WALK = 5000  # customers walked in id order for the first page of a dense key


BRANCH_ROWS_SECONDS = 600  # how long a branch's customer count serves the probe (it moves slowly)


def _probe_ranges(low: int, high: int, run: int) -> Q:
    """DENSE_PROBE // DENSE_RUN runs of `run` consecutive ids at random (a few ranges, not a long IN list)."""
    condition = Q()
    for start in random.sample(range(low, high + 2 - run), DENSE_PROBE // DENSE_RUN):
        condition |= Q(pk__range=(start, start + run - 1))
    return condition


def _branch_rows(queryset: QuerySet, branch_id: int) -> int:
    key = f"kokyaku:search:branch-rows:{branch_id}"
    rows = cache.get(key)
    if rows is None:
        rows = queryset.model._default_manager.filter(branch_id=branch_id).count()
        cache.set(key, rows, BRANCH_ROWS_SECONDS)
    return rows


def dense_first_matches(queryset: QuerySet, *, n: int, low: int, high: int) -> list[int] | None:
    """PostgreSQL: the ids of the first `n` matches in id order when the key is surely common
    (more matches than a capped count takes: see DENSE_PROBE), else None.

    `low` and `high` are the smallest and largest customer ids. The sample and the walk use the
    text condition in its streaming form (no trigram index), and `queryset`'s other conditions,
    branch scope included.
    """
    if not is_pg_text_search(queryset) or high - low + 1 < DENSE_MIN_RANGE or _is_short_key(queryset):
        return None  # one-character keys: _short_key_probe
    span, scale = high - low + 1, 1.0
    if any(match.branch_ids for match in _pg_text_matches(queryset.query.where)):
        # A branch's customers are a fraction of the ids (本店, 13 %): the runs and the walk are
        # widened by the branch's share of the ids, so the sample holds about DENSE_PROBE of its
        # customers and the walk about DENSE_WALK, as head office's do (issue 24: a branch's staff
        # are not second-class). A user of several branches counts through the index.
        branch_id = _single_branch_of_pg_search(queryset)
        if branch_id is None:
            return None
        rows = _branch_rows(queryset, branch_id)
        if rows < DENSE_PROBE * 8:  # a small branch: the runs would cover most of the ids
            return None
        scale = span / rows
    run = max(DENSE_RUN, round(DENSE_RUN * scale))
    if run * (DENSE_PROBE // DENSE_RUN) * 2 > span:
        return None
    probe = queryset.filter(_probe_ranges(low, high, run)).order_by()
    setattr(probe.query, STREAMING_FLAG, True)  # strpos on the few rows the ranges hold, no index
    if probe.count() < DENSE_HITS:
        return None
    walked = walk_matches(queryset, last_id=min(high, low + round(DENSE_WALK * scale)), stop=n)
    return walked if len(walked) == n else None


def walk_matches(queryset: QuerySet, *, last_id: int, stop: int, start: int = 0) -> list[int]:
    """The ids of matches start..stop-1 in id order, walked in id order up to `last_id`."""
    return list(bounded_stream(order_for_streaming(queryset), last_id).values_list("id", flat=True)[start:stop])


def _by_bitmap(values_queryset) -> list:
    """Run a PostgreSQL query through the trigram index's bitmap, whatever the planner guesses.

    Its estimate for a LIKE pattern can be many times off, and then it walks the primary key
    or the whole table instead. The two settings are the session's for this one query, put
    back at once (one statement each: no savepoint needed).
    """
    with connections[values_queryset.db].cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
                       "set_config('enable_seqscan', 'off', false), set_config('enable_indexscan', 'off', false)")
        seqscan, indexscan, _, _ = cursor.fetchone()
        try:
            return list(values_queryset)
        finally:
            cursor.execute("SELECT set_config('enable_seqscan', %s, false), set_config('enable_indexscan', %s, false)",
                           [seqscan, indexscan])


def by_known_ids(queryset: QuerySet, ids) -> QuerySet:
    """The rows of `queryset` among `ids`, read by primary key (the text condition is not indexed)."""
    known = queryset.filter(pk__in=list(ids))
    setattr(known.query, STREAMING_FLAG, True)
    return known


def is_pg_text_search(queryset: QuerySet) -> bool:
    return connections[queryset.db].vendor == "postgresql" and _pg_text_matches_any(queryset)


def _pg_text_matches_any(queryset: QuerySet) -> bool:
    return next(_pg_text_matches(queryset.query.where), None) is not None


def _pg_text_matches(node):
    for child in getattr(node, "children", []):
        if isinstance(child, PgTextMatch):
            yield child
        elif isinstance(getattr(child, "lhs", None), PgTextMatch):
            yield child.lhs
        else:
            yield from _pg_text_matches(child)


def is_streamed_in_id_order(queryset: QuerySet) -> bool:
    if queryset.query.extra_order_by:
        return list(queryset.query.extra_order_by) == [f"{_driving_table(queryset)}.rowid"]
    ordering = list(queryset.query.order_by)  # the changelist may repeat "id"
    return bool(ordering) and all(field in ("id", "pk") for field in ordering)


def bounded_stream(queryset: QuerySet, last_id: int) -> QuerySet:
    """The rows of `queryset` (in id order) up to `last_id`, read in id order.

    Exact, not an approximation: when at least N matches have ids ≤ last_id, the first N
    matches in id order all do. PostgreSQL then walks the customers in id order (the text
    condition in its streaming form) instead of fetching every match from the trigram index
    to sort them; SQLite already streams from its FTS table.
    """
    bounded = queryset.filter(pk__lte=last_id)
    setattr(bounded.query, STREAMING_FLAG, True)
    branch_id = _single_branch_of_pg_search(bounded)
    if branch_id is not None:
        # One branch's customers in id order are a range of the (branch, id) index. Said as a
        # row comparison, only that index can serve it; otherwise PostgreSQL walks the
        # primary key through every branch's rows (8,500 rows read for 50 of 本店's 田中).
        bounded = bounded.extra(
            where=["(crm_customer.branch_id, crm_customer.id) BETWEEN (%s, 0) AND (%s, %s)"],
            params=[branch_id, branch_id, last_id],
        )
        if is_streamed_in_id_order(bounded):
            bounded = bounded.order_by("branch_id", "id")
    return bounded


def _single_branch_of_pg_search(queryset: QuerySet) -> int | None:
    if connections[queryset.db].vendor != "postgresql":
        return None
    branches = {tuple(match.branch_ids or ()) for match in _pg_text_matches(queryset.query.where)}
    if len(branches) == 1:
        (only,) = branches
        if len(only) == 1:
            return only[0]
    return None


def customer_quick_search(queryset: QuerySet, query: str, *, user=None) -> QuerySet:
    """`queryset` already scoped to what `user` may see; the user's branches also narrow the index read."""
    branch_ids = None
    if user is not None and not permissions.sees_all_branches(user):
        branch_ids = permissions.visible_branch_ids(user)
    return filter_by_terms(queryset, search_terms(query), branch_ids=branch_ids)
