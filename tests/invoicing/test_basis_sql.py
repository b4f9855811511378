"""The invoiced and paid bases summed in the database give, to the penny, what the rule says
line by line (invoicing/basis.py): a line spread evenly over its days by cumulative rounding, a
payment counted whole on its day and shared among its invoice's lines by largest remainder.

The oracle below is that rule written plainly in Python, one day at a time, so the SQL (and the
paid basis's whole-invoice shortcut) is checked against something that does not share its
arithmetic. Random lines, with odd pennies, lines crossing months and ranges cutting them."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing.basis import _pennies, _shares, invoiced_spend, paid_spend
from invoicing.models import Invoice, InvoiceLine
from tests import factories as f
from tests.invoicing import factories_finance as ff
from tests.invoicing.oracle import key, line_days
from tests.reports.conftest import make_placement

pytestmark = pytest.mark.django_db
D = dt.date
GROUPINGS = [None, "lot", "provider", "authority", "month", "route", "location", "source"]
FILTERS = [{}, {"lot": "fostering"}, {"route": "dps"}, {"location": "in_area"}]


def _world(rng):
    west, east = f.AuthorityFactory(area="West Sussex"), f.AuthorityFactory(area="Kent")
    near, far = f.ProviderOrgFactory(area="Kent"), f.ProviderOrgFactory(area="Devon")
    lines = []
    for n in range(rng.randrange(1, 5)):
        authority, provider = rng.choice([west, east]), rng.choice([near, far])
        placements = [make_placement(authority=authority, provider=provider, lot=lot,
                                     start=D(2025, 1, 1), price="700.00", route=route)
                      for lot, route in rng.sample([("residential", "dps"),
                                                    ("fostering", "dps"),
                                                    ("fostering", "spot")], 2)]
        inv = ff.invoice(status=rng.choice([Invoice.Status.APPROVED, Invoice.Status.PAID,
                                            Invoice.Status.QUERY]),
                         placement=placements[0], lines=[], authority=authority,
                         provider=provider, reference=f"R-{n}")
        total = Decimal("0.00")
        for _ in range(rng.randrange(1, 4)):
            start = D(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 120))
            end = start + dt.timedelta(days=rng.randrange(0, 70))
            amount = Decimal(rng.randrange(1, 500_000)) / 100
            lines.append(InvoiceLine.objects.create(
                invoice=inv, kind="placement", placement=rng.choice(placements),
                date_from=start, date_to=end, amount=amount, expected=amount))
            total += amount
        Invoice.objects.filter(pk=inv.pk).update(total=total, approved_total=total)
        for _ in range(rng.randrange(0, 3)):
            ff.paid(inv, amount=str(Decimal(rng.randrange(1, int(total * 100) + 1)) / 100),
                    paid_on=D(2026, 1, 1) + dt.timedelta(days=rng.randrange(0, 150)))
    return lines


def _dims(line):
    inv, placement = line.invoice, line.placement
    a, b = inv.provider.area.strip().lower(), inv.authority.area.strip().lower()
    return {"lot": placement.lot.code, "provider": inv.provider_id,
            "authority": inv.authority_id, "route": placement.route,
            "location": "in_area" if a and a == b else "out_of_area",
            "source": ("placement", line.placement_id)}


def _oracle_invoiced(lines, date_from, date_to, group_by, filters):
    sums = {}
    for line in lines:
        line.refresh_from_db()
        if line.invoice.status not in (Invoice.Status.APPROVED, Invoice.Status.PAID):
            continue
        dims = _dims(line)
        if any(dims[k] != v for k, v in filters.items()):
            continue
        for day, pennies in line_days(line, date_from, date_to):
            k = key(group_by, dims, day)
            sums[k] = sums.get(k, 0) + pennies
    return sums


def _oracle_paid(lines, date_from, date_to, group_by, filters):
    by_invoice = {}
    for line in lines:
        by_invoice.setdefault(line.invoice_id, []).append(line)
    sums = {}
    for own in by_invoice.values():
        own.sort(key=lambda ln: ln.pk)
        for payment in own[0].invoice.payments.all():
            if not date_from <= payment.paid_on <= date_to:
                continue
            shares = _shares(_pennies(payment.amount), [_pennies(ln.amount) for ln in own])
            for line, share in zip(own, shares, strict=True):
                dims = _dims(line)
                if any(dims[k] != v for k, v in filters.items()):
                    continue
                k = key(group_by, dims, payment.paid_on)
                sums[k] = sums.get(k, 0) + share
    return sums


def _as_pennies(report, group_by):
    rows = {(None if group_by is None else tuple(r.key) if group_by == "source" else r.key):
            _pennies(r.amount) for r in report.rows}
    return {k: v for k, v in rows.items() if v}, _pennies(report.total)


@given(seed=st.integers(0, 10**6), start=st.dates(D(2025, 12, 1), D(2026, 5, 31)),
       days=st.integers(0, 200), group_by=st.sampled_from(GROUPINGS),
       filters=st.sampled_from(FILTERS))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_both_bases_in_sql_are_the_rule_line_by_line(seed, start, days, group_by, filters):
    with transaction.atomic():
        lines = _world(random.Random(seed))
        end = start + dt.timedelta(days=days)
        for engine, oracle in ((invoiced_spend, _oracle_invoiced), (paid_spend, _oracle_paid)):
            report = engine(date_from=start, date_to=end, group_by=group_by, filters=filters)
            rows, total = _as_pennies(report, group_by)
            expected = oracle(lines, start, end, group_by, filters)
            assert total == sum(expected.values()), engine.__name__
            assert rows == {k: v for k, v in expected.items() if v}, engine.__name__
        transaction.set_rollback(True)
