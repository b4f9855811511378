"""A provider's invoices from a CSV or XLSX file: one invoice per reference, all or none.

Columns `reference, placement, kind, support_item, from, to, amount` (and `block` for block
lines); rows are numbered as a spreadsheet shows them, the header being row 1. A refusal names
the row (`fields` keyed "row N"), with the code the same invoice would get over the API.

An XLSX file is recognised by its content (a ZIP archive), not by its name or the declared
content type: its first sheet is read as the CSV would be, cells turned into the same text
(dates as YYYY-MM-DD, whole numbers without ".0"), so both go through the same checks.
"""

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

from django.db import transaction

from dps.errors import DomainError, RuleViolation
from invoicing.batch import submit_invoices

COLUMNS = ("reference", "placement", "kind", "support_item", "from", "to", "amount")
OPTIONAL = ("block",)
MAX_ROWS = 20000
# What openpyxl raises on a file that is no workbook or a broken one (XML parse errors,
# lxml's and the standard library's, are SyntaxErrors).
BAD_WORKBOOK = (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError,
                AttributeError, IndexError)


def _invalid(fields, detail="Some rows are not valid: see fields."):
    return RuleViolation(detail, code="invalid", fields=fields)


def _decode(data):
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _invalid({"file": ["Save the file as CSV in UTF-8."]},
                       "The file is not UTF-8 text.") from None


def is_xlsx(data):
    """An XLSX workbook is a ZIP archive: its first bytes say so whatever the file is called."""
    return isinstance(data, bytes | bytearray) and bytes(data[:4]) == b"PK\x03\x04"


def _csv_rows(data):
    text = _decode(data)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _invalid({"file": [f"Not a CSV file: {exc}."]}, "The file is not CSV.") from None


def _cell_text(value):
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        # Excel keeps dates as date-times; a line's days are whole days.
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # The shortest text that reads back as this float: 123.45, not 123.4500000001.
        return str(Decimal(repr(value)))
    return str(value)


def _xlsx_rows(data):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(bytes(data)), read_only=True, data_only=True)
    except BAD_WORKBOOK as exc:
        raise _invalid({"file": ["Not an XLSX workbook: save it from your spreadsheet as "
                                 "Excel Workbook (.xlsx) or as CSV."]},
                       f"The file is not an XLSX workbook ({type(exc).__name__}).") from None
    try:
        if not book.worksheets:
            return []
        rows = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append([_cell_text(v) for v in row])
            if len(rows) > MAX_ROWS + 1:
                break
    except BAD_WORKBOOK:
        raise _invalid({"file": ["The workbook could not be read: save it again as .xlsx or "
                                 "as CSV."]}, "The workbook could not be read.") from None
    finally:
        book.close()
    # A sheet's rows are as wide as its widest row: drop the empty cells on the right, then
    # pad to the header's width (a row with more filled cells than the header is refused).
    out = []
    for row in rows:
        while row and not row[-1].strip():
            row.pop()
        out.append(row)
    width = len(out[0]) if out else 0
    return [r + [""] * (width - len(r)) if any(c.strip() for c in r) else r for r in out]


def parse_rows(data):
    """[(row number, {column: text})], refusing a file without the columns."""
    rows = _xlsx_rows(data) if is_xlsx(data) else _csv_rows(data)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise _invalid({"file": ["The file is empty."]}, "The file is empty.")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        problems = [f"Missing column {c}." for c in missing]
        problems += [f"Unknown column {h}." for h in unknown]
        if len(set(header)) != len(header):
            problems.append("A column is named twice.")
        raise _invalid({"row 1": problems}, "The header row must name the columns "
                       f"{', '.join(COLUMNS)}.")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(row) != len(header):
            raise _invalid({f"row {number}": [f"{len(row)} cells: the header has "
                                              f"{len(header)}."]})
        out.append((number, {h: cell.strip() for h, cell in zip(header, row, strict=True)}))
        if len(out) > MAX_ROWS:
            raise _invalid({"file": [f"At most {MAX_ROWS} rows."]}, "The file is too long.")
    if not out:
        raise _invalid({"file": ["No invoice lines."]}, "The file has no rows.")
    return out


def _messages(errors):
    """A serializer's errors of one row as sentences naming the column."""
    out = []
    for field, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            out.append(f"{field}: {message}" if field != "non_field_errors" else str(message))
    return out


def clean_rows(rows):
    """{reference: [(row number, line dict)]} in the file's order, or `invalid` naming every
    bad row."""
    from invoicing.api.serializers import InvoiceLineInputSerializer

    invoices, problems = {}, {}
    for number, row in rows:
        data = {k: (v if v != "" else None) for k, v in row.items() if k != "reference"}
        serializer = InvoiceLineInputSerializer(data=data)
        reference = row["reference"]
        if not reference:
            problems[f"row {number}"] = ["reference: Give your invoice reference."]
        elif not serializer.is_valid():
            problems[f"row {number}"] = _messages(serializer.errors)
        else:
            invoices.setdefault(reference, []).append((number, serializer.validated_data))
    if problems:
        raise _invalid(problems)
    return invoices


def _by_row(exc, numbers):
    """The service's refusal (`lines.N.field`) with its fields keyed by the file's row."""
    fields = {}
    for key, messages in exc.fields.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) >= 2 and parts[1].isdigit():
            row = numbers[int(parts[1])]
            column = parts[2] if len(parts) > 2 else ""
            fields.setdefault(f"row {row}", []).extend(
                f"{column}: {m}" if column else m for m in messages)
        else:
            fields.setdefault(f"row {numbers[0]}", []).extend(
                f"{key}: {m}" for m in messages)
    return DomainError(f"Row {min(int(k[4:]) for k in fields)}: {exc.detail}", code=exc.code,
                       status=exc.status, fields=fields)


@transaction.atomic
def submit_file(provider, data, *, by, channel="upload"):
    """Every invoice of the file (CSV or XLSX), or none: [Invoice] in the file's order, checked
    and vouched together (invoicing.batch)."""
    invoices = clean_rows(parse_rows(data))
    numbers = [[number for number, _line in lines] for lines in invoices.values()]
    batch = [(provider, reference, [line for _n, line in lines])
             for reference, lines in invoices.items()]
    try:
        return submit_invoices(batch, by=by, channel=channel)
    except DomainError as exc:
        index = getattr(exc, "invoice_index", 0)
        raise _by_row(exc, numbers[index]) from None


# The name the API and pages have always called: a CSV or an XLSX file.
submit_csv = submit_file
