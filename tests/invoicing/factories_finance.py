"""Invoices as finance meets them: rows with given amounts, expected amounts and status.

Built directly (not through submit_invoice), so finance's rules are tested on their own. Each
line names a placement of the invoice's provider and authority.
"""

import datetime
from decimal import Decimal

from django.utils import timezone

from invoicing.models import Invoice, InvoiceLine, Payment
from tests import factories as f
from tests.contracts import factories as pf

_seq = iter(range(1, 10**9))


def invoice(*, status=Invoice.Status.VOUCHED, lines=(("1000.00", "1000.00"),), placement=None,
            authority=None, provider=None, received_on=None, reference=None,
            approved_total=None, date_from=None):
    """An invoice in `status` with a line per (amount, expected) pair, each over 7 past days
    of `placement` (a fresh one by default)."""
    if placement is None:
        kwargs = {}
        if authority is not None:
            kwargs["authority"] = authority
        if provider is not None:
            kwargs["provider"] = provider
            kwargs["cap"] = ""  # its membership may exist already
        placement = pf.PlacementFactory(**kwargs)
    authority = placement.authority
    provider = placement.provider
    today = timezone.localdate()
    start = date_from or max(placement.start_date, today - datetime.timedelta(days=28))
    total = sum((Decimal(a) for a, _e in lines), Decimal("0.00"))
    expected = sum((Decimal(e) for _a, e in lines), Decimal("0.00"))
    if approved_total is None and status in (Invoice.Status.APPROVED, Invoice.Status.PAID):
        approved_total = total
    inv = Invoice.objects.create(
        provider=provider, authority=authority, reference=reference or f"INV-{next(_seq)}",
        status=status, received_on=received_on or today, total=total, expected_total=expected,
        approved_total=approved_total)
    for index, (amount, exp) in enumerate(lines):
        day = start + datetime.timedelta(days=7 * index)
        InvoiceLine.objects.create(
            invoice=inv, kind=InvoiceLine.Kind.PLACEMENT, placement=placement, date_from=day,
            date_to=day + datetime.timedelta(days=6), amount=Decimal(amount),
            expected=Decimal(exp), live=status != Invoice.Status.REJECTED)
    return inv


def paid(inv, amount=None, paid_on=None, reference=None):
    """A payment row (no service) on `inv`."""
    return Payment.objects.create(invoice=inv, paid_on=paid_on or timezone.localdate(),
                                  amount=Decimal(amount or inv.approved_total or inv.total),
                                  reference=reference or f"PAY-{next(_seq)}")


def finance_of(authority, **kwargs):
    return f.FinanceFactory(organisation=authority, **kwargs)
