"""What finance must publish about paying: the Procurement Act 2023 s.70 payments list and the
s.69 payment compliance figures (Procurement Regulations 2024 reg. 38), from actual payments.

s.70 — each **payment** over £30,000 (including VAT; strictly more) made in the range, one row
per payment, never summed per provider or quarter: the day, the amount, the supplier and its
identifier (Companies House number as GB-COH-…, else the DPS's own organisation id), a
description (the lots of the invoice's lines and the provider's invoice number: never a child)
and the ledger's payment reference.

s.69 — over the invoices **paid** in the range (paid in full on `paid_on`): how many, the
average days from `received_on` to `paid_on`, and the share paid within 30 days, in 31 to 60
days and after 60 days. "Due and unpaid": an invoice falls due 30 days after it was received;
of the invoices (not rejected) falling due within the range, the share not paid in full by the
range's last day. Percentages and the average to one decimal place, half up.

The reminder: once a quarter has ended, each authority's finance officers are e-mailed (once per
quarter: an audit row on the authority, under its row lock, says it was sent) to publish the
quarter's list, due 30 days after the quarter's end.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dps import audit
from dps.models import AuditEntry, Organisation
from invoicing.models import Invoice, InvoiceLine, Payment

THRESHOLD = Decimal("30000.00")
DUE_AFTER_DAYS = 30
ONE_PLACE = Decimal("0.1")
REMINDER = "invoicing.s70_reminder"


@dataclass
class PublishedPayment:
    paid_on: dt.date
    amount: Decimal
    authority_id: int
    authority: str
    provider_id: int
    provider: str
    provider_identifier: str
    description: str
    reference: str


@dataclass
class PublishedPayments:
    date_from: dt.date
    date_to: dt.date
    threshold: Decimal
    rows: list


def provider_identifier(organisation):
    if organisation.companies_house_number:
        return f"GB-COH-{organisation.companies_house_number}"
    return f"dps-org-{organisation.pk}"


def _scoped(queryset, authority, filters, *, field):
    if authority is not None:
        queryset = queryset.filter(**{f"{field}authority": authority})
    filters = filters or {}
    if filters.get("authority"):
        queryset = queryset.filter(**{f"{field}authority_id": int(filters["authority"])})
    if filters.get("provider"):
        queryset = queryset.filter(**{f"{field}provider_id": int(filters["provider"])})
    if filters.get("lot"):
        lot = int(getattr(filters["lot"], "pk", filters["lot"]))
        lines = InvoiceLine.objects.filter(Q(placement__lot_id=lot) | Q(block__lot_id=lot))
        queryset = queryset.filter(**{f"{field}pk__in": lines.values("invoice_id")})
    return queryset


def _descriptions(invoice_ids):
    lots = {}
    for invoice_id, placement_lot, block_lot in InvoiceLine.objects.filter(
            invoice_id__in=invoice_ids).values_list("invoice_id", "placement__lot__name",
                                                    "block__lot__name"):
        name = placement_lot or block_lot
        if name:
            lots.setdefault(invoice_id, set()).add(name)
    return {pk: ", ".join(sorted(names)) for pk, names in lots.items()}


def published_payments(*, date_from, date_to, authority=None, filters=None,
                       threshold=THRESHOLD):
    """The s.70 list: every payment over `threshold` paid from `date_from` to `date_to`."""
    payments = _scoped(Payment.objects.filter(paid_on__range=(date_from, date_to),
                                              amount__gt=threshold),
                       authority, filters, field="invoice__")
    payments = list(payments.select_related("invoice__provider", "invoice__authority")
                    .order_by("paid_on", "invoice__authority__name", "invoice__provider__name",
                              "reference", "pk"))
    lots = _descriptions({p.invoice_id for p in payments})
    rows = []
    for payment in payments:
        invoice = payment.invoice
        what = lots.get(invoice.pk) or "Children's placements"
        rows.append(PublishedPayment(
            paid_on=payment.paid_on, amount=payment.amount, authority_id=invoice.authority_id,
            authority=invoice.authority.name, provider_id=invoice.provider_id,
            provider=invoice.provider.name,
            provider_identifier=provider_identifier(invoice.provider),
            description=f"Children's placements ({what}): invoice {invoice.reference}",
            reference=payment.reference))
    return PublishedPayments(date_from=date_from, date_to=date_to, threshold=threshold,
                             rows=rows)


@dataclass
class Compliance:
    date_from: dt.date
    date_to: dt.date
    invoices_paid: int
    average_days_to_pay: Decimal | None
    paid_within_30_days_pct: Decimal
    paid_31_to_60_days_pct: Decimal
    paid_after_60_days_pct: Decimal
    due_unpaid_pct: Decimal
    invoices_due: int
    invoices_due_unpaid: int


def _pct(part, whole):
    if not whole:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def payment_compliance(*, date_from, date_to, authority=None, filters=None):
    """The s.69 figures for the range (see the module's docstring for each definition)."""
    paid = _scoped(Invoice.objects.filter(status=Invoice.Status.PAID,
                                          paid_on__range=(date_from, date_to)),
                   authority, filters, field="")
    days = [(paid_on - received_on).days
            for received_on, paid_on in paid.values_list("received_on", "paid_on")]
    count = len(days)
    average = ((Decimal(sum(days)) / count).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)
               if count else None)
    due = _scoped(Invoice.objects.exclude(status=Invoice.Status.REJECTED).filter(
        received_on__range=(date_from - dt.timedelta(days=DUE_AFTER_DAYS),
                            date_to - dt.timedelta(days=DUE_AFTER_DAYS))),
        authority, filters, field="")
    due_count = due.count()
    unpaid = due.filter(Q(paid_on__isnull=True) | Q(paid_on__gt=date_to)).count()
    return Compliance(
        date_from=date_from, date_to=date_to, invoices_paid=count,
        average_days_to_pay=average,
        paid_within_30_days_pct=_pct(sum(1 for d in days if d <= 30), count),
        paid_31_to_60_days_pct=_pct(sum(1 for d in days if 30 < d <= 60), count),
        paid_after_60_days_pct=_pct(sum(1 for d in days if d > 60), count),
        due_unpaid_pct=_pct(unpaid, due_count), invoices_due=due_count,
        invoices_due_unpaid=unpaid)


# --- The quarterly reminder -------------------------------------------------------------------

def last_ended_quarter(today):
    """(label, first day, last day) of the latest financial-year quarter ended before today."""
    from reports.payments import quarter_of

    label, start, end = quarter_of(today.year, today.month)
    previous = start - dt.timedelta(days=1)
    return quarter_of(previous.year, previous.month)


def send_s70_reminders(today=None):
    """Remind each authority's finance officers, once per quarter, to publish the last ended
    quarter's s.70 list. Two runs at once: the authority's row lock (skip_locked) and the audit
    row make it once."""
    from invoicing import emails
    from reports.payments import PUBLISH_WITHIN_DAYS

    today = today or timezone.localdate()
    label, start, end = last_ended_quarter(today)
    due_by = end + dt.timedelta(days=PUBLISH_WITHIN_DAYS)
    content_type = ContentType.objects.get_for_model(Organisation)
    sent = 0
    for pk in Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY).order_by("pk") \
            .values_list("pk", flat=True):
        with transaction.atomic():
            authority = (Organisation.objects.select_for_update(skip_locked=True)
                         .filter(pk=pk).first())
            if authority is None or AuditEntry.objects.filter(
                    content_type=content_type, object_id=pk, action=REMINDER,
                    to_state=label).exists():
                continue
            audit.record(authority, REMINDER, by=None, to_state=label,
                         data={"quarter_start": start.isoformat(),
                               "quarter_end": end.isoformat(), "due_by": due_by.isoformat()})
            sent += emails.send([emails.s70_reminder_message(authority, label, start, end,
                                                             due_by)])
    return sent
