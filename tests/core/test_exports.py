from guanxi.core.exports import csv_lines, neutralize


def test_cells_a_spreadsheet_would_run_get_a_leading_quote():
    assert [neutralize(v) for v in ("=1+1", "+86 138", "-5", "@SUM", "\tx", "plain", None, 3)] == [
        "'=1+1",
        "'+86 138",
        "'-5",
        "'@SUM",
        "'\tx",
        "plain",
        "",
        "3",
    ]


def test_csv_starts_with_a_bom_and_neutralizes_every_cell():
    text = "".join(csv_lines(["名称", "=Header"], [["华东区", "=cmd|' /C calc'!A0"]]))
    assert text == "\ufeff名称,'=Header\r\n华东区,'=cmd|' /C calc'!A0\r\n"
