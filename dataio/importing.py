"""Import (X1): a customer, contact-history or purchase file, checked whole, then written whole.

    plan = plan_import(sheet, target, user)       # headers → columns, or HeaderProblem
    report = check_rows(plan, on_problem=…)      # every row parsed and validated; nothing written
    report = write_rows(plan, reporter)           # inside one transaction: all rows or none

Customers are matched by 顧客コード: a known code updates that customer (if the importer may
see its branch), a new or empty code creates one. Contact histories and purchases are added
to the customer their 顧客コード names. A numeric code a spreadsheet saved without its leading
zeros (9401 for 009401) names the customer whose code it is, and no new customer gets a code
that differs from a stored one only by leading zeros (KnownCodes). Rows go in chunks, so memory stays flat whatever the
file size; writes go through crm.bulk_write (search keys and a history record per customer).
"""

from __future__ import annotations

import contextvars
import datetime
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.db.models.functions import Length
from django.utils.translation import gettext as _

from audit import events as audit_events
from crm import dates, permissions
from crm import db as crm_db
from crm.bulk_write import CustomerWrites, Table, Writer, insert_records, keep_sequence_past, reserve_customer_codes
from crm.models import Customer, Product, Purchase

from fieldconfig import rules as input_rules
from fieldconfig import lookup
from fieldconfig.lookup import config

from .columns import CUSTOMER_CODE, TARGETS, Column, Masters, Target, header_key, once_per_value, validation_message
from .reading import Sheet

CHUNK = 1000
MAX_PROBLEMS_KEPT = 10_000
MAX_WARNINGS_KEPT = 200  # 「空欄時に警告」 (C8): listed on the preview, the rows still import
REASON = "CSV取込"  # 更新目的 of every history record an import writes (the seed's wording)


class HeaderProblem(Exception):
    def __init__(self, messages: list[str]):
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass
class Problem:
    row: int | None
    column: str
    value: str
    message: str


_WORK = object()  # an empty cell of this column needs parsing (a rule, or no value without a reason)
_IMMUTABLE = (str, int, bool, type(None), datetime.date, Decimal)


class CellReader:
    """One column's cells into values, with the work a file repeats done once.

    A file of 90 columns is mostly empty cells (備考, チェック): an empty cell of a column
    without an input rule always gives the same value, worked out here once. Checkboxes,
    pulldowns and masters hold few distinct texts: each is parsed once per import.
    `value(cell)`: the stored value of a non-empty cell; raises ValueError / ValidationError.
    """

    def __init__(self, position: int, column: Column, rule):
        self.position, self.column, self.rule, self.name = position, column, rule, column.name
        self.blank = _WORK
        if rule is None:
            try:
                empty = column.parse("")
                if isinstance(empty, _IMMUTABLE) and column.parse(None) == empty:
                    self.blank = empty
            except (ValueError, ValidationError):
                pass
        # a value once per distinct cell; a bad cell raises each time (exceptions are not kept)
        self.value = once_per_value(column.parse) if column.few_values else column.parse


@dataclass
class Plan:
    target: Target
    user: object
    sheet: Sheet
    columns: list[tuple[int, Column]]  # (position in the file, column)
    ignored: list[str]  # read-only columns of our own export (登録日時 …), left as they are
    masters: Masters
    default_branch_id: int | None
    key_label: str  # the column that names the customer (顧客コード): where code problems are shown
    # Input rules (C8) of the file's columns, by field; and the required fields the file lacks
    # (a new record without them is refused), as (field, configured label).
    rules: dict = field(default_factory=dict)
    missing_required: list[tuple[str, str]] = field(default_factory=list)
    readers: list[CellReader] = field(default_factory=list)  # how each column's cells are parsed

    def __post_init__(self):
        if not self.readers:
            self.readers = [CellReader(position, column, self.rules.get(column.name))
                            for position, column in self.columns]

    @property
    def labels(self) -> list[str]:
        return [column.label for _i, column in self.columns]


@dataclass
class Report:
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    bad_rows: int = 0
    warned_rows: int = 0
    zero_codes: int = 0  # rows whose customer code had lost its leading zeros (Excel): matched all the same
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    sample: list[list[str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"rows": self.rows, "new": self.new, "updated": self.updated, "unchanged": self.unchanged,
                "bad_rows": self.bad_rows, "warned_rows": self.warned_rows, "zero_codes": self.zero_codes}

    def warnings_dicts(self) -> list[dict]:
        return [{"row": w.row, "column": w.column, "message": w.message} for w in self.warnings]


def plan_import(sheet: Sheet, target_key: str, user) -> Plan:
    target = TARGETS[target_key]
    masters = Masters(user)
    importable = {}
    readonly = {}
    for column in target.columns(user, masters, for_export=True):
        for alias in column.aliases:
            (importable if column.importable else readonly)[alias] = column
    problems, columns, ignored, seen = [], [], [], {}
    for position, header in enumerate(sheet.headers):
        key = header_key(header)
        if not key:
            problems.append(_("Column %(number)s has no name in the first row.") % {"number": position + 1})
            continue
        column = importable.get(key) or readonly.get(key)
        if column is None:
            problems.append(_("“%(header)s” is not a column Kokyaku knows (or one you may not change).")
                            % {"header": header})
            continue
        if column.name in seen:
            problems.append(_("“%(header)s” appears twice (columns %(first)s and %(second)s).")
                            % {"header": header, "first": seen[column.name] + 1, "second": position + 1})
            continue
        seen[column.name] = position
        if column.importable:
            columns.append((position, column))
        else:
            ignored.append(header)
    names = {column.name for _p, column in columns}
    key_label = config().label("customer", "code")
    if target.model is not Customer and CUSTOMER_CODE not in names:
        problems.append(_("The column “%(header)s” is missing: it says whose record each row is.")
                        % {"header": key_label})
    if target.model is Customer and not names & {"last_name", "company_name", "code"}:
        problems.append(_("The file needs a name column (姓 or 会社名) or the customer code."))
    if problems:
        raise HeaderProblem(problems)
    branches = list(permissions.visible_branches(user).values_list("id", flat=True)[:1])
    snapshot = config()
    model_key = target.model._meta.model_name
    rules = snapshot.input_rules(model_key)
    missing_required = [(name, snapshot.label(model_key, name)) for name, rule in rules.items()
                        if rule.required and name not in names]
    return Plan(target=target, user=user, sheet=sheet, columns=columns, ignored=ignored, masters=masters,
                default_branch_id=branches[0] if branches else None, key_label=key_label,
                rules={name: rule for name, rule in rules.items() if name in names},
                missing_required=missing_required)


def _chunks(plan: Plan):
    chunk = []
    for number, cells in plan.sheet.rows():
        chunk.append((number, cells))
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_row(plan: Plan, number: int, cells: list) -> tuple[dict, list[Problem], list[Problem]]:
    """A row's values, its problems and its warnings (C8 「空欄時に警告」: not a problem)."""
    values, problems, warnings = {}, [], []
    width = len(cells)
    for reader in plan.readers:
        cell = cells[reader.position] if reader.position < width else ""
        if (cell == "" or cell is None) and reader.blank is not _WORK:
            values[reader.name] = reader.blank
            continue
        column = reader.column
        try:
            value = reader.value(cell)
        except (ValueError, ValidationError) as exc:
            shown = "" if cell is None else str(cell)[:100]
            problems.append(Problem(number, column.label, shown, validation_message(exc)))
            continue
        rule = reader.rule
        if rule:
            # The input rules (C8) on the parsed value, as the form applies them to what is typed.
            outcome = input_rules.apply(rule, value, label=column.label)
            value = outcome.value
            if outcome.error:
                problems.append(Problem(number, column.label, "" if cell is None else str(cell)[:100], outcome.error))
            elif outcome.warning:
                warnings.append(Problem(number, column.label, "", outcome.warning))
        values[column.name] = value
    return values, problems, warnings


def _missing_required(plan: Plan, number: int) -> list[Problem]:
    """A new record needs every required field (C8), and the file has no column for these."""
    return [Problem(number, label, "", input_rules.required_message(label)) for _name, label in plan.missing_required]


def code_key(code: str) -> str:
    """What makes two customer codes the same one: a code of ASCII digits without its leading zeros
    (009401 and 9401 are customer 9401: Excel shows and saves 009401 as 9401), any other as it is."""
    if code.isascii() and code.isdigit():
        return code.lstrip("0") or "0"
    return code


@dataclass
class KnownCodes:
    """A chunk's typed customer codes against the stored ones (issue 22 point 10).

    found: typed code → (id, branch id, stored code) of the customer it names: the same code, or the
        one it is without the leading zeros Excel dropped (9401 for 009401: `zeros_dropped`);
    near: typed codes that differ from a stored code only by leading zeros without being one that
        lost them (09401 where 9401 is stored, or 9401 where both 09401 and 009401 are): no new
        customer may have them, and which customer they mean is not certain.
    """

    found: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    zeros_dropped: set[str] = field(default_factory=set)
    near: set[str] = field(default_factory=set)

    def __contains__(self, code: str) -> bool:
        return code in self.found


def known_codes(queryset, codes, *, longest: Callable[[], int] | None = None) -> KnownCodes:
    """The customers of `queryset` that `codes` name: a set lookup by the exact codes, then, only for
    numeric codes not found, one by their zero-padded forms (up to the longest stored code)."""
    known = KnownCodes()
    codes = {code for code in codes if code}
    if not codes:
        return known
    queryset = queryset.order_by()
    rows = queryset.filter(code__in=codes).values_list("code", "id", "branch_id")
    known.found = {code: (pk, branch_id, code) for code, pk, branch_id in rows}
    missing = [code for code in codes if code not in known.found and code.isascii() and code.isdigit()]
    if not missing:
        return known
    width = longest() if longest else _longest_code()
    padded: dict[str, list[str]] = {}  # a stored form → the typed codes it would be
    for typed in missing:
        bare = code_key(typed)
        for size in range(len(bare), width + 1):
            candidate = bare.zfill(size)
            if candidate != typed:
                padded.setdefault(candidate, []).append(typed)
    matches: dict[str, list[tuple[str, int, int]]] = {}
    candidates = list(padded)
    batch = connection.features.max_query_params or 10_000
    for start in range(0, len(candidates), batch):
        for stored, pk, branch_id in queryset.filter(code__in=candidates[start:start + batch]) \
                .values_list("code", "id", "branch_id"):
            for typed in padded[stored]:
                matches.setdefault(typed, []).append((stored, pk, branch_id))
    for typed, stored in matches.items():
        if len(stored) == 1 and len(stored[0][0]) > len(typed):
            code, pk, branch_id = stored[0]
            known.found[typed] = (pk, branch_id, code)
            known.zeros_dropped.add(typed)
        else:
            known.near.add(typed)
    return known


def _longest_code() -> int:
    return Customer.objects.aggregate(longest=Max(Length("code")))["longest"] or 0


class _Rows:
    """One pass over the file: parses, validates and (when `writes`) writes a chunk at a time."""

    def __init__(self, plan: Plan, report: Report, on_problem, writes: bool, reporter=None):
        self.plan, self.report, self.on_problem, self.writes, self.reporter = plan, report, on_problem, writes, reporter
        self.codes_seen: dict[str, str] = {}  # code_key → the code as first seen in the file
        self.code_label = plan.key_label
        self.branch_ids = None if permissions.sees_all_branches(plan.user) else \
            set(permissions.visible_branch_ids(plan.user))
        self.customer_writes = None
        self.customer_table = Table(Customer)
        if writes:
            self.customer_writes = CustomerWrites(connection, user=plan.user, reason=REASON)
            self.writer = Writer(connection)
        self.written_codes: list[str] = []
        self._code_position = next(((p, c) for p, c in plan.columns if c.name == "code"), None)
        self._longest = None

    def longest_code(self) -> int:
        """The longest stored customer code, looked up once per pass (only if a numeric code is unknown)."""
        if self._longest is None:
            self._longest = _longest_code()
        return self._longest

    def problem(self, problem: Problem) -> None:
        if len(self.report.problems) < MAX_PROBLEMS_KEPT:
            self.report.problems.append(problem)
        if self.on_problem:
            self.on_problem(problem)

    def run(self) -> Report:
        chunks = _chunks(self.plan)
        if self.plan.target.model is Customer and self.writes and self.customer_writes.builds_apart:
            self._customers_built_apart(chunks)
        else:
            for chunk in chunks:
                self._begin(chunk)
                if self.plan.target.model is Customer:
                    self.customers(chunk)
                else:
                    self.children([(number, *_parse_row(self.plan, number, cells)) for number, cells in chunk])
                self._advance(chunk)
        if self.writes and self.written_codes:
            keep_sequence_past(self.written_codes)
        return self.report

    def _begin(self, chunk) -> None:
        if self.reporter:
            self.reporter.check()
        self.report.rows += len(chunk)

    def _advance(self, chunk) -> None:
        if self.reporter:
            self.reporter.advance(len(chunk))

    def _bad(self, problems: list[Problem]) -> None:
        self.report.bad_rows += 1
        for problem in problems:
            self.problem(problem)

    def _warn(self, warnings: list[Problem]) -> None:
        if not warnings:
            return
        self.report.warned_rows += 1
        room = MAX_WARNINGS_KEPT - len(self.report.warnings)
        self.report.warnings += warnings[:max(room, 0)]

    def _sample(self, values: dict) -> None:
        if len(self.report.sample) < 10:
            self.report.sample.append([str(_shown(column, values.get(column.name))) for _p, column in self.plan.columns])

    # --- customers -----------------------------------------------------------------------------
    def customers(self, chunk: list[tuple[int, list]]) -> None:
        """A chunk of customer rows, checked, or written in this thread (SQLite): known codes are
        updates, the others new customers."""
        existing = self._existing(self._codes(chunk))
        updates: list[tuple[int, dict]] = []
        creates = list(self._new_customers(chunk, existing, updates))
        if self.writes and creates:
            fresh_codes = iter(reserve_customer_codes(sum(1 for values in creates if not values.get("code"))))
            customers = [self._new_customer(values, fresh_codes) for values in creates]
            self.customer_writes.create(customers)
            self.written_codes += [c.code for c in customers]
        if updates:
            self._updates(updates)

    def _customers_built_apart(self, chunks) -> None:
        """PostgreSQL: while this thread writes a chunk, a second one parses and builds the next.

        PostgreSQL stores and indexes on one core while Python parses, checks and encodes the
        rows on the other; in one thread the two took turns (about 2,500 rows/s at 1,000,000
        customers; see docs/decisions/copy-import.md). The builder queries nothing: this thread first
        looks up the chunk's known codes and takes its new codes and ids. A bad row is found
        while others are written; the whole import is rolled back all the same."""
        context = contextvars.copy_context()  # the configuration snapshot and the language
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kokyaku-import-read")
        builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kokyaku-import-build")
        try:
            before = None
            for chunk, codes in _read_ahead(reader, context, self._with_codes, chunks):
                self._begin(chunk)
                existing = self._existing(codes)
                new_codes = [code for code in codes if code not in existing]  # and the bad rows
                fresh_codes = reserve_customer_codes(new_codes.count(""))
                ids = self.customer_writes.writer.take_ids(self.customer_table, len(new_codes))
                job = builder.submit(context.copy().run, self._build_chunk, chunk, existing, fresh_codes, ids)
                if before:
                    self._write_built(*before)
                before = (job, chunk)
            if before:
                self._write_built(*before)
        finally:  # a cancel or a failure: what is queued is dropped, what runs is waited for
            reader.shutdown(cancel_futures=True)
            builder.shutdown(cancel_futures=True)

    def _with_codes(self, chunk):
        return chunk, self._codes(chunk)

    def _build_chunk(self, chunk, existing: KnownCodes, fresh_codes: list[str], ids: list[int]):
        """In the builder thread: the chunk's new customers with their ids and COPY data, and its updates."""
        with connection.execute_wrapper(_no_queries_beside_the_writer):
            updates: list[tuple[int, dict]] = []
            codes = iter(fresh_codes)
            customers = [self._new_customer(values, codes) for values in self._new_customers(chunk, existing, updates)]
            ids = ids[:len(customers)]  # ids a chunk's bad rows leave unused are skipped
            return customers, ids, self.customer_writes.built(customers, ids), updates

    def _write_built(self, job, chunk) -> None:
        customers, ids, data, updates = job.result()
        self.customer_writes.insert_built(customers, ids, data)
        self.written_codes += [c.code for c in customers]
        if updates:
            self._updates(updates)
        self._advance(chunk)

    def _codes(self, chunk) -> list[str]:
        """Each row's customer code as parsed (blank where the cell is; its problems are reported
        when the whole row is parsed)."""
        if self._code_position is None:
            return [""] * len(chunk)
        position, column = self._code_position
        codes = []
        for _number, cells in chunk:
            try:
                codes.append(column.parse(cells[position] if position < len(cells) else "") or "")
            except (ValueError, ValidationError):
                codes.append("")
        return codes

    def _existing(self, codes: list[str]) -> KnownCodes:
        return known_codes(Customer.objects.all(), codes, longest=self.longest_code)

    def _new_customers(self, chunk, existing: KnownCodes, updates: list):
        """Parses and checks each row: yields the new customers' values, collects the updates,
        reports the bad rows."""
        visible_branches = self.branch_ids
        for number, cells in chunk:
            values, problems, warnings = _parse_row(self.plan, number, cells)
            code = values.get("code") or ""
            if code:
                key = code_key(code)
                if key in self.codes_seen:
                    twice = (_("This customer code appears twice in the file.") if self.codes_seen[key] == code else
                             _("This customer code appears twice in the file (leading zeros aside)."))
                    problems.append(Problem(number, self.code_label, code, twice))
                else:
                    self.codes_seen[key] = code
                if code in existing.near:
                    problems.append(Problem(number, self.code_label, code, _(
                        "An existing customer's code differs from this one only by leading zeros: no new customer "
                        "may have it. Write the code as it is stored, with its zeros.")))
            found = existing.found.get(code)
            if found and "branch" in values and values["branch"] is None:
                del values["branch"]  # an empty branch cell keeps the customer's branch
            branch_id = values.get("branch")
            if found and visible_branches is not None and found[1] not in visible_branches:
                problems.append(Problem(number, self.code_label, code,
                                        _("This customer belongs to a branch you may not change.")))
            if "branch" in values and branch_id is None and not found:
                problems.append(Problem(number, _label(self.plan, "branch"), "", _("Enter the branch.")))
            if not found and not (values.get("last_name") or values.get("company_name")):
                problems.append(Problem(number, _label(self.plan, "last_name") or self.code_label, "",
                                        _("A new customer needs a family name or a company name.")))
            if not found:
                problems += _missing_required(self.plan, number)
            if problems:
                self._bad(problems)
                continue
            self._warn(warnings)
            if found:
                if code in existing.zeros_dropped:
                    values["code"] = found[2]  # the customer's own code, zeros and all
                    self.report.zero_codes += 1
                updates.append((found[0], values))
                continue
            self.report.new += 1
            self._sample(values)
            yield values

    def _new_customer(self, values: dict, fresh_codes) -> Customer:
        values = dict(values)
        values["branch"] = values.get("branch") or self.plan.default_branch_id
        table = self.customer_table
        customer = table.instance(table.row(**_as_attnames(Customer, values)))
        customer.code = customer.code or next(fresh_codes)
        return customer

    def _updates(self, updates: list[tuple[int, dict]]) -> None:
        stored = Customer.objects.in_bulk([pk for pk, _v in updates])
        changed, fields = [], set()
        for pk, values in updates:
            customer = stored[pk]
            attnames = _attnames(Customer)
            names = [name for name, value in values.items() if getattr(customer, attnames[name]) != value]
            if not names:
                self.report.unchanged += 1
                continue
            self.report.updated += 1
            self._sample(values)
            for name in names:
                setattr(customer, attnames[name], values[name])
            fields.update(names)
            changed.append(customer)
        if self.writes and changed:
            self.customer_writes.update(changed, sorted(fields))

    # --- contact histories and purchases -------------------------------------------------------------
    def children(self, parsed) -> None:
        codes = {v.get(CUSTOMER_CODE) for _n, v, _p, _w in parsed if v.get(CUSTOMER_CODE)}
        visible = known_codes(permissions.visible_customers(self.plan.user), codes, longest=self.longest_code)
        rows = []
        for number, values, problems, warnings in parsed:
            code = values.pop(CUSTOMER_CODE, "")
            if not code:
                problems.append(Problem(number, self.code_label, "", _("Enter the customer code.")))
            elif code not in visible:
                problems.append(Problem(number, self.code_label, code,
                                        _("No customer with this code (or one of a branch you may not see).")))
            problems += _missing_required(self.plan, number)
            if problems:
                self._bad(problems)
                continue
            self._warn(warnings)
            customer_id, _branch_id, stored_code = visible.found[code]
            values["customer_id"] = customer_id
            if code in visible.zeros_dropped:
                self.report.zero_codes += 1
                code = stored_code
            self.report.new += 1
            self._sample({**values, CUSTOMER_CODE: code})
            rows.append(values)
        if self.writes and rows:
            model = self.plan.target.model
            objs = [model(**_as_attnames(model, values)) for values in rows]
            if model is Purchase:
                products = Product.objects.in_bulk({obj.product_id for obj in objs if obj.product_id})
                for obj in objs:
                    if obj.product_id:
                        obj.product = products[obj.product_id]
                    obj.clean()  # the product's code, name and price where blank; the amount
            insert_records(self.writer, objs, user_id=self.plan.user.pk, reason=REASON)


def _read_ahead(reader: ThreadPoolExecutor, context, prepare, chunks):
    """`prepare(chunk)` for each chunk, the next one read (in `reader`) while the caller works on this one."""
    def next_one():
        with connection.execute_wrapper(_no_queries_beside_the_writer):
            chunk = next(chunks, None)
            return None if chunk is None else prepare(chunk)

    ahead = reader.submit(context.copy().run, next_one)
    while (item := ahead.result()) is not None:
        ahead = reader.submit(context.copy().run, next_one)
        yield item


def _no_queries_beside_the_writer(execute, sql, params, many, context):
    raise RuntimeError("The import's reading and building threads must not query the database "
                       "(the connection belongs to the writing thread).")


def _label(plan: Plan, name: str) -> str:
    return next((c.label for _p, c in plan.columns if c.name == name), "")


def _shown(column: Column, value) -> str:
    if value is None:
        return ""
    if column.name == CUSTOMER_CODE:
        return value
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return dates.format_date(value)  # the preview shows a date as the office's screens do (J2)
    try:
        return column.format(value)
    except Exception:
        return str(value)


def _as_attnames(model, values: dict) -> dict:
    """Parsed values by model attribute: a master named in a cell is its id (branch → branch_id)."""
    attnames = _attnames(model)
    return {attnames.get(name, name): value for name, value in values.items()}


@functools.cache
def _attnames(model) -> dict[str, str]:
    return {f.name: f.attname for f in model._meta.concrete_fields}


def check_rows(plan: Plan, *, on_problem=None, reporter=None) -> Report:
    """Every row parsed and validated, nothing written: the preview's counts and problems."""
    return _Rows(plan, Report(), on_problem, writes=False, reporter=reporter).run()


def write_rows(plan: Plan, *, reporter=None, file_name: str = "") -> Report:
    """All rows in one transaction, or none: a bad row (the file may have changed since the
    preview, or the data) rolls everything back and the report lists why."""
    report = Report()
    with lookup.held_snapshot(), transaction.atomic(), crm_db.gin_batch_inserts(connection, Customer):
        _Rows(plan, report, None, writes=True, reporter=reporter).run()
        if report.bad_rows:
            transaction.set_rollback(True)
            return report
        audit_events.record(
            audit_events.Action.IMPORT, user=plan.user, row_count=report.new + report.updated,
            detail={"file": file_name, "what": plan.target.key, **report.as_dict()},
        )
    return report
