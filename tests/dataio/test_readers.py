"""Reading import files: encodings, delimiters, XLSX cells, and rows that cannot be read."""

from __future__ import annotations

import codecs
import io
import tracemalloc
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from guanxi.core.errors import ValidationFailed
from guanxi.dataio import readers

CHINESE = "姓名,手机,公司\n张三,13812345678,北京字节跳动科技有限公司\n"


def read(content: bytes, filename: str = "f.csv") -> tuple[readers.FileInfo, list[str], list]:
    stream = io.BytesIO(content)
    info = readers.detect(stream, filename)
    table = readers.open_table(stream, info)
    return info, table.headers, list(table.rows())


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (CHINESE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + CHINESE.encode("utf-8"), "utf-8-sig"),
        (CHINESE.encode("gbk"), "gb18030"),
        (CHINESE.encode("gb18030"), "gb18030"),
        (codecs.BOM_UTF16_LE + CHINESE.encode("utf-16-le"), "utf-16"),
    ],
    ids=["utf-8", "utf-8-bom", "gbk", "gb18030", "utf-16-bom"],
)
def test_encoding_is_detected_and_the_text_read_right(content, encoding):
    info, headers, rows = read(content)

    assert info.encoding == encoding
    assert headers == ["姓名", "手机", "公司"]
    assert rows[0].cells == ["张三", "13812345678", "北京字节跳动科技有限公司"]
    assert rows[0].number == 2


def test_gb18030_only_characters_are_read():
    # 㐀 (U+3400) is in GB18030 but not in GBK.
    info, _headers, rows = read("名字\n㐀哥\n".encode("gb18030"))

    assert info.encoding == "gb18030"
    assert rows[0].cells == ["㐀哥"]


def test_other_encodings_are_recognised_by_charset_normalizer():
    # Windows-1252 as a European Excel saves it: neither UTF-8 nor GB18030.
    content = "Name;City\nCafé Müller;Zürich\nRenée;Genève\n".encode("cp1252")

    info, headers, rows = read(content)

    assert info.encoding not in ("utf-8", "gb18030")
    assert info.delimiter == ";"
    assert headers == ["Name", "City"]
    assert rows[0].cells == ["Café Müller", "Zürich"]


def test_binary_data_is_refused_with_a_clear_error():
    with pytest.raises(ValidationFailed) as refused:
        read(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))

    assert "binary" in refused.value.fields["file"][0]


def test_utf16_without_a_bom_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        read(CHINESE.encode("utf-16-le"))

    assert refused.value.fields["file"]


def test_a_file_claiming_utf8_with_a_bom_but_broken_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        read(codecs.BOM_UTF8 + b"Name\n\xff\xfe\xfa\n")

    assert refused.value.fields["file"]


@pytest.mark.parametrize("content", [b"", b"\n\n  \n", b",,,\n"], ids=["empty", "blank", "commas"])
def test_a_file_without_a_header_row_is_refused(content):
    with pytest.raises(ValidationFailed) as refused:
        read(content)

    assert "empty" in refused.value.fields["file"][0]


def test_header_only_has_no_rows():
    _info, headers, rows = read(b"Name,Mobile\n")

    assert headers == ["Name", "Mobile"]
    assert rows == []


def test_old_xls_files_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        read(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")

    assert ".xls" in refused.value.fields["file"][0]


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")

    with pytest.raises(ValidationFailed) as refused:
        read(buffer.getvalue(), "fake.xlsx")

    assert refused.value.fields["file"]


@pytest.mark.parametrize(("delimiter", "name"), [("\t", "tab"), (";", "semicolon"), ("|", "pipe")])
def test_the_delimiter_is_sniffed(delimiter, name):
    content = f"Name{delimiter}Mobile{delimiter}Note\nAda{delimiter}13812345678{delimiter}a, b\n"

    info, headers, rows = read(content.encode())

    assert info.delimiter == delimiter
    assert headers == ["Name", "Mobile", "Note"]
    assert rows[0].cells == ["Ada", "13812345678", "a, b"]


def test_repeated_and_blank_headers_are_made_unique():
    _info, headers, _rows = read(b"Phone,Name,Phone,,x\n1,2,3,4,5\n")

    assert headers == ["Phone", "Name", "Phone (2)", "Column 4", "x"]


def test_too_many_columns_are_refused():
    header = ",".join(f"c{i}" for i in range(readers.MAX_COLUMNS + 1))

    with pytest.raises(ValidationFailed) as refused:
        read(f"{header}\n".encode())

    assert "columns" in refused.value.fields["file"][0]


def test_blank_rows_are_not_rows_and_numbers_follow_the_spreadsheet():
    _info, _headers, rows = read(b"\nName\nAda\n\n,\nBob\n")

    assert [(r.number, r.cells) for r in rows] == [(3, ["Ada"]), (6, ["Bob"])]


def test_short_rows_are_padded_and_long_rows_reported():
    _info, _headers, rows = read(b"A,B,C\n1\n1,2,3,,\n1,2,3,4\n")

    assert rows[0].cells == ["1", "", ""] and not rows[0].problem
    assert rows[1].cells == ["1", "2", "3"] and not rows[1].problem
    assert "4 cells" in rows[2].problem


def test_a_20_mb_cell_is_a_row_error_read_with_flat_memory():
    big = "x" * (20 * 1024 * 1024)
    content = f"Name,Note\nAda,short\nBob,{big}\nCid,fine\n".encode()
    stream = io.BytesIO(content)
    info = readers.detect(stream, "big.csv")
    del big

    tracemalloc.start()
    try:
        rows = list(readers.open_table(stream, info).rows())
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].cells == ["Ada", "short"]
    assert "longer than" in rows[1].problem and rows[1].cells == []
    assert rows[2].cells == ["Cid", "fine"]
    assert peak < 8 * 1024 * 1024  # never the 20 MB line at once


def test_a_large_quoted_cell_over_several_lines_is_a_row_error():
    big = "y\n" * 100_000  # 200,000 characters in one quoted cell
    content = f'Name,Note\nAda,"{big}"\nBob,ok\n'.encode()

    _info, _headers, rows = read(content)

    assert "longer than" in rows[0].problem
    assert rows[-1].cells == ["Bob", "ok"]


def test_a_quote_never_closed_is_a_row_error():
    _info, _headers, rows = read(b'Name,Note\nAda,fine\nBob,"never closed\nCid,lost\n')

    assert rows[0].cells == ["Ada", "fine"]
    assert "never closed" in rows[1].problem


def test_text_after_a_closing_quote_is_a_row_error_and_reading_goes_on():
    _info, _headers, rows = read(b'Name,Note\n"Ada"x,1\nBob,2\n')

    assert "doubled" in rows[0].problem
    assert rows[1].cells == ["Bob", "2"]


def test_quoted_cells_keep_commas_quotes_and_newlines():
    _info, _headers, rows = read(b'Name,Note\n"Li, Wei","He said ""hi""\nthen left"\n')

    assert rows[0].cells == ["Li, Wei", 'He said "hi"\nthen left']


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_become_the_text_the_cleaners_take():
    content = _xlsx(
        [
            ["姓名", "手机", "生日", "金额", "已婚", "见面"],
            ["张三", 13812345678, date(1990, 5, 1), 12.5, True, datetime(2024, 1, 2, 9, 30)],
            [None, None, None, None, None, None],
            ["李四", 13912345678.0, datetime(1985, 1, 2), 3, False, None],
        ]
    )

    info, headers, rows = read(content, "people.xlsx")

    assert info.file_format == "xlsx"
    assert headers == ["姓名", "手机", "生日", "金额", "已婚", "见面"]
    assert rows[0].cells == [
        "张三",
        "13812345678",
        "1990-05-01",
        "12.5",
        "true",
        "2024-01-02 09:30:00",
    ]
    assert rows[1].number == 4
    assert rows[1].cells == ["李四", "13912345678", "1985-01-02", "3", "false", ""]


def test_count_rows_counts_data_rows():
    content = b"Name\nA\n\nB\nC\n"
    stream = io.BytesIO(content)
    info = readers.detect(stream)

    assert readers.count_rows(stream, info) == 3
