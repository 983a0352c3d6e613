"""Export (X2): customers, contact histories and purchases as CSV (CP932 or UTF-8 with BOM) or xlsx.

Rows are read in chunks and written as they come: a streamed response sends its first
bytes at once and memory stays flat. Values are written as a person reads them (送付先 会社,
checkboxes ○ or blank, dates 1985/04/01), and a text cell that a spreadsheet would run as a
formula gets a leading apostrophe (values.guard), which the import takes off again.
CP932 cannot hold every character (𠮷, emoji): `unencodable` finds them before a download,
and the user chooses UTF-8, xlsx, or 〓 in their place.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import operator
import uuid
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils.translation import gettext_lazy as _

from .columns import Column, Masters, Target
from .values import FORMULA_STARTS, TRUE_MARK, guard, guard_quotes

CHUNK_ROWS = 2000
GETA = "〓"  # what Japanese typesetting puts where a character cannot be printed
# Characters the CP932 codec writes without an error as another character: read back, − (U+2212)
# is － (U+FF0D), 〜 (U+301C) is ～ (U+FF5E). Listed with those it cannot hold (issue 22 point 12);
# tests check this is every one of them.
CP932_CHANGES = {c: c.encode("cp932").decode("cp932") for c in "¢£¬‖−〜"}


def _geta(error: UnicodeEncodeError):
    return GETA * (error.end - error.start), error.end


codecs.register_error("kokyaku_geta", _geta)


@dataclass(frozen=True)
class Format:
    key: str
    label: str
    extension: str
    encoding: str | None  # None: xlsx
    content_type: str


FORMATS = {
    "csv_cp932": Format("csv_cp932", _("CSV for Excel (Shift_JIS / CP932)"), "csv", "cp932", "text/csv; charset=Shift_JIS"),
    "csv_utf8": Format("csv_utf8", _("CSV UTF-8 (with BOM)"), "csv", "utf-8-sig", "text/csv; charset=utf-8"),
    "xlsx": Format("xlsx", _("Excel workbook (.xlsx)"), "xlsx", None,
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def export_columns(target: Target, user, chosen: list[str] | None = None) -> list[Column]:
    """The columns this user may export, in card order; `chosen` (field names) narrows them."""
    masters = Masters(user)
    columns = target.columns(user, masters, for_export=True)
    if chosen is not None:
        wanted = set(chosen)
        columns = [c for c in columns if c.name in wanted]
    return columns


def _read_paths(columns: list[Column], guarded: bool):
    """values_list() paths, and the function that turns one fetched row into the record's cells.

    A million rows of 90 columns leave no room for a function call per cell: text and checkbox
    columns are picked out of the row with itemgetter and made in one comprehension each, the
    rest (dates, masters, choices) call their formatter, and a last itemgetter puts the cells
    back in column order.
    """
    paths: list[str] = []
    texts, bools, others = [], [], []  # (column index, row position) / (index, maker)
    for index, column in enumerate(columns):
        if column.name == "customer_name":
            start = len(paths)
            paths += ["customer__last_name", "customer__first_name", "customer__company_name"]
            others.append((index, _name_maker(start, guarded)))
            continue
        position = len(paths)
        paths.append(column.read_path)
        if column.kind == "text":
            texts.append((index, position))
        elif column.kind == "bool":
            bools.append((index, position))
        else:
            others.append((index, _cell_maker(column, position, guarded)))
    pick_texts = _picker([p for _i, p in texts])
    pick_bools = _picker([p for _i, p in bools])
    makers = [make for _i, make in others]
    built = [i for i, _p in texts] + [i for i, _p in bools] + [i for i, _m in others]
    order = _picker([built.index(i) for i in range(len(columns))])
    risky = set(FORMULA_STARTS) | {"'"}
    mark = TRUE_MARK

    def build(row):
        if guarded:
            cells = [(guard(v) if v[0] in risky else v) if v else "" for v in pick_texts(row)]
        else:  # xlsx: text cells need no apostrophe, but a value starting with one keeps it (values.guard_quotes)
            cells = [(guard_quotes(v) if v[0] == "'" else v) if v else "" for v in pick_texts(row)]
        cells += [mark if v else "" for v in pick_bools(row)]
        cells += [make(row) for make in makers]
        return order(cells)

    return paths, build


def _picker(positions: list[int]):
    """row -> tuple of the values at `positions` (itemgetter's single-item case made a tuple too)."""
    if not positions:
        return lambda row: ()
    if len(positions) == 1:
        position = positions[0]
        return lambda row: (row[position],)
    return operator.itemgetter(*positions)


def _name_maker(start: int, guarded: bool):
    def make(row):
        name = " ".join(part for part in (row[start], row[start + 1]) if part) or row[start + 2] or ""
        return guard(name) if guarded else guard_quotes(name)
    return make


def _cell_maker(column: Column, position: int, guarded: bool):
    fmt = column.format
    if fmt is None:
        return lambda row: ""
    if not guarded:
        def make_text_cell(row):
            text = fmt(row[position])
            return guard_quotes(text) if text and text[0] == "'" else text
        return make_text_cell

    def make(row):
        text = fmt(row[position])
        if text and (text[0] in FORMULA_STARTS or text[0] == "'"):
            return guard(text)
        return text
    return make


def rows(queryset, columns: list[Column], *, progress=None, guarded: bool = True):
    """Each record as a list of cell texts, read CHUNK_ROWS at a time. `guarded`: formula-like
    texts get their apostrophe (CSV); xlsx writes text cells instead."""
    paths, build = _read_paths(columns, guarded)
    done = 0
    with _streaming_transaction(queryset.db):
        for row in _fetched(queryset.values_list(*paths)):
            yield build(row)
            done += 1
            if progress is not None and done % CHUNK_ROWS == 0:
                progress.check()
                progress.advance(CHUNK_ROWS)
    if progress is not None:
        progress.advance(done % CHUNK_ROWS)


def _fetched(values_queryset):
    """The rows of a values_list() queryset, streamed.

    PostgreSQL (inside the caller's transaction): a cursor of our own, read with two FETCHes in
    flight (psycopg's pipeline mode), so the server produces the next CHUNK_ROWS rows while
    Python writes these; with one FETCH at a time the two took turns, and the server's part was
    ~40 % of an export. Django's converters are applied as its iterator would. Other queries
    (the job's progress and cancel checks) may run meanwhile: the pipeline answers them in turn.
    SQLite: Django's iterator."""
    connection = connections[values_queryset.db]
    if connection.vendor != "postgresql":
        yield from values_queryset.iterator(chunk_size=CHUNK_ROWS)
        return
    compiler = values_queryset.query.get_compiler(using=values_queryset.db)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([s[0] for s in compiler.select[:compiler.col_count]])
    name = f"kokyaku_export_{uuid.uuid4().hex[:12]}"
    connection.ensure_connection()
    raw = connection.connection
    with raw.cursor() as cursor:
        cursor.execute(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
    fetch = f"FETCH {CHUNK_ROWS} FROM {name}"
    with raw.pipeline():
        cursors = [raw.cursor(), raw.cursor()]
        cursors[0].execute(fetch)
        turn = 0
        while True:
            cursors[1 - turn].execute(fetch)  # the next chunk, asked for before this one is written
            chunk = cursors[turn].fetchall()
            if not chunk:
                break
            yield from (compiler.apply_converters(chunk, converters) if converters else chunk)
            turn = 1 - turn
        for cursor in cursors:
            cursor.close()
    with raw.cursor() as cursor:
        cursor.execute(f"CLOSE {name}")


def _streaming_transaction(alias: str):
    """PostgreSQL: a server-side cursor outside a transaction is declared WITH HOLD, and the
    whole result is computed before the first row comes (11.6 s for a million customers); inside
    one it streams. SQLite's transactions here take the write lock (IMMEDIATE): none there."""
    if connections[alias].vendor == "postgresql":
        return transaction.atomic(using=alias)
    return contextlib.nullcontext()


def code_position(columns: list[Column]) -> int | None:
    for i, column in enumerate(columns):
        if column.name in ("code", "customer_code"):
            return i
    return None


def _changes_in_cp932(text: str) -> bool:
    return any(c in text for c in CP932_CHANGES)  # six C-speed scans: a tenth of encoding the text


def cp932_keeps(text: str) -> bool:
    """Whether a CP932 file gives `text` back as it is (every character held, none changed)."""
    try:
        text.encode("cp932")
    except UnicodeEncodeError:
        return False
    return not _changes_in_cp932(text)


def unencodable_cells(columns: list[Column], cells: list[str]):
    """(column, cell) of each cell of one record that CP932 cannot hold or changes; one check for the usual record."""
    if cp932_keeps("\x1f".join(cells)):
        return
    for column, cell in zip(columns, cells):
        if not cp932_keeps(cell):
            yield column, cell


def unencodable(queryset, columns: list[Column], *, limit: int = 100) -> tuple[int, list[tuple[str, str, str]]]:
    """Cells CP932 cannot hold or changes: (how many, the first `limit` as (customer code, column, value))."""
    found, examples = 0, []
    at_code = code_position(columns)
    for cells in rows(queryset, columns):
        for column, cell in unencodable_cells(columns, cells):
            found += 1
            if len(examples) < limit:
                examples.append((cells[at_code] if at_code is not None else "", column.label, cell[:60]))
    return found, examples


def csv_chunks(header: list[str], records, fmt: Format, *, replace: bool = False, on_replaced=None):
    """The CSV file as byte chunks: BOM for UTF-8, CRLF line ends as Excel writes them.

    `replace`: a character the encoding cannot hold becomes 〓. `on_replaced(record)` is then
    called for each record that had one, or a character CP932 changes (CP932_CHANGES): the records
    are checked one by one only in a chunk that has such a character, not each record of the file.
    """
    errors = "kokyaku_geta" if replace else "strict"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([guard(h) for h in header])
    pending: list = []  # the records in the buffer, while someone wants to hear of replacements
    watch = replace and on_replaced is not None and fmt.encoding == "cp932"
    first = True
    count = 0
    for record in records:
        writer.writerow(record)
        if watch:
            pending.append(record)
        count += 1
        if count % 500 == 0 or first:
            yield _take(buffer, fmt.encoding, errors, first, pending, on_replaced)
            first = False
    yield _take(buffer, fmt.encoding, errors, first, pending, on_replaced)


def _take(buffer: io.StringIO, encoding: str, errors: str, first: bool, pending: list, on_replaced) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        data = text.encode(codec)
        changed = bool(pending) and _changes_in_cp932(text)  # pending: only CP932 files, when someone listens
    except UnicodeEncodeError:
        data, changed = None, True
    if changed:
        for record in pending:
            if not cp932_keeps("\x1f".join(record)):
                on_replaced(record)
    if data is None:
        data = text.encode(codec, errors)
    pending.clear()
    if first and encoding == "utf-8-sig":
        data = codecs.BOM_UTF8 + data
    return data


def write_xlsx(path, header: list[str], records, *, title: str = "Kokyaku") -> int:
    """An xlsx file, rows written as they come (dataio.xlsx); every cell is text."""
    from . import xlsx

    return xlsx.write(path, header, records, title=title)
