"""Reading import files: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030 — what Excel saves in China —
or whatever charset-normalizer recognises) and XLSX.

Files are streamed, never read into memory whole:

- the encoding is found by decoding the file chunk by chunk (BOM → strict UTF-8 → GB18030, a
  superset of GBK and GB2312 → charset-normalizer on a sample, verified over the whole file);
- CSV rows come from the csv module over a line reader that refuses physical lines longer than
  MAX_LINE_CHARS without reading them whole, and the csv module's field limit turns an oversized
  cell into a row error (a 20 MB cell costs a row, not the worker's memory);
- XLSX rows come from openpyxl in read-only mode (the sheet is parsed as a stream; note that
  openpyxl keeps the workbook's shared-strings table in memory).

Rows are yielded as lists of strings, numbered as a spreadsheet numbers them (the header is the
first non-empty row; blank rows are not rows). A row that cannot be read is yielded as a
RowProblem in its place, so one bad row never stops an import.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from django.utils.translation import gettext as _

from guanxi.core.errors import ValidationFailed

MAX_COLUMNS = 200
# The csv module's default field limit (128 KiB): far above any field's own limit (notes take
# 10,000 characters), far below what could hurt a worker.
MAX_CELL_CHARS = csv.field_size_limit()
MAX_LINE_CHARS = 4 * MAX_CELL_CHARS
CHUNK = 1 << 20
SAMPLE = 1 << 20
DELIMITERS = (",", ";", "\t", "|")
BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls


def refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"file": [message]})


@dataclass
class RowProblem:
    """A row that could not be read (an oversized cell, broken quotes)."""

    message: str


@dataclass(frozen=True)
class FileInfo:
    file_format: str  # csv | xlsx
    encoding: str = ""
    delimiter: str = ""


# --- Format and encoding ------------------------------------------------------------------------


def detect(stream: IO[bytes], filename: str = "") -> FileInfo:
    """The file's format, and for CSV its encoding and delimiter. Refuses (ValidationFailed on
    `file`) what cannot be read: empty files, old .xls, binary data, undecodable text."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise refuse(_("The file is empty."))
    if head.startswith(OLE2_MAGIC):
        raise refuse(
            _("This is an old Excel (.xls) file. Save it as .xlsx or CSV and upload it again.")
        )
    if head.startswith(b"PK\x03\x04"):
        return FileInfo("xlsx")
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise refuse(_("This file is not a readable Excel workbook."))
    encoding = detect_encoding(stream)
    stream.seek(0)
    delimiter = _sniff_delimiter(stream, encoding)
    stream.seek(0)
    return FileInfo("csv", encoding, delimiter)


def _decodes(stream: IO[bytes], encoding: str, skip: int = 0) -> bool:
    """True when the whole stream decodes strictly as `encoding` (chunk by chunk)."""
    stream.seek(skip)
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    try:
        while chunk := stream.read(CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\r\n")
    return controls * 100 <= len(text)  # at most 1% control characters


def detect_encoding(stream: IO[bytes]) -> str:
    stream.seek(0)
    head = stream.read(4)
    for bom, encoding in BOMS:
        if head.startswith(bom):
            if not _decodes(stream, encoding):
                raise refuse(
                    _("The file says it is %(encoding)s but is not.") % {"encoding": encoding}
                )
            return encoding
    stream.seek(0)
    sample = stream.read(SAMPLE)
    if b"\x00" in sample:
        raise refuse(
            _("This does not look like a CSV file (it contains binary data). Upload CSV or .xlsx.")
        )
    for encoding in ("utf-8", "gb18030"):
        if _decodes(stream, encoding):
            if not _looks_like_text(sample.decode(encoding, errors="ignore")):
                break
            return encoding
    else:
        from charset_normalizer import from_bytes

        best = from_bytes(sample).best()
        if (
            best is not None
            and best.encoding
            and _decodes(stream, best.encoding)
            and _looks_like_text(str(best))
        ):
            return str(best.encoding)
    raise refuse(
        _(
            "The file's text encoding could not be recognised. Save it as “CSV UTF-8” "
            "(Excel: Save as → CSV UTF-8) and upload it again."
        )
    )


def _sniff_delimiter(stream: IO[bytes], encoding: str) -> str:
    """The delimiter used most in the first line outside quotes (Excel in Europe writes ';',
    "Unicode text" exports use tabs); a comma by default."""
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        first = text.readline(MAX_LINE_CHARS)
    finally:
        text.detach()
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in first:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


# --- CSV rows -----------------------------------------------------------------------------------


class LineTooLong(Exception):
    pass


class _BoundedLines:
    """Lines of a text stream for csv.reader, refusing (LineTooLong) any physical line longer
    than `limit` characters without ever holding it whole. The reader can go on after a refusal:
    the rest of the long line is skipped.

    It also counts the quotation marks read since the current record began: after a row error
    an odd count means the error came inside a quoted cell, whose remaining lines are then
    skipped (`skip_quoted_rest`) instead of being read as rows."""

    def __init__(self, text: IO[str], limit: int):
        self.text = text
        self.limit = limit
        self.quotes = 0

    def __iter__(self) -> _BoundedLines:
        return self

    def __next__(self) -> str:
        line = self.text.readline(self.limit + 1)
        if not line:
            raise StopIteration
        self.quotes += line.count('"')
        if len(line) > self.limit and line[-1] not in "\r\n":
            while True:
                rest = self.text.readline(CHUNK)
                self.quotes += rest.count('"')
                if not rest or rest[-1] in "\r\n":
                    break
            raise LineTooLong
        return line

    def skip_quoted_rest(self) -> None:
        """Read past the rest of a quoted cell: up to the line that closes it."""
        while self.quotes % 2:
            chunk = self.text.readline(CHUNK)
            if not chunk:
                break
            self.quotes += chunk.count('"')


def _csv_problem(error: Exception) -> RowProblem:
    text = str(error)
    if isinstance(error, LineTooLong) or "field limit" in text:
        return RowProblem(
            _("A cell is longer than %(limit)s characters; the row was not read.")
            % {"limit": f"{MAX_CELL_CHARS:,}"}
        )
    if "unexpected end of data" in text:
        return RowProblem(_('A quoted cell is never closed: a quotation mark (") is missing.'))
    if "expected after" in text:
        return RowProblem(
            _('A quotation mark inside a quoted cell must be doubled (""); the row was not read.')
        )
    return RowProblem(_("This row cannot be read: %(error)s") % {"error": text[:200]})


def csv_records(stream: IO[bytes], info: FileInfo) -> Iterator[list[str] | RowProblem]:
    text = io.TextIOWrapper(stream, encoding=info.encoding or "utf-8", newline="")
    lines = _BoundedLines(text, MAX_LINE_CHARS)
    reader = csv.reader(lines, delimiter=info.delimiter or ",", strict=True)
    try:
        while True:
            lines.quotes = 0
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, LineTooLong) as error:
                lines.skip_quoted_rest()
                yield _csv_problem(error)
            else:
                yield row
    finally:
        # The caller owns the stream: detaching keeps the wrapper from closing it.
        with contextlib.suppress(ValueError):
            text.detach()


# --- XLSX rows ----------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text the cleaners take: whole numbers without ".0" (phone
    numbers typed into number cells), dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time | Decimal | int):
        return value.isoformat() if isinstance(value, date | time) else str(value)
    return str(value)


def xlsx_records(stream: IO[bytes]) -> Iterator[list[str] | RowProblem]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise refuse(_("This file is not a readable Excel workbook.")) from error
    except Exception as error:  # openpyxl's InvalidFileException and XML errors
        raise refuse(_("This file is not a readable Excel workbook.")) from error
    try:
        sheets = workbook.worksheets
        if not sheets:
            return
        for values in sheets[0].iter_rows(values_only=True):
            yield [cell_text(v) for v in values]
    finally:
        workbook.close()


# --- Tables ---------------------------------------------------------------------------------------


def records(stream: IO[bytes], info: FileInfo) -> Iterator[list[str] | RowProblem]:
    return xlsx_records(stream) if info.file_format == "xlsx" else csv_records(stream, info)


def unique_headers(cells: list[str]) -> list[str]:
    """Header names, stripped; a blank header becomes "Column N" and a repeated one "Name (2)"."""
    seen: dict[str, int] = {}
    result = []
    for index, cell in enumerate(cells):
        name = " ".join(str(cell).replace("\ufeff", "").split()) or _("Column %(n)d") % {
            "n": index + 1
        }
        count = seen.get(name.casefold(), 0) + 1
        seen[name.casefold()] = count
        result.append(name if count == 1 else f"{name} ({count})")
    return result


def _is_blank(row: list[str]) -> bool:
    return all(not cell or not str(cell).strip() for cell in row)


@dataclass
class Row:
    number: int
    cells: list[str]
    problem: str = ""


class Table:
    """The header and the data rows of an import file, read as a stream."""

    def __init__(self, stream: IO[bytes], info: FileInfo):
        self.stream = stream
        self.info = info
        self._records = records(stream, info)
        self.headers: list[str] = []
        self.header_row = 0
        self._position = 0  # records read so far (the spreadsheet's row number of the last)
        for item in self._records:
            self._position += 1
            if isinstance(item, RowProblem):
                raise refuse(
                    _("The first row (the column names) cannot be read: %(problem)s")
                    % {"problem": item.message}
                )
            if _is_blank(item):
                continue
            while item and not str(item[-1]).strip():
                item = item[:-1]
            if len(item) > MAX_COLUMNS:
                raise refuse(
                    _("The file has %(count)d columns; at most %(limit)d can be imported.")
                    % {"count": len(item), "limit": MAX_COLUMNS}
                )
            self.headers = unique_headers(item)
            self.header_row = self._position
            break
        if not self.headers:
            raise refuse(_("The file is empty: it has no row of column names."))

    def rows(self) -> Iterator[Row]:
        """The data rows after the header, blank rows left out, each with its row number."""
        width = len(self.headers)
        for item in self._records:
            self._position += 1
            number = self._position
            if isinstance(item, RowProblem):
                yield Row(number, [], item.message)
                continue
            if _is_blank(item):
                continue
            if len(item) > width:
                extra = item[width:]
                if any(str(cell).strip() for cell in extra):
                    yield Row(
                        number,
                        item[:width],
                        _("This row has %(count)d cells but the file has %(width)d columns.")
                        % {"count": len(item), "width": width},
                    )
                    continue
                item = item[:width]
            elif len(item) < width:
                item = item + [""] * (width - len(item))
            if any(len(cell) > MAX_CELL_CHARS for cell in item):
                yield Row(
                    number,
                    [],
                    _("A cell is longer than %(limit)s characters; the row was not read.")
                    % {"limit": f"{MAX_CELL_CHARS:,}"},
                )
                continue
            yield Row(number, item)


def open_table(stream: IO[bytes], info: FileInfo) -> Table:
    stream.seek(0)
    return Table(stream, info)


def count_rows(stream: IO[bytes], info: FileInfo) -> int:
    """How many data rows the file has (a fast pass, for the progress bar)."""
    table = open_table(stream, info)
    if info.file_format == "xlsx":
        # Counting an XLSX means parsing it; its dimension is close enough for progress.
        return _xlsx_estimate(stream, table)
    return sum(1 for _row in table.rows())


def _xlsx_estimate(stream: IO[bytes], table: Table) -> int:
    from openpyxl import load_workbook

    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True)
        try:
            max_row = workbook.worksheets[0].max_row if workbook.worksheets else 0
        finally:
            workbook.close()
    except Exception:
        max_row = None
    if max_row:
        return max(0, int(max_row) - table.header_row)
    stream.seek(0)
    return sum(1 for _row in open_table(stream, table.info).rows())


def preview(stream: IO[bytes], info: FileInfo, limit: int = 5) -> tuple[list[str], list[Row]]:
    table = open_table(stream, info)
    rows = []
    for row in table.rows():
        rows.append(row)
        if len(rows) >= limit:
            break
    return table.headers, rows
