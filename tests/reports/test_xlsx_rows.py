"""XLSX rows through `dps.sheets.XlsxWriter.extend` (the fast path `write_xlsx` takes): the
file is the one the cell-by-cell `append` path writes, byte for byte, awkward text included, and
text that a spreadsheet would run as a formula is still neutralised."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from dps import sheets
from reports import exports
from reports.exports import Column, Table

COLUMNS = [Column("Name", "text", 30), Column("Number", "int", 10),
           Column("Amount", "money", 14), Column("Paid on", "date", 14),
           Column("Note", "text", 40)]
AWKWARD = ['=HYPERLINK("http://evil.example","x")', "+44 Care", "-1+1 Homes", "@SUM(A1)",
           "\tTabbed", "\rReturned", "  leading and trailing  ", "a & b < c > d \"q\"",
           "control \x01\x02 chars", "literal _x0041_ escape", "line\nbreak", "ünïcode £",
           "{braces} {0} {1:.16G}", "x" * 40_000, "", "Plain Care Ltd"]


def rows():
    out = []
    for number in range(600):
        text = AWKWARD[number % len(AWKWARD)]
        out.append((text, number if number % 7 else None,
                    None if number % 11 == 0 else Decimal(number * 37 - 5000) / 100,
                    dt.date(2026, 1, 1) + dt.timedelta(days=number) if number % 5 else None,
                    AWKWARD[(number * 3) % len(AWKWARD)]))
    return out


def reference_xlsx(table):
    """The rows cell by cell through `append`, as write_xlsx wrote them before the fast path."""
    book = sheets.XlsxWriter(table.title, widths=[c.width for c in table.columns])
    formats = {"money": exports.CURRENCY_FORMAT, "date": exports.DATE_FORMAT}

    def cell(value, kind, bold=False):
        return book.cell(exports._typed(value, kind), number_format=formats.get(kind),
                         bold=bold)

    book.append([cell(c.header, "text", bold=True) for c in table.columns])
    kinds = [c.kind for c in table.columns]
    for row in table.rows:
        book.append([cell(v, k) if k in formats and v is not None else exports._typed(v, k)
                     for v, k in zip(row, kinds, strict=True)])
    book.append([cell(v, k, bold=True) for v, k in zip(table.totals, kinds, strict=True)])
    handle = io.BytesIO()
    book.save(handle)
    return handle.getvalue()


def parts(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        # The creation time in docProps/core.xml is the only part that differs between runs.
        return {name: archive.read(name) for name in archive.namelist()
                if name != "docProps/core.xml"}


def table():
    return Table("Spend lines", COLUMNS, iter(rows()),
                 totals=("Total", None, Decimal("123.45"), None, ""))


def test_the_fast_rows_write_the_same_file_as_cell_by_cell():
    fast = exports.xlsx_bytes(table())
    slow = reference_xlsx(table())
    assert parts(fast).keys() == parts(slow).keys()
    for name, content in parts(slow).items():
        assert parts(fast)[name] == content, name


def test_text_is_neutralised_and_values_keep_their_types():
    sheet = load_workbook(io.BytesIO(exports.xlsx_bytes(table()))).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Name", "Number", "Amount", "Paid on", "Note")
    body = values[1:-1]
    assert len(body) == 600
    for cell in [v for row in body for v in (row[0], row[4])]:
        assert cell is None or not str(cell).startswith(("=", "+", "-", "@", "\t", "\r"))
    assert body[0][0] == "'" + AWKWARD[0]
    assert body[1][1] == 1
    assert body[1][2] == -49.63
    assert sheet.cell(3, 3).number_format == exports.CURRENCY_FORMAT
    assert body[1][3] == dt.datetime(2026, 1, 2)
    assert sheet.cell(3, 4).number_format == exports.DATE_FORMAT
    assert body[0][2] is None  # no amount: no cell
    assert len(body[13][0]) == 32_767  # as the library truncates
    assert values[-1][:3] == ("Total", None, 123.45)
    assert sheet.freeze_panes == "A2"


def test_progress_counts_every_row():
    seen = []
    handle = io.BytesIO()
    written = exports.write_xlsx(Table("t", COLUMNS[:1], iter([("a",)] * 12_000)), handle,
                                 progress=seen.append)
    assert written == 12_000
    assert seen == [5000, 10000]
