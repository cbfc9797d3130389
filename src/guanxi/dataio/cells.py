"""Spreadsheet-safe cells for every file dataio writes (exports and error files).

Every cell goes through core.exports.neutralize. That function guards cells that *start* with
= + - @ tab or CR; spreadsheets also run a formula typed after leading spaces or control
characters (" =1+1", "\\x00=cmd|…"), so `safe` adds the same guard for those until core's
function covers them (see the patch in the dataio report). Cells whose first character cannot
start a formula skip the call: the result is the same, and an export of a million rows avoids
millions of calls.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from guanxi.core.exports import neutralize

FORMULA_START = frozenset("=+-@\t\r")
# What a spreadsheet skips before it decides a cell is a formula.
LEADING_IGNORED = "".join(chr(c) for c in range(33)) + "\x7f\u00a0\u3000\ufeff"
# First characters that need a closer look: formula starts, spaces and control characters.
SUSPECT_START = frozenset(LEADING_IGNORED) | FORMULA_START


def safe(value: Any) -> str:
    text = "" if value is None else value if isinstance(value, str) else str(value)
    if not text or text[0] not in SUSPECT_START:
        return text
    text = neutralize(text)
    if text[:1] != "'" and text.lstrip(LEADING_IGNORED)[:1] in FORMULA_START:
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(header: Iterable[Any], rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """CSV text in chunks: a UTF-8 BOM first (Excel then reads Chinese correctly), every cell
    made safe. Rows are consumed lazily and written ~64 KB at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe(cell) for cell in header])
    buffer: list[str] = []
    size = 0
    for row in rows:
        line = writer.writerow([safe(cell) for cell in row])
        buffer.append(line)
        size += len(line)
        if size >= 65536:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)
