"""Every CSV and XLSX file the system writes goes through here (API.md v1.1: exports).

A spreadsheet runs a text cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage
return before one) as a formula: a provider registered as `=HYPERLINK("http://…","Invoice")`
would reach finance's spend export as a live link (openpyxl even writes such a string as a real
formula cell). So, by OWASP's CSV-injection rule, a *text* cell starting with any of those is
written with a leading `'`. Numbers, decimals and dates are not text: they stay numbers (a
negative amount is still `-12.50`, and a number cell in XLSX). `tests/reports/test_formula_
injection.py` fails if a CSV or XLSX writer appears anywhere else.
"""

import csv
import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBERS = (bool, int, float, Decimal)
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise(text):
    """`text` as a spreadsheet will read it back as text, never as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(value):
    """One CSV field: empty for None, ISO dates, plain numbers, neutralised text."""
    if value is None:
        return ""
    if isinstance(value, NUMBERS):
        return str(value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


class CsvWriter:
    """`csv.writer` (CRLF rows) whose every text field is neutralised."""

    def __init__(self, stream):
        self._writer = csv.writer(stream, lineterminator="\r\n")

    def writerow(self, values):
        self._writer.writerow([csv_value(v) for v in values])


class XlsxWriter:
    """One sheet in openpyxl's write-only mode (row by row, so 100,000 rows do not sit in
    memory), whose every text cell is neutralised."""

    BOLD = Font(bold=True)

    def __init__(self, title, widths=(), freeze_header=True):
        self.workbook = Workbook(write_only=True)
        self.sheet = self.workbook.create_sheet(title=title[:31])
        if freeze_header:
            self.sheet.freeze_panes = "A2"
        for number, width in enumerate(widths, start=1):
            self.sheet.column_dimensions[get_column_letter(number)].width = width

    @staticmethod
    def _value(value):
        if value is None or isinstance(value, (*NUMBERS, datetime.date)):
            return value
        return neutralise(str(value))

    def cell(self, value, number_format=None, bold=False):
        """A styled cell (a number format, bold), for `append`."""
        out = WriteOnlyCell(self.sheet, value=self._value(value))
        if number_format is not None:
            out.number_format = number_format
        if bold:
            out.font = self.BOLD
        return out

    def append(self, values):
        """A row of cells from `cell` or plain values (text, numbers, dates, None)."""
        self.sheet.append([v if isinstance(v, Cell) else self._value(v)
                           for v in values])

    def save(self, target):
        self.workbook.save(target)
