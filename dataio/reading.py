"""Opening an uploaded file as rows of cells: CSV in UTF-8 (with or without BOM) or CP932, or xlsx.

Japanese Excel saves CSV in CP932 (Shift_JIS with the NEC and IBM extensions: ①, ㈱, 髙, 﨑)
or, as "CSV UTF-8", in UTF-8 with a BOM. Detection decodes the whole file strictly, in
chunks: UTF-8 first (a CP932 file of Japanese text is practically never valid UTF-8), then
CP932. Rows are read one at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass
from typing import Iterator

from django.utils.translation import gettext as _

from . import xlsx

CHUNK = 1 << 20
ENCODINGS = {
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-8": "UTF-8",
    "cp932": "Shift_JIS (CP932)",
}
XLSX = "xlsx"


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


@dataclass
class Sheet:
    encoding: str  # a key of ENCODINGS, or XLSX
    headers: list[str]
    _open_rows: object  # () -> iterator over the data rows (after the header)

    @property
    def encoding_label(self) -> str:
        return "Excel (xlsx)" if self.encoding == XLSX else ENCODINGS[self.encoding]

    def rows(self) -> Iterator[tuple[int, list]]:
        """(row number as the spreadsheet shows it, cells); the header is row 1; empty rows skipped."""
        for number, cells in enumerate(self._open_rows(), start=2):
            if any(cell not in (None, "") and str(cell).strip() for cell in cells):
                yield number, list(cells)

    def count_rows(self) -> int:
        return sum(1 for _row in self.rows())


def open_sheet(path: str, *, encoding: str | None = None) -> Sheet:
    """The file at `path` as a Sheet. `encoding`: None to detect, or a key of ENCODINGS."""
    with open(path, "rb") as f:
        head = f.read(8)
    if not head:
        raise FileProblem(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        return _xlsx_sheet(path)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_("This is an old Excel file (.xls). Save it as CSV or Excel workbook (.xlsx) and try again."))
    if encoding is None:
        encoding = detect_encoding(path)
    elif encoding not in ENCODINGS:
        raise FileProblem(_("Unknown character encoding."))
    else:
        _check_decodes(path, encoding)
    return _csv_sheet(path, encoding)


def detect_encoding(path: str) -> str:
    with open(path, "rb") as f:
        start = f.read(4096)
    if b"\x00" in start:
        raise FileProblem(_("This file is neither a CSV text file nor an Excel workbook (.xlsx)."))
    if start.startswith(codecs.BOM_UTF8):
        _check_decodes(path, "utf-8-sig")
        return "utf-8-sig"
    for candidate in ("utf-8", "cp932"):
        try:
            _check_decodes(path, candidate)
            return candidate
        except FileProblem:
            continue
    raise FileProblem(_("The characters of this file could not be read as UTF-8 or Shift_JIS (CP932). "
                        "Save it from Excel as CSV and try again."))


def _check_decodes(path: str, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with open(path, "rb") as f:
        try:
            while chunk := f.read(CHUNK):
                text = decoder.decode(chunk)
                if "\x00" in text:
                    raise FileProblem(_("This file is neither a CSV text file nor an Excel workbook (.xlsx)."))
                line += text.count("\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise FileProblem(_("The file cannot be read as %(encoding)s (near line %(line)s).")
                              % {"encoding": ENCODINGS[encoding], "line": line}) from None


def _csv_sheet(path: str, encoding: str) -> Sheet:
    def open_reader():
        f = open(path, encoding=encoding, newline="")
        try:
            sample = f.read(65536)
            f.seek(0)
            delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
            yield from csv.reader(f, delimiter=delimiter)
        except csv.Error as exc:
            raise FileProblem(_("The CSV file is broken: %(reason)s") % {"reason": exc}) from None
        finally:
            f.close()

    reader = open_reader()
    headers = next(reader, None)
    reader.close()
    if not headers or not any(h.strip() for h in headers):
        raise FileProblem(_("The first row must hold the column names."))

    def data_rows():
        rows = open_reader()
        next(rows, None)
        yield from rows

    headers = [h.strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()  # Excel writes empty columns on the right as trailing commas
    return Sheet(encoding=encoding, headers=headers, _open_rows=data_rows)


def _xlsx_sheet(path: str) -> Sheet:
    import openpyxl

    def open_rows():
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise FileProblem(_("This Excel file cannot be read. Save it again as an Excel workbook (.xlsx).")) from None
        try:
            yield from book.worksheets[0].iter_rows(values_only=True)
        finally:
            book.close()

    rows = open_rows()
    headers = next(rows, None)
    rows.close()
    if not headers or not any(h not in (None, "") for h in headers):
        raise FileProblem(_("The first row must hold the column names."))
    headers = ["" if h is None else xlsx.unescape(str(h)).strip() for h in headers]
    while headers and not headers[-1]:
        headers.pop()  # Excel's formatted but empty columns on the right

    def data_rows():
        rows = open_rows()
        next(rows, None)
        for row in rows:  # text as Excel means it: _x000D_ is a CR (openpyxl leaves the escapes)
            yield [xlsx.unescape(cell) if type(cell) is str else cell for cell in row]

    return Sheet(encoding=XLSX, headers=headers, _open_rows=data_rows)


