"""Payments against approved invoices: recorded by finance, or imported from a remittance file
(invoicing/remittance.py). An invoice is `paid` once its payments reach its approved total."""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from dps import audit, formatting
from dps.errors import Conflict, InvalidTransition, RuleViolation
from dps.transitions import move
from invoicing import summary
from invoicing.access import require_finance
from invoicing.models import Invoice, Payment

PENNY = Decimal("0.01")


def _invalid(problems):
    messages = next(iter(problems.values()))
    return RuleViolation(messages[0], code="invalid", fields=problems)


def payment_problems(invoice, *, paid_on, amount, reference):
    """{field: [message]} for the shape of a payment (amount, day, reference)."""
    problems = {}
    if not isinstance(paid_on, dt.date):
        problems["paid_on"] = ["Enter the day it was paid."]
    elif paid_on > timezone.localdate():
        problems["paid_on"] = ["Cannot be in the future: record a payment once it is made."]
    elif paid_on < invoice.received_on:
        problems["paid_on"] = [f"Cannot be before the invoice was received "
                               f"({formatting.long_date(invoice.received_on)})."]
    if not isinstance(amount, Decimal) or not amount.is_finite():
        problems["amount"] = ["Enter the amount paid, in pounds and pence."]
    elif amount <= 0:
        problems["amount"] = ["Must be more than £0.00."]
    elif amount != amount.quantize(PENNY):
        problems["amount"] = ["Give the amount to the penny (two decimal places)."]
    if not (reference or "").strip():
        problems["reference"] = ["Enter the ledger's payment reference."]
    elif len(reference.strip()) > Payment._meta.get_field("reference").max_length:
        problems["reference"] = ["At most 60 characters."]
    return problems


def paid_so_far(invoice):
    return invoice.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")


@transaction.atomic
def record_payment(invoice, *, paid_on, amount, reference, by, remittance=None):
    """Record one payment of an approved invoice. 409 duplicate_payment for a reference the
    invoice already has (also two at once: the invoice row is locked, and the unique constraint
    is the last word); 409 invalid_transition unless approved; 400 overpayment beyond the
    approved total. The payment that reaches it makes the invoice `paid` on its day."""
    pk = invoice.pk if isinstance(invoice, Invoice) else int(invoice)
    invoice = Invoice.objects.select_for_update(of=("self",)).get(pk=pk)
    require_finance(invoice, by)
    reference = (reference or "").strip()
    if reference and invoice.payments.filter(reference=reference).exists():
        raise Conflict(f"Payment {reference} is already recorded on invoice "
                       f"{invoice.reference}.", code="duplicate_payment")
    if invoice.status != Invoice.Status.APPROVED:
        raise InvalidTransition(
            f"Only an approved invoice can be paid; invoice {invoice.reference} is "
            f"{invoice.get_status_display().lower()}.")
    problems = payment_problems(invoice, paid_on=paid_on, amount=amount, reference=reference)
    if problems:
        raise _invalid(problems)
    before = paid_so_far(invoice)
    outstanding = invoice.approved_total - before
    if amount > outstanding:
        raise RuleViolation(
            f"This would pay {formatting.money(before + amount)} against an approved total of "
            f"{formatting.money(invoice.approved_total)}: at most "
            f"{formatting.money(outstanding)} is outstanding.",
            code="overpayment", fields={"amount": [f"At most {formatting.money(outstanding)}."]})
    try:
        with transaction.atomic():
            payment = Payment.objects.create(invoice=invoice, paid_on=paid_on, amount=amount,
                                             reference=reference, remittance=remittance,
                                             recorded_by=by if by.is_authenticated else None)
    except IntegrityError as exc:
        raise Conflict(f"Payment {reference} is already recorded on invoice "
                       f"{invoice.reference}.", code="duplicate_payment") from exc
    summary.payment_recorded([payment.pk])
    audit.record(payment, "payment.recorded", by=by, data={
        "invoice": invoice.pk, "amount": str(amount), "paid_on": paid_on.isoformat(),
        "remittance": remittance.pk if remittance else None})
    if before + amount == invoice.approved_total:
        write = move(invoice, "mark_paid", by=by, verb="mark as paid",
                     data={"payment": payment.pk})
        invoice.paid_on = invoice.payments.order_by("-paid_on").values_list(
            "paid_on", flat=True).first()
        invoice.save(update_fields=["status", "paid_on"])
        write()
    return payment
