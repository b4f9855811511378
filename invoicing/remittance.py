"""Remittance import: the finance ledger's payment-run file, as CSV, recorded as payments.

Columns `invoice_reference, provider, paid_on, amount, reference` (a header row; other columns
are ignored). `provider` is the provider organisation's id, or its name exactly as registered
(case and surrounding spaces aside): the invoice reference is the provider's own numbering, so
the pair names one invoice. `paid_on` is YYYY-MM-DD (or DD/MM/YYYY as ledgers write it).

All rows or none: any refused row → 400 `invalid` with `fields` keyed `"row N"`, N the row of
the file as a spreadsheet shows it (the header is row 1), and nothing is stored. Each payment
goes through `record_payment`, so every rule (approved only, no overpayment) holds.

Importing again changes nothing: the file is known by its SHA-256 per authority
(RemittanceImport), and a second import of the same bytes returns the first. A row whose payment
is already recorded (the same reference on the invoice, with the same day and amount — a
payment run exported twice, or recorded by hand first) is skipped, not refused; the same
reference with a different day or amount is refused.
"""

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from dps import formatting
from dps.errors import DomainError, Forbidden, RuleViolation
from dps.models import Organisation, Role
from invoicing.access import finance_scope
from invoicing.models import Invoice, Payment, RemittanceImport
from invoicing.payments import record_payment

COLUMNS = ("invoice_reference", "provider", "paid_on", "amount", "reference")
MAX_ROWS = 20000


@dataclass
class ImportResult:
    remittance: RemittanceImport
    created: list = field(default_factory=list)
    skipped: int = 0
    already_imported: bool = False


def _refuse(problems, detail=None):
    raise RuleViolation(detail or "The file was not imported: correct the rows listed and "
                        "import it again. Nothing was recorded.", code="invalid",
                        fields=problems)


def _day(text):
    text = (text or "").strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _amount(text):
    text = (text or "").strip().replace(",", "").lstrip("£")
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _rows(content):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        _refuse({"file": ["The file must be CSV in UTF-8."]})
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        _refuse({"file": [f"Missing column{'s' if len(missing) > 1 else ''}: "
                          f"{', '.join(missing)}."]})
    reader.fieldnames = header
    rows = []
    for number, row in enumerate(reader, start=2):
        if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
            continue  # a blank line
        rows.append((number, {name: (row.get(name) or "").strip() for name in COLUMNS}))
        if len(rows) > MAX_ROWS:
            _refuse({"file": [f"At most {MAX_ROWS} rows in one file."]})
    if not rows:
        _refuse({"file": ["The file has no payments."]})
    return rows


def _invoice_for(row, invoices, providers_by_name):
    provider = row["provider"]
    if provider.isdigit():
        provider_id = int(provider)
    else:
        provider_id = providers_by_name.get(provider.casefold())
    return invoices.get((provider_id, row["invoice_reference"]))


@transaction.atomic
def import_remittance(content, *, by, name=""):
    """Import the remittance CSV `content` (bytes) for the importer's authority."""
    if not by.has_role(Role.FINANCE, Role.DPS_ADMIN) or not by.organisation_id:
        raise Forbidden("Only finance officers import remittances.")
    authority = Organisation.objects.select_for_update().get(pk=by.organisation_id)
    digest = hashlib.sha256(content).hexdigest()
    earlier = RemittanceImport.objects.filter(authority=authority, sha256=digest).first()
    if earlier is not None:
        return ImportResult(remittance=earlier, already_imported=True)
    rows = _rows(content)
    references = {row["invoice_reference"] for _n, row in rows}
    scope = finance_scope(Invoice.objects.all(), by).filter(reference__in=references)
    invoices = {(inv.provider_id, inv.reference): inv for inv in scope}
    providers_by_name = {
        org_name.strip().casefold(): pk for pk, org_name in Organisation.objects.filter(
            pk__in={inv.provider_id for inv in invoices.values()}).values_list("pk", "name")}
    problems = {}
    wanted = []
    seen = set()
    for number, row in rows:
        key = f"row {number}"
        invoice = _invoice_for(row, invoices, providers_by_name)
        paid_on, amount = _day(row["paid_on"]), _amount(row["amount"])
        messages = []
        if invoice is None:
            messages.append(f"No invoice {row['invoice_reference']!r} from provider "
                            f"{row['provider']!r} is yours to pay.")
        if paid_on is None:
            messages.append(f"paid_on: {row['paid_on']!r} is not a day: write it like "
                            f"31/12/2026 or 2026-12-31.")
        if amount is None:
            messages.append("amount: enter pounds and pence, for example 1250.00.")
        if not row["reference"]:
            messages.append("reference: enter the ledger's payment reference.")
        if messages:
            problems[key] = messages
            continue
        if (invoice.pk, row["reference"]) in seen:
            problems[key] = [f"Payment {row['reference']} is listed twice for this invoice."]
            continue
        seen.add((invoice.pk, row["reference"]))
        wanted.append((key, invoice, paid_on, amount, row["reference"]))
    existing = {(p.invoice_id, p.reference): p for p in Payment.objects.filter(
        invoice_id__in={w[1].pk for w in wanted}, reference__in={w[4] for w in wanted})}
    remittance = RemittanceImport.objects.create(authority=authority, sha256=digest,
                                                 name=(name or "")[:200], rows=len(rows),
                                                 imported_by=by)
    result = ImportResult(remittance=remittance)
    for key, invoice, paid_on, amount, reference in wanted:
        known = existing.get((invoice.pk, reference))
        if known is not None:
            if known.paid_on == paid_on and known.amount == amount:
                result.skipped += 1
            else:
                problems[key] = [f"Payment {reference} is already recorded on this invoice "
                                 f"as {formatting.money(known.amount)} on "
                                 f"{formatting.long_date(known.paid_on)}."]
            continue
        try:
            result.created.append(record_payment(invoice, paid_on=paid_on, amount=amount,
                                                 reference=reference, by=by,
                                                 remittance=remittance))
        except DomainError as exc:
            problems[key] = [exc.detail]
    if problems:
        _refuse(dict(sorted(problems.items(), key=lambda item: int(item[0].split()[1]))))
    return result
