"""Spreadsheet-safe CSV, shared by every export (audit log now, records with dataio later)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import StreamingHttpResponse

# A cell starting with one of these is run as a formula by Excel and LibreOffice.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet skips before deciding a cell is a formula (" =1+1", "\x00=cmd|…").
LEADING_IGNORED = "".join(chr(c) for c in range(33)) + "\x7f\u00a0\u3000\ufeff"


def neutralize(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula: a leading ' where it could, also when
    the formula follows spaces or control characters."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES) or text.lstrip(LEADING_IGNORED).startswith(
        FORMULA_PREFIXES
    ):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text line by line: a UTF-8 BOM first (so Excel reads Chinese correctly), then every
    cell neutralized."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([neutralize(cell) for cell in header])
    for row in rows:
        yield writer.writerow([neutralize(cell) for cell in row])


def csv_response(
    filename: str, header: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> StreamingHttpResponse:
    """A streamed CSV download; `rows` is consumed lazily, so exports of any size use little memory."""
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
