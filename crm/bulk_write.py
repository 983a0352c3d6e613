"""The one fast write path for many rows: seed_demo, imports, bulk actions and merges use it.

`Table` holds one model's rows as plain lists; `Writer` sends them with Django's field
preparation (get_db_prep_save) but a plain multi-row INSERT (SQLite) or COPY (PostgreSQL),
because bulk_create's SQL compilation alone costs ~8 µs per value (80 s for 100,000
customers). `CustomerWrites` adds what Customer.save() keeps (code, katakana readings,
search keys) and a simple-history record per customer, with who and why (更新目的).
Like bulk_create, none of this sends signals; callers write their audit entry themselves.
"""

from __future__ import annotations

import contextlib
import io
import operator

from django.db import connections, transaction
from django.utils import timezone
from psycopg import copy as psycopg_copy

from fieldconfig.lookup import config

from . import extensions, locking
from .models import CodeSequence, Customer

# Field types whose get_db_prep_save() hands str / int / bool / None through unchanged on
# every backend: their values go to the driver as they are. The others are prepared by Django.
PASSTHROUGH_TYPES = {
    "CharField", "TextField", "EmailField", "URLField", "SlugField", "BooleanField", "IntegerField",
    "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveSmallIntegerField",
    "PositiveBigIntegerField", "ForeignKey",
}


class Table:
    """One model's rows as plain lists in `concrete_fields` order, with Model.__init__'s defaults.

    Building ~100-field model instances per row is the slow part of bulk seeding; children
    are written straight from these lists, customers become instances (save()'s invariants
    are methods on the model) and go back to lists for writing.
    """

    def __init__(self, model):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.index = {f.attname: i for i, f in enumerate(self.fields)}
        self.pk_index = self.index[model._meta.pk.attname]
        self.template = [
            None if f.primary_key or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            else f.get_default()
            for f in self.fields
        ]
        self.insert_positions = [i for i in range(len(self.fields)) if i != self.pk_index]

    def row(self, **values) -> list:
        row = self.template.copy()
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return row

    def instance(self, row: list):
        return self.model(*row)

    def row_of(self, obj) -> list:
        return [getattr(obj, f.attname) for f in self.fields]


class Writer:
    """Writes Table rows: by default a thin INSERT / COPY, or Django's bulk_create.

    bulk_create spends ~8 µs per value in Python (SQL compilation), which is 80 s for 100,000
    customers of ~95 columns; the driver itself needs a tenth of that. The fast path keeps what
    matters from bulk_create: every value goes through the field's get_db_prep_save() (cached
    per distinct value), auto_now / auto_now_add get the current time, and customer ids come
    back: from RETURNING on SQLite (matched on the unique code, not on row order), from the
    table's sequence before a COPY on PostgreSQL. Like bulk_create, it sends no signals and
    writes no history.
    """

    def __init__(self, connection, *, use_bulk_create: bool = False):
        # This thread's connection itself, not django.db.connection (a proxy to whichever thread
        # asks): an import's builder thread encodes rows for it (encode_copy).
        self.connection = connections[connection.alias]
        self.use_bulk_create = use_bulk_create
        self.vendor = connection.vendor
        self._preparers: dict[type, list] = {}

    def tune_connection(self) -> None:
        if self.vendor == "sqlite":
            # A 256 MiB page cache for this connection: index inserts of a million rows stay in memory.
            with self.connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size = -262144")

    # --- public ---------------------------------------------------------------------------------
    def prepare(self, table: Table, rows: list[list], now=None) -> list:
        """Rows as the driver takes them (tuples without the pk). Needs no database connection,
        so the generator process can do it. bulk_create prepares for itself: rows stay lists."""
        if self.use_bulk_create or not rows:
            return rows
        return self._prepare(table, rows, now)

    def insert_returning_ids(self, table: Table, rows: list, *, key: str) -> list[int]:
        """Insert prepared rows and return their ids in row order; `key` names a unique column."""
        if not rows:
            return []
        if self.use_bulk_create:
            objs = [table.instance(r) for r in rows]
            table.model.objects.bulk_create(objs)
            return [obj.pk for obj in objs]
        if self.vendor == "postgresql":
            # Ids taken from the table's own sequence (safe next to other writers), then COPY.
            ids = self._take_ids(table, len(rows))
            self._copy(table, [(pk, *row) for pk, row in zip(ids, rows)], with_pk=True)
            return ids
        # RETURNING's row order is not promised: match on the unique key.
        key_at = table.insert_positions.index(table.index[key])
        by_key: dict = {}
        for sql, params in self._values_statements(table, rows, returning=("id", key)):
            with self._cursor() as cursor:
                cursor.execute(sql, params)
                by_key.update((k, pk) for pk, k in cursor.fetchall())
        return [by_key[row[key_at]] for row in rows]

    def insert(self, table: Table, rows: list) -> None:
        """Insert prepared rows."""
        if not rows:
            return
        if self.use_bulk_create:
            table.model.objects.bulk_create([table.instance(r) for r in rows], batch_size=5000)
            return
        if self.vendor == "postgresql":
            self._copy(table, rows)
        else:
            qn = self.connection.ops.quote_name
            columns = [table.fields[i].column for i in table.insert_positions]
            placeholders = ", ".join([self._placeholder] * len(columns))
            sql = (f"INSERT INTO {qn(table.model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
                   f"VALUES ({placeholders})")
            with self._cursor() as cursor:
                cursor.executemany(sql, rows)

    def update(self, table: Table, rows: list[list], attnames: list[str]) -> None:
        """UPDATE the `attnames` columns of full Table rows (with their pk), prepared as insert would."""
        if not rows:
            return
        positions = [table.index[name] for name in attnames]
        fields = [table.fields[i] for i in positions]
        preparers = [None if f.get_internal_type() in PASSTHROUGH_TYPES else self._cached_prep(f) for f in fields]
        params = []
        for row in rows:
            values = [row[i] if prep is None else prep(row[i]) for i, prep in zip(positions, preparers)]
            params.append((*values, row[table.pk_index]))
        qn = self.connection.ops.quote_name
        db_table, pk = qn(table.model._meta.db_table), qn(table.model._meta.pk.column)
        if self.vendor == "postgresql":
            # One statement per chunk, the values as arrays: 10,000 single-row UPDATEs were each
            # parsed and planned.
            pk_field = table.model._meta.pk
            types = [pk_field.rel_db_type(self.connection)] + [f.db_type(self.connection) for f in fields]
            names = ["pk"] + [f"c{i}" for i in range(len(fields))]
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            assignments = ", ".join(f"{qn(f.column)} = v.{name}" for f, name in zip(fields, names[1:]))
            sql = (f"UPDATE {db_table} AS t SET {assignments} FROM unnest({arrays}) AS v({', '.join(names)}) "
                   f"WHERE t.{pk} = v.pk")
            with self._cursor() as cursor:
                for start in range(0, len(params), 5000):
                    chunk = params[start:start + 5000]
                    columns = [list(column) for column in zip(*chunk)]
                    cursor.execute(sql, [columns[-1], *columns[:-1]])
            return
        assignments = ", ".join(f"{qn(f.column)} = {self._placeholder}" for f in fields)
        sql = f"UPDATE {db_table} SET {assignments} WHERE {pk} = {self._placeholder}"
        with self._cursor() as cursor:
            cursor.executemany(sql, params)

    def insert_with_ids(self, table: Table, rows: list) -> list[int]:
        """Insert prepared rows of a table without a unique key of its own; returns their ids in order.

        PostgreSQL: ids from the table's sequence. SQLite: the ids after the highest one, which is
        safe because the (IMMEDIATE) transaction holds the database's write lock.
        """
        if not rows:
            return []
        if self.vendor == "postgresql":
            ids = self._take_ids(table, len(rows))
            self._copy(table, [(pk, *row) for pk, row in zip(ids, rows)], with_pk=True)
            return ids
        qn = self.connection.ops.quote_name
        meta = table.model._meta
        with self._cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX({qn(meta.pk.column)}), 0) FROM {qn(meta.db_table)}")
            (highest,) = cursor.fetchone()
        ids = list(range(highest + 1, highest + 1 + len(rows)))
        columns = [meta.pk.column] + [table.fields[i].column for i in table.insert_positions]
        sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
               f"VALUES ({', '.join([self._placeholder] * len(columns))})")
        with self._cursor() as cursor:
            cursor.executemany(sql, [(pk, *row) for pk, row in zip(ids, rows)])
        return ids

    def column_position(self, table: Table, attname: str) -> int:
        """Where `attname` sits in a prepared row."""
        if self.use_bulk_create:
            return table.index[attname]
        return table.insert_positions.index(table.index[attname])

    # --- helpers --------------------------------------------------------------------------------
    @property
    def _placeholder(self) -> str:
        return "?" if self.vendor == "sqlite" else "%s"

    def _cursor(self):
        # The driver's own cursor on Django's connection (and inside its transaction): no
        # DEBUG query log quoting millions of parameters.
        self.connection.ensure_connection()
        return contextlib.closing(self.connection.connection.cursor())

    def _copy(self, table: Table, rows: list[tuple], *, with_pk: bool = False) -> None:
        with self._cursor() as cursor, cursor.copy(self._copy_statement(table, with_pk)) as copy:
            for row in rows:
                copy.write_row(row)

    def _copy_statement(self, table: Table, with_pk: bool) -> str:
        qn = self.connection.ops.quote_name
        positions = ([table.pk_index] if with_pk else []) + table.insert_positions
        columns = ", ".join(qn(table.fields[i].column) for i in positions)
        return f"COPY {qn(table.model._meta.db_table)} ({columns}) FROM STDIN"

    def encode_copy(self, rows: list[tuple]) -> bytes:
        """Prepared rows in COPY's text format, by psycopg's own formatter (psycopg.copy.FileWriter):
        no I/O, so it may run in another thread than the connection's."""
        buffer = io.BytesIO()
        with psycopg_copy.Copy(self.connection.connection.cursor(), writer=psycopg_copy.FileWriter(buffer)) as copy:
            for row in rows:
                copy.write_row(row)
        return buffer.getvalue()

    def copy_encoded(self, table: Table, data: bytes, *, with_pk: bool = False) -> None:
        """Sends what encode_copy made."""
        with self._cursor() as cursor, cursor.copy(self._copy_statement(table, with_pk)) as copy:
            copy.write(data)

    def take_ids(self, table: Table, n: int) -> list[int]:
        """PostgreSQL: n ids from the table's own sequence (safe next to other writers)."""
        return self._take_ids(table, n) if n else []

    def _take_ids(self, table: Table, n: int) -> list[int]:
        meta = table.model._meta
        with self._cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, n],
            )
            return [pk for (pk,) in cursor.fetchall()]

    def _prepare(self, table: Table, rows: list[list], now=None) -> list[tuple]:
        preparers = self._preparers_of(table)
        now = now or timezone.now()
        for i, prepare in preparers:
            if prepare is None:  # auto_now / auto_now_add
                value = table.fields[i].get_db_prep_save(now, self.connection)
                for row in rows:
                    row[i] = value
            else:
                for row in rows:
                    row[i] = prepare(row[i])
        pick = operator.itemgetter(*table.insert_positions)
        return [pick(row) for row in rows]

    def prepare_row(self, table: Table, row: list, now) -> tuple:
        """One row as `prepare` makes it, for rows that are built while earlier ones are sent."""
        for i, prepare in self._preparers_of(table):
            row[i] = table.fields[i].get_db_prep_save(now, self.connection) if prepare is None else prepare(row[i])
        return tuple(row[i] for i in table.insert_positions)

    def _preparers_of(self, table: Table) -> list:
        preparers = self._preparers.get(table.model)
        if preparers is None:
            preparers = self._preparers[table.model] = self._build_preparers(table)
        return preparers

    def _build_preparers(self, table: Table) -> list:
        out = []
        for i in table.insert_positions:
            field = table.fields[i]
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                out.append((i, None))
            elif field.get_internal_type() not in PASSTHROUGH_TYPES:
                out.append((i, self._cached_prep(field)))
        return out

    def _cached_prep(self, field):
        cache: dict = {}
        connection = self.connection

        def prepare(value):
            try:
                return cache[value]
            except KeyError:
                prepared = cache[value] = field.get_db_prep_save(value, connection)
                return prepared
            except TypeError:  # unhashable
                return field.get_db_prep_save(value, connection)

        return prepare

    def _values_statements(self, table: Table, rows: list[tuple], *, returning: tuple[str, ...]):
        qn = self.connection.ops.quote_name
        columns = [table.fields[i].column for i in table.insert_positions]
        max_params = self.connection.features.max_query_params or 65_535  # PostgreSQL's protocol limit
        per_statement = max(1, min(500, max_params // len(columns)))
        one = "(" + ", ".join([self._placeholder] * len(columns)) + ")"
        head = f"INSERT INTO {qn(table.model._meta.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "
        tail = " RETURNING " + ", ".join(qn(table.model._meta.get_field(n).column) for n in returning)
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = head + ", ".join([one] * len(chunk)) + tail
            yield sql, [value for row in chunk for value in row]


def reserve_customer_codes(n: int) -> list[str]:
    """n new customer codes from the 'customer' sequence at once, zero-padded like save()'s."""
    if n <= 0:
        return []
    with transaction.atomic():
        seq, _created = CodeSequence.objects.select_for_update().get_or_create(name="customer")
        first = seq.last_value + 1
        seq.last_value += n
        seq.save(update_fields=["last_value"])
    width = config().code_width
    return [str(first + i).zfill(width) for i in range(n)]


def keep_sequence_past(codes) -> None:
    """After customers were written with codes of their own (an import): the sequence continues
    after the highest numeric one, so save() never hands out a code that is taken."""
    highest = max((int(c) for c in codes if c.isdigit() and len(c) <= 18), default=0)
    if not highest:
        return
    with transaction.atomic():
        seq, _created = CodeSequence.objects.select_for_update().get_or_create(name="customer")
        if seq.last_value < highest:
            seq.last_value = highest
            seq.save(update_fields=["last_value"])


class CustomerWrites:
    """Creates and updates many customers the way save() would, each with its history record."""

    def __init__(self, connection, *, user, reason: str, now=None):
        self.writer = Writer(connection)
        self.connection = self.writer.connection
        self.user_id = getattr(user, "pk", None)
        self.reason = reason
        self.now = now or timezone.now()
        self.customers = Table(Customer)

    def create(self, customers: list[Customer]) -> list[int]:
        """Insert new customers (codes already set) and their creation records; sets their pk."""
        for customer in customers:
            self._before_insert(customer)
        rows = self.writer.prepare(self.customers, [self.customers.row_of(c) for c in customers], self.now)
        ids = self.writer.insert_returning_ids(self.customers, rows, key="code")
        for customer, pk in zip(customers, ids):
            self._after_insert(customer, pk)
        self.write_history(customers, "+")
        return ids

    @property
    def builds_apart(self) -> bool:
        """PostgreSQL: new customers can be built (built()) apart from their writing (insert_built),
        so a second thread builds the next rows while this connection writes these."""
        return self.connection.vendor == "postgresql" and not self.writer.use_bulk_create

    def built(self, customers: list[Customer], ids: list[int]) -> bytes:
        """New customers (codes set) with these ids, as COPY data: their invariants (readings,
        search keys) applied and each row prepared and encoded. Queries nothing, so another
        thread may run it while the connection writes the rows before (dataio.importing)."""
        table, writer, now = self.customers, self.writer, self.now
        rows = []
        for pk, customer in zip(ids, customers, strict=True):
            self._before_insert(customer)
            rows.append((pk, *writer.prepare_row(table, table.row_of(customer), now)))
        return writer.encode_copy(rows)

    def insert_built(self, customers: list[Customer], ids: list[int], data: bytes) -> None:
        """Writes what built() made, and the creation records; sets the customers' pk."""
        if not customers:
            return
        self.writer.copy_encoded(self.customers, data, with_pk=True)
        for customer, pk in zip(customers, ids):
            self._after_insert(customer, pk)
        self.write_history(customers, "+")

    def _before_insert(self, customer: Customer) -> None:
        customer.apply_invariants()
        customer.created_by_id = customer.created_by_id or self.user_id
        customer.updated_by_id = self.user_id

    def _after_insert(self, customer: Customer, pk: int) -> None:
        customer.pk = pk
        customer.created_at = customer.updated_at = self.now
        customer._state.adding = False
        customer._state.db = self.connection.alias

    def update(self, customers: list[Customer], fields: list[str]) -> None:
        """Write `fields` of existing customers (search keys and updated_* too) and a change record each."""
        keys_changed, keys_kept = [], []
        for customer in customers:
            before = customer.search_text
            customer.apply_invariants()
            customer.updated_by_id = self.user_id
            customer.updated_at = self.now
            (keys_changed if customer.search_text != before else keys_kept).append(customer)
        attnames = [Customer._meta.get_field(name).attname for name in fields]
        plain = list(dict.fromkeys([*attnames, "updated_at", "updated_by_id",
                                    "last_name_kana", "first_name_kana", "company_kana"]))
        # search_text only where it changed: SQLite re-indexes a row whenever the column is SET.
        self.writer.update(self.customers, [self.customers.row_of(c) for c in keys_changed], [*plain, "search_text"])
        self.writer.update(self.customers, [self.customers.row_of(c) for c in keys_kept], plain)
        locking.bump(Customer, [c.pk for c in customers])  # a card opened before is refused (issue 24.3)
        self.write_history(customers, "~")
        # what the features keep of these customers follows (crm.extensions: the events' copies)
        extensions.customers_written(extensions.CustomersWritten(
            ids=tuple(c.pk for c in customers), reason=self.reason, fields=frozenset(fields)))

    def write_history(self, customers: list[Customer], history_type: str) -> None:
        write_history(self.writer, customers, history_type, user_id=self.user_id, reason=self.reason, now=self.now)


def write_history(writer: Writer, objs: list, history_type: str, *, user_id, reason: str, now) -> None:
    """simple-history's record of each object just written ('+' created, '~' changed), with who
    and why: copied by the database from the stored rows (INSERT … SELECT), so each record is
    exactly what was stored, and no row travels twice (a third of an import's time did)."""
    if not objs:
        return
    model = type(objs[0])
    connection = writer.connection
    targets, sources, params = _history_copy_columns(model, connection, {
        "history_date": now, "history_change_reason": reason or None, "history_type": history_type,
        "history_user_id": user_id,
    })
    qn = connection.ops.quote_name
    head = (f"INSERT INTO {qn(model.history.model._meta.db_table)} ({', '.join(targets)}) "
            f"SELECT {', '.join(sources)} FROM {qn(model._meta.db_table)} src ")
    pk = qn(model._meta.pk.column)
    ids = [obj.pk for obj in objs]
    with writer._cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(head + f"WHERE src.{pk} = ANY(%s) ORDER BY src.{pk}", [*params, ids])
            return
        for start in range(0, len(ids), 900):  # SQLite's parameter limit
            chunk = ids[start:start + 900]
            cursor.execute(head + f"WHERE src.{pk} IN ({', '.join('?' * len(chunk))}) ORDER BY src.{pk}",
                           [*params, *chunk])


def _history_copy_columns(model, connection, values: dict) -> tuple[list[str], list[str], list]:
    """The history table's columns, what each is selected from (the row's own column, or a
    parameter: `values` and the field defaults), and the parameters."""
    qn = connection.ops.quote_name
    placeholder = "?" if connection.vendor == "sqlite" else "%s"
    own = {f.attname: f.column for f in model._meta.concrete_fields}
    targets, sources, params = [], [], []
    for field in model.history.model._meta.concrete_fields:
        if field.primary_key:
            continue
        targets.append(qn(field.column))
        if field.attname in own and field.attname not in values:
            sources.append(f"src.{qn(own[field.attname])}")
        else:
            value = values[field.attname] if field.attname in values else field.get_default()
            sources.append(placeholder)
            params.append(field.get_db_prep_save(value, connection))
    return targets, sources, params


def new_objects(model, rows: list[dict]) -> list:
    """Unsaved instances of `model` from `rows` (attname → value; the rest its defaults, each computed
    once for all rows), for insert_records: built with positional values in field order, as Django
    builds the rows it reads (Model.from_db), since keyword arguments cost 0.1 ms per object in
    Model.__init__ (a second of a 10,000-row API post). Defaults must not be mutable objects."""
    fields = model._meta.concrete_fields
    position = {f.attname: i for i, f in enumerate(fields)}
    defaults = [f.get_default() for f in fields]
    objs = []
    for row in rows:
        values = list(defaults)
        for attname, value in row.items():
            values[position[attname]] = value
        objs.append(model(*values))
    return objs


def insert_records(writer: Writer, objs: list, *, user_id, reason: str, now=None) -> list[int]:
    """New rows of one model (contact histories, purchases …) with their creation records; sets pk."""
    if not objs:
        return []
    now = now or timezone.now()
    table = _record_table(type(objs[0]))
    ids = writer.insert_with_ids(table, writer.prepare(table, [table.row_of(obj) for obj in objs], now))
    for obj, pk in zip(objs, ids):
        obj.pk = pk
        for f in table.fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                setattr(obj, f.attname, now)
    if hasattr(type(objs[0]), "history"):
        write_history(writer, objs, "+", user_id=user_id, reason=reason, now=now)
    return ids


_RECORD_TABLES: dict[type, Table] = {}


def _record_table(model) -> Table:
    if model not in _RECORD_TABLES:
        _RECORD_TABLES[model] = Table(model)
    return _RECORD_TABLES[model]


def update_records(objs: list, fields: list[str], *, user=None, reason: str = "", history: bool = True,
                   using: str = "default") -> None:
    """Write `fields` (names, as set on the objects) of existing rows of one model in one statement per
    chunk, with a change record each ("~", who and why) when the model keeps history: rows moved to
    another customer by a merge and back by its undo. `history=False` for what is not a change anyone
    made (derived copies and flags, times put back as they were). The only write of rows with history
    that is not a save(), besides CustomerWrites; no signals."""
    if not objs:
        return
    model = type(objs[0])
    table = _record_table(model)
    writer = Writer(connections[using])
    attnames = [model._meta.get_field(name).attname for name in fields]
    writer.update(table, [table.row_of(obj) for obj in objs], attnames)
    if history:  # a change someone made: an editor opened before is refused (issue 24.3)
        locking.bump(model, [obj.pk for obj in objs])
    if history and hasattr(model, "history"):
        write_history(writer, objs, "~", user_id=getattr(user, "pk", None), reason=reason, now=timezone.now())


def set_derived(queryset, **values) -> int:
    """Set values derived from other rows (an event row's 喪中 tick from the 喪中 records) on the rows of
    `queryset`, in one UPDATE and without history: nobody changed them, they follow. Returns how many."""
    return queryset.update(**values)
