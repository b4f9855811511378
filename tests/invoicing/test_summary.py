"""The reconciliation's maintained sums (invoicing/summary.py, ADR 0028) are the line-by-line
rule of invoicing/basis.py, kept by the services.

Random invoices go through the services (submitted over random splits of each placement's,
support item's and block's past days, approved or rejected, the rejected days invoiced again,
paid in random parts on random days), with the sums built before the first one. Then: the sums
the services kept are the sums rebuilt from scratch; read over random ranges they give what the
oracle below computes one day at a time (a line's day k carries cum(k + 1) − cum(k), a
payment's shares by largest remainder); the invoiced-to day of each placement is its last live
fee line's; and the reconciliation reads the same with the sums as without them."""

import contextlib
import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing import decisions, payments, summary
from invoicing.basis import _pennies, _shares, invoiced_spend, paid_spend
from invoicing.models import (
    Invoice,
    InvoicedMonth,
    InvoicedTo,
    InvoiceLine,
    InvoicingSummaryState,
    PaidDay,
)
from invoicing.reconciliation import GROUPINGS, reconcile
from invoicing.reconciliation_sources import source_page
from reports import summary as spend_summary
from tests.invoicing.factories import TODAY, frozen_fixture, make_world, submitted  # noqa: F401
from tests.invoicing.factories import line as request_line
from tests.invoicing.oracle import key, line_days

pytestmark = pytest.mark.django_db
D = dt.date
S = Invoice.Status
READS = [None, "lot", "provider", "authority", "month", "source"]


def _splits(rng, first, last):
    """first..last cut into consecutive random pieces."""
    out, day = [], first
    while day <= last:
        end = min(last, day + dt.timedelta(days=rng.randrange(0, 40)))
        out.append((day, end))
        day = end + dt.timedelta(days=1)
    return out


def _invoice_world(rng):
    """A world whose invoices went through the services; returns it."""
    world = make_world()
    targets = [world.placement, world.support, world.block]
    pieces = [(t, a, b) for t in targets
              for a, b in _splits(rng, max(D(2026, 4, 1), getattr(t, "start_date", D(2026, 4, 1))),
                                  D(2026, 6, 10))]
    rng.shuffle(pieces)
    groups = {}
    for piece in pieces:
        groups.setdefault(rng.randrange(0, 4), []).append(piece)
    invoices, n = [], 0

    def submit(group):
        nonlocal n
        n += 1
        last = max(b for _t, _a, b in group)
        received = min(TODAY, last + dt.timedelta(days=rng.randrange(1, 20)))
        lines = [request_line(t, a, b, Decimal(rng.randrange(0, 300_000)) / 100)
                 for t, a, b in group]
        return submitted(world, f"R-{n}", lines, today=received), group

    for group in groups.values():
        invoices.append(submit(group))
    again = []
    for invoice, group in invoices:
        choice = rng.choice(["approve", "approve", "reject", "leave"])
        if choice == "reject":
            decisions.reject_invoice(invoice, reason="Wrong rate.", by=world.finance)
            again.append(group)
        elif choice == "approve":
            decisions.approve_invoice(invoice, by=world.finance,
                                      accept_difference_reason="Agreed by phone.")
    for group in again:  # the rejected days invoiced again, and approved
        invoice, _g = submit(group)
        decisions.approve_invoice(invoice, by=world.finance,
                                  accept_difference_reason="Corrected.")
    for invoice in Invoice.objects.filter(status=S.APPROVED).order_by("pk"):
        left = _pennies(invoice.approved_total)
        for k in range(rng.randrange(0, 3)):
            if left <= 0:
                break
            part = left if rng.random() < 0.4 else rng.randrange(1, left + 1)
            day = invoice.received_on + dt.timedelta(
                days=rng.randrange(0, (TODAY - invoice.received_on).days + 1))
            payments.record_payment(invoice, paid_on=day, amount=Decimal(part) / 100,
                                    reference=f"P-{invoice.pk}-{k}", by=world.finance)
            left -= part
    return world


def _dims(line):
    owner = line.block if line.block_id else line.placement
    inv = line.invoice
    source = ("block", line.block_id) if line.block_id else ("placement", line.placement_id)
    return {"lot": owner.lot.code, "provider": inv.provider_id, "authority": inv.authority_id,
            "source": source}


def _oracle_invoiced(date_from, date_to, group_by):
    sums = {}
    for line in InvoiceLine.objects.filter(invoice__status__in=[S.APPROVED, S.PAID]):
        dims = _dims(line)
        for day, pennies in line_days(line, date_from, date_to):
            k = key(group_by, dims, day)
            sums[k] = sums.get(k, 0) + pennies
    return sums


def _oracle_paid(date_from, date_to, group_by):
    sums = {}
    for invoice in Invoice.objects.all():
        own = list(invoice.lines.order_by("pk"))
        for payment in invoice.payments.all():
            if not own or not date_from <= payment.paid_on <= date_to:
                continue
            shares = _shares(_pennies(payment.amount), [_pennies(ln.amount) for ln in own])
            for line, share in zip(own, shares, strict=True):
                k = key(group_by, _dims(line), payment.paid_on)
                sums[k] = sums.get(k, 0) + share
    return sums


def _read(report, group_by):
    rows = {None if group_by is None else tuple(r.key) if group_by == "source" else r.key:
            _pennies(r.amount) for r in report.rows}
    return {k: v for k, v in rows.items() if v}, _pennies(report.total)


def _rows(model, period):
    return sorted((getattr(r, period), r.authority_id, r.lot_id, r.provider_id, r.source,
                   r.source_id, r.amount) for r in model.objects.all() if r.amount)


def _kept():
    return (_rows(InvoicedMonth, "month"), _rows(PaidDay, "paid_on"),
            sorted(InvoicedTo.objects.values_list("placement_id", "invoiced_to")))


@given(seed=st.integers(0, 10**6), start=st.dates(D(2026, 3, 20), D(2026, 6, 15)),
       days=st.integers(0, 90))
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_kept_sums_are_the_rule_line_by_line(frozen, seed, start, days):
    with transaction.atomic():
        summary.rebuild_all()  # built first: from here the services keep the sums
        world = _invoice_world(random.Random(seed))
        kept = _kept()
        # What the services kept is what a rebuild computes from the lines and payments.
        summary.rebuild_all()
        assert _kept() == kept
        # The invoiced-to day: the last live placement-fee line's.
        last = {}
        for ln in InvoiceLine.objects.filter(live=True, kind="placement"):
            last[ln.placement_id] = max(last.get(ln.placement_id, ln.date_to), ln.date_to)
        assert dict(kept[2]) == last
        # Read over a range: whole months from the sums, edges live, the rule's pennies.
        end = min(start + dt.timedelta(days=days), TODAY)
        for group_by in READS:
            for engine, oracle in ((invoiced_spend, _oracle_invoiced),
                                   (paid_spend, _oracle_paid)):
                rows, total = _read(engine(date_from=start, date_to=end, group_by=group_by,
                                           authority=world.authority), group_by)
                expected = oracle(start, end, group_by)
                assert total == sum(expected.values()), (engine.__name__, group_by)
                assert rows == {k: v for k, v in expected.items() if v}, (engine.__name__,
                                                                           group_by)
        # The page's figures, the same with the sums as computed live.
        for group_by in GROUPINGS:
            kept_view = reconcile(authority=world.authority, group_by=group_by, today=TODAY)
            with summary.live_only():
                live_view = reconcile(authority=world.authority, group_by=group_by,
                                      today=TODAY)
            assert [(r.key, r.accrued, r.invoiced, r.paid) for r in kept_view.rows] == \
                [(r.key, r.accrued, r.invoiced, r.paid) for r in live_view.rows]
            assert (kept_view.totals.invoiced, kept_view.totals.paid) == \
                (live_view.totals.invoiced, live_view.totals.paid)
            assert [(p.pk, p.not_invoiced_from, p.not_invoiced_to)
                    for p in kept_view.late_placements] == \
                [(p.pk, p.not_invoiced_from, p.not_invoiced_to)
                 for p in live_view.late_placements]
            assert kept_view.late_count == live_view.late_count
        # Per placement in the order of each amount, a page at a time, with the spend summary
        # built too: one statement picks the page, the rows are those computed live.
        spend_summary.rebuild_all(today=TODAY)
        for sort in ("accrued", "invoiced", "paid", "not_invoiced"):
            for descending in (False, True):
                for number in (1, 2, 9):
                    pages = []
                    for live in (False, True):
                        with summary.live_only() if live else contextlib.nullcontext():
                            rows, count, shown = source_page(
                                D(2026, 4, 1), TODAY, world.authority, sort=sort,
                                descending=descending, page=number, per_page=1)
                        pages.append(([(r.key, r.accrued, r.invoiced, r.paid) for r in rows],
                                      count, shown.number))
                    assert pages[0] == pages[1], (sort, descending, number)
        transaction.set_rollback(True)


def test_until_built_the_services_keep_nothing(frozen):
    world = make_world()
    invoice = submitted(world, "R-1", [request_line(world.placement, D(2026, 4, 1),
                                                     D(2026, 4, 30), "3000.00")])
    decisions.approve_invoice(invoice, by=world.finance, accept_difference_reason="Agreed.")
    payments.record_payment(invoice, paid_on=TODAY, amount=Decimal("100.00"), reference="P",
                            by=world.finance)
    assert not InvoicingSummaryState.objects.exists()
    assert _kept() == ([], [], [])


def test_the_rebuild_command_fills_the_sums(frozen):
    from django.core.management import call_command

    world = make_world()
    invoice = submitted(world, "R-1", [request_line(world.placement, D(2026, 4, 20),
                                                     D(2026, 5, 9), "2000.00")])
    decisions.approve_invoice(invoice, by=world.finance, accept_difference_reason="Agreed.")
    call_command("rebuild_invoicing_summary", stdout=open("/dev/null", "w"))  # noqa: SIM115
    months, days, to = _kept()
    # 20 days at £100: 11 in April, 9 in May.
    assert [(m[0], m[-1]) for m in months] == [(2026 * 12 + 3, 110000), (2026 * 12 + 4, 90000)]
    assert days == []
    assert to == [(world.placement.pk, D(2026, 5, 9))]
