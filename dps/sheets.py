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
import io
import shutil
import tempfile
from decimal import Decimal

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import CellNumberTuple, CellStringTuple

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


class StyledCell:
    """A value with its number format and weight, as `XlsxWriter.cell` returns it."""

    __slots__ = ("value", "style")

    def __init__(self, value, style):
        self.value = value
        self.style = style


class XlsxWriter:
    """One sheet, written row by row by XlsxWriter in constant-memory mode (each row goes to
    disk as it is appended, so 100,000 rows do not sit in memory), whose every text cell is
    neutralised. XlsxWriter rather than openpyxl: about twice as fast per cell
    (docs/adr/0005-libraries.md). Text is always written as a string cell: the library's own
    guesses (a string starting `=` as a formula, `http://` as a link) are switched off too."""

    def __init__(self, title, widths=(), freeze_header=True):
        # The workbook is built in a temporary file and copied to the target on `save`.
        self._file = tempfile.TemporaryFile()
        self.workbook = xlsxwriter.Workbook(self._file, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "default_date_format": "yyyy-mm-dd"})
        self.sheet = self.workbook.add_worksheet(title[:31])
        if freeze_header:
            self.sheet.freeze_panes(1, 0)
        for number, width in enumerate(widths):
            self.sheet.set_column(number, number, width)
        self._styles = {}
        self._row = 0

    def _style(self, number_format, bold):
        key = (number_format, bold)
        if key not in self._styles:
            options = {"num_format": number_format} if number_format else {}
            if bold:
                options["bold"] = True
            self._styles[key] = self.workbook.add_format(options) if options else None
        return self._styles[key]

    def cell(self, value, number_format=None, bold=False):
        """A styled cell (a number format, bold), for `append`."""
        return StyledCell(value, self._style(number_format, bold))

    def append(self, values):
        """A row of cells from `cell` or plain values (text, numbers, dates, None)."""
        sheet, row = self.sheet, self._row
        for column, value in enumerate(values):
            style = None
            if isinstance(value, StyledCell):
                value, style = value.value, value.style
            if value is None:
                if style is not None:
                    sheet.write_blank(row, column, None, style)
            elif isinstance(value, NUMBERS):
                sheet.write_number(row, column, value, style)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(row, column, value, style)
            else:
                sheet.write_string(row, column, neutralise(str(value)), style)
        self._row += 1

    def extend(self, rows, styles):
        """Many rows of plain values (text, numbers, dates; None leaves the cell out), column
        `i` styled with `styles[i]` (a format from `cell(...).style`, or None): the cells
        `append` would write for them (tests/reports/test_exports.py compares the two sheets
        byte for byte), several times faster. `append` builds the library's cell object for
        every value and escapes every string; here each row is one string straight into the
        sheet's row file, from fragments the library itself rendered, once per column and per
        distinct text."""
        sheet = self.sheet
        sheet._write_single_row(self._row)  # the pending row (the header) goes out first
        fragments = _Fragments(sheet, styles)
        row_tag = fragments.row_tag
        number_cell, text_cell = fragments.number, fragments.text
        convert = sheet._convert_date_time
        out = sheet.fh
        first = row = self._row
        for values in rows:
            number = str(row + 1)
            parts = [row_tag.format(number)]
            for column, value in enumerate(values):
                if value is None:
                    continue  # no cell, styled or not
                if isinstance(value, NUMBERS):
                    parts.append(number_cell[column].format(number, value))
                elif isinstance(value, datetime.date):
                    parts.append(number_cell[column].format(number, convert(value)))
                else:
                    parts.append(text_cell(column, neutralise(str(value))).format(number))
            parts.append("</row>")
            out.write("".join(parts))
            row += 1
        if row > first:
            # What the library records as cells are written: the sheet's extent.
            sheet._check_dimensions(first, 0)
            sheet._check_dimensions(row - 1, len(styles) - 1)
            sheet.previous_row = row - 1
        self._row = row
        return row - first

    def save(self, target):
        self.workbook.close()
        self._file.seek(0)
        if hasattr(target, "write"):
            shutil.copyfileobj(self._file, target)
        else:
            with open(target, "wb") as handle:
                shutil.copyfileobj(self._file, handle)
        self._file.close()


class _Fragments:
    """XML of one sheet's cells as the library writes them in constant-memory mode, rendered
    by its own code (escaping, whitespace, formats) into templates with the row left open."""

    def __init__(self, sheet, styles):
        self.sheet = sheet
        self.styles = list(styles)
        self.names = [xl_col_to_name(column) for column in range(len(self.styles))]
        self.row_tag = self._render(lambda: sheet._write_row(0, None)).replace(
            'r="1"', 'r="{}"', 1)
        self.number = [self._cell(column, CellNumberTuple(0, style)).replace(
            "<v>0</v>", "<v>{1:.16G}</v>", 1) for column, style in enumerate(self.styles)]
        self._texts = [{} for _ in self.styles]

    def _render(self, write):
        saved, self.sheet.fh = self.sheet.fh, io.StringIO()
        try:
            write()
            return self.sheet.fh.getvalue()
        finally:
            self.sheet.fh = saved

    def _cell(self, column, cell):
        xml = self._render(lambda: self.sheet._write_cell(0, column, cell))
        opening = f'<c r="{self.names[column]}1"'
        assert xml.startswith(opening), xml  # noqa: S101 - the library's layout, checked
        text = xml[len(opening):].replace("{", "{{").replace("}", "}}")
        return f'<c r="{self.names[column]}{{0}}"' + text

    def text(self, column, string):
        cache = self._texts[column]
        template = cache.get(string)
        if template is None:
            string = string[:self.sheet.xls_strmax]  # as write_string truncates
            template = self._cell(column, CellStringTuple(string, self.styles[column]))
            if len(cache) < 50_000:  # names and labels repeat; free text need not be kept
                cache[string] = template
        return template
