"""CSV and XLSX tables with the line (or sheet row) of every record.

CSV files may be UTF-8 (with or without BOM) or UTF-16 with BOM (Excel's "Unicode text" and
Moodle's Excel-flavoured export); the delimiter (comma, semicolon or tab) is taken from the
header line. Header names are normalised (``"Person ID"`` -> ``person_id``) and every cell is
NFC-normalised and stripped.
"""

from __future__ import annotations

import csv
import importlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mooc_builder.text import nfc


class TableError(Exception):
    """The file cannot be read as a table at all (encoding, no header)."""

    def __init__(self, message: str, line: int | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


@dataclass
class Table:
    """A header and an iterator of ``(line, cells)``; cells are padded to the header's width."""

    header: tuple[str, ...]
    """Normalised names."""
    raw_header: tuple[str, ...]
    """Names as written (NFC, stripped)."""
    rows: Iterator[tuple[int, list[str]]]
    size: int
    """Bytes of the file (for progress)."""

    def index(self, *names: str) -> int | None:
        """Position of the first of ``names`` present in the header."""
        for name in names:
            if name in self.header:
                return self.header.index(name)
        return None


def normalise_header(name: str) -> str:
    """``" Person ID "`` -> ``person_id``; ``"E-mail"`` -> ``e_mail``."""
    text = nfc(name).strip().lstrip("\ufeff").casefold()
    return re.sub(r"[\s\-]+", "_", text)


def decode(raw: bytes) -> str:
    """Bytes of a text table -> text; raises TableError naming the line of a bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise TableError(
            f"byte 0x{raw[exc.start]:02x} is not {encoding.upper().replace('-SIG', '')}",
            line=line,
            hint="save the file as CSV UTF-8 (in Excel: Save As > CSV UTF-8)",
        ) from None


def sniff_delimiter(first_line: str) -> str:
    """The most frequent of comma, semicolon and tab in the header line."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def header_of(head: bytes) -> tuple[str, ...]:
    """Header of a CSV file (as written) from its first bytes (empty if it is not CSV-like)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff")
    first = text.splitlines()[0] if text.strip() else ""
    if not first or first.lstrip().startswith(("{", "[")):
        return ()
    try:
        cells = next(csv.reader([first], delimiter=sniff_delimiter(first)))
    except (csv.Error, StopIteration):
        return ()
    return tuple(nfc(c).strip().lstrip("\ufeff") for c in cells)


def read_csv(path: Path) -> Table:
    """Open a CSV file as a :class:`Table`; raises TableError when it has no usable header."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TableError(f"cannot read the file: {exc.strerror or exc}") from None
    text = decode(raw)
    lines = text.splitlines()
    first_index = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first_index is None:
        raise TableError("the file is empty", hint="export the report again")
    delimiter = sniff_delimiter(lines[first_index])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header_cells: list[str] = []
        while not any(c.strip() for c in header_cells):
            header_cells = next(reader)
    except StopIteration:
        raise TableError("the file is empty") from None
    except csv.Error as exc:
        raise TableError(f"the header is not valid CSV: {exc}", line=reader.line_num) from None
    raw_header = tuple(nfc(c).strip().lstrip("\ufeff") for c in header_cells)
    header = tuple(normalise_header(c) for c in raw_header)
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        previous = reader.line_num
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise TableError(f"not valid CSV: {exc}", line=previous + 1) from None
            start, previous = previous + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            values = [nfc(c).strip() for c in cells]
            if len(values) < width:
                values.extend([""] * (width - len(values)))
            yield start, values

    return Table(header, raw_header, rows(), len(raw))


def read_xlsx(path: Path) -> Table:
    """The first worksheet of an XLSX workbook as a :class:`Table` (line = sheet row)."""
    openpyxl: Any = importlib.import_module("openpyxl")  # no type stubs are installed
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise TableError(
            f"cannot open the workbook: {exc}", hint="save it again as Excel Workbook (.xlsx)"
        ) from None
    sheet = book.worksheets[0]
    iterator = sheet.iter_rows(values_only=True)
    header_cells: tuple[object, ...] = ()
    header_row = 0
    for header_row, values in enumerate(iterator, start=1):  # noqa: B007
        if any(_cell(v) for v in values):
            header_cells = values
            break
    if not header_cells:
        book.close()
        raise TableError("the first sheet is empty", hint="put the roster on the first sheet")
    raw_header = tuple(_cell(v) for v in header_cells)
    header = tuple(normalise_header(c) for c in raw_header)
    width = len(header)

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, values in enumerate(iterator, start=header_row + 1):
                cells = [_cell(v) for v in values]
                if not any(cells):
                    continue
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                yield number, cells
        finally:
            book.close()

    return Table(header, raw_header, rows(), path.stat().st_size)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value)).strip()
