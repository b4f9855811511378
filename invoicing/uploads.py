"""A provider's invoices from a CSV file: one invoice per reference, all of them or none.

Columns `reference, placement, kind, support_item, from, to, amount` (and `block` for block
lines); rows are numbered as a spreadsheet shows them, the header being row 1. A refusal names
the row (`fields` keyed "row N"), with the code the same invoice would get over the API.
"""

import csv
import io

from django.db import transaction

from dps.errors import DomainError, RuleViolation
from invoicing.submission import submit_invoice

COLUMNS = ("reference", "placement", "kind", "support_item", "from", "to", "amount")
OPTIONAL = ("block",)
MAX_ROWS = 20000


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


def parse_rows(data):
    """[(row number, {column: text})], refusing a file without the columns."""
    text = _decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise _invalid({"file": [f"Not a CSV file: {exc}."]}, "The file is not CSV.") from None
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
def submit_csv(provider, data, *, by, channel="upload"):
    """Every invoice of the file, or none: [Invoice] in the file's order."""
    invoices = clean_rows(parse_rows(data))
    out = []
    for reference, lines in invoices.items():
        numbers = [number for number, _line in lines]
        try:
            with transaction.atomic():
                out.append(submit_invoice(provider, reference=reference,
                                          lines=[line for _n, line in lines], by=by,
                                          channel=channel))
        except DomainError as exc:
            raise _by_row(exc, numbers) from None
    return out
