"""The draft invoice: every uninvoiced day through today at the expected amount, and the
property that ties invoices to the engine: invoiced + uninvoiced = accrued, to the penny."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from invoicing.drafts import _gaps, authorities_to_invoice, draft_lines
from invoicing.models import Invoice
from invoicing.submission import submit_invoice
from reports.accruals import expected_amounts
from reports.spend import spend
from tests import factories as f
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401
from tests.reports.conftest import make_block, make_placement, make_support

pytestmark = pytest.mark.django_db


def as_tuples(lines):
    return [(ln.kind, ln.placement_id, ln.support_item_id, ln.block_id, ln.date_from,
             ln.date_to, ln.amount) for ln in lines]


def test_gaps_between_taken_ranges():
    assert _gaps(D(2026, 1, 1), D(2026, 1, 31), []) == [(D(2026, 1, 1), D(2026, 1, 31))]
    assert _gaps(D(2026, 1, 1), D(2026, 1, 31), [(D(2026, 1, 5), D(2026, 1, 9)),
                                                 (D(2025, 12, 1), D(2026, 1, 2)),
                                                 (D(2026, 1, 31), D(2026, 2, 5))]) == [
        (D(2026, 1, 3), D(2026, 1, 4)), (D(2026, 1, 10), D(2026, 1, 30))]
    assert _gaps(D(2026, 1, 1), D(2026, 1, 3), [(D(2026, 1, 1), D(2026, 1, 3))]) == []


def test_the_draft_is_every_uninvoiced_day_through_today(world):
    submitted(world, "INV-1", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3000.00")])
    got = as_tuples(draft_lines(world.provider, world.authority))
    p, s, b = world.placement.pk, world.support.pk, world.block.pk
    assert got == [
        ("placement", p, None, None, D(2026, 4, 1), D(2026, 4, 30), Decimal("3000.00")),
        ("placement", p, None, None, D(2026, 6, 1), D(2026, 6, 15), Decimal("1500.00")),
        ("support", p, s, None, D(2026, 5, 1), D(2026, 6, 15), Decimal("460.00")),
        ("block", None, None, b, D(2026, 4, 1), D(2026, 6, 15), Decimal("15200.00")),
    ]


def test_a_draft_submitted_as_it_is_is_vouched_and_leaves_nothing(world):
    lines = draft_lines(world.provider, world.authority)
    invoice = submit_invoice(world.provider, reference="ALL", lines=lines, by=world.user,
                             channel="portal")
    assert invoice.status == Invoice.Status.VOUCHED
    assert draft_lines(world.provider, world.authority) == []


def test_the_draft_leaves_out_what_is_not_approved_not_started_or_another_councils(world):
    make_placement(authority=world.authority, provider=world.provider, start=D(2026, 5, 1),
                   approval="awaiting")
    make_placement(authority=world.authority, provider=world.provider, start=D(2026, 7, 1))
    make_placement(authority=world.authority, provider=world.provider, start=D(2026, 4, 1),
                   route="block", block=world.block)
    elsewhere = f.AuthorityFactory()
    make_placement(authority=elsewhere, provider=world.provider, start=D(2026, 5, 1))
    make_block(authority=world.authority, provider=world.provider, start=D(2026, 5, 1),
               end=D(2026, 9, 30), approval="awaiting")
    kinds = [(ln.kind, ln.placement_id or ln.block_id)
             for ln in draft_lines(world.provider, world.authority)]
    assert kinds == [("placement", world.placement.pk), ("support", world.placement.pk),
                     ("block", world.block.pk)]
    assert list(authorities_to_invoice(world.provider)) == sorted(
        [world.authority, elsewhere], key=lambda o: o.name)


def test_days_on_a_rejected_invoice_return_to_the_draft(world):
    first = submitted(world, "INV-1", [line(world.block, D(2026, 4, 1), D(2026, 6, 15), "1.00")])
    assert [ln.kind for ln in draft_lines(world.provider, world.authority)] == [
        "placement", "support"]
    first.lines.update(live=False)
    assert [ln.kind for ln in draft_lines(world.provider, world.authority)] == [
        "placement", "support", "block"]


PRICES = ["700.00", "1000.00", "3333.33", "4999.99", "5123.47", "86.13"]


@pytest.mark.parametrize("seed", range(5))
def test_invoiced_plus_uninvoiced_is_accrued_to_the_penny(seed, frozen):
    """Random purchases and fee changes, invoices at `expected` over random days (so vouched);
    then the draft's uninvoiced days: together, exactly the engine's spend through today."""
    rng = random.Random(seed)
    authority, provider = f.AuthorityFactory(), f.ProviderOrgFactory()
    user = f.ProviderUserFactory(organisation=provider)
    for _ in range(5):
        start = D(2025, 6, 1) + dt.timedelta(days=rng.randrange(0, 350))
        end = None if rng.random() < 0.5 else start + dt.timedelta(days=rng.randrange(0, 300))
        periods, day = [], start
        while True:
            until = day + dt.timedelta(days=rng.randrange(5, 150))
            if rng.random() < 0.3 or (end is not None and until >= end):
                periods.append((day, end, rng.choice(PRICES)))
                break
            periods.append((day, until, rng.choice(PRICES)))
            day = until + dt.timedelta(days=1)
        p = make_placement(authority=authority, provider=provider, start=start, end=end,
                           periods=periods)
        for _ in range(rng.randrange(0, 3)):
            s_start = start + dt.timedelta(days=rng.randrange(0, 60))
            make_support(p, start=s_start, end=s_start + dt.timedelta(days=rng.randrange(0, 90)),
                         weekly_cost=rng.choice(PRICES))
    start = D(2025, 6, 1) + dt.timedelta(days=rng.randrange(0, 300))
    make_block(authority=authority, provider=provider, beds=rng.randrange(1, 4),
               price_per_bed=rng.choice(PRICES), start=start,
               end=start + dt.timedelta(days=rng.randrange(30, 400)))
    invoiced = Decimal("0.00")
    for number in range(4):
        # Random pieces of the uninvoiced days, invoiced at what they are expected to be.
        lines = [ln for ln in draft_lines(provider, authority) if rng.random() < 0.7]
        for ln in lines:
            if ln.date_from < ln.date_to and rng.random() < 0.7:
                days = (ln.date_to - ln.date_from).days
                ln.date_to = ln.date_from + dt.timedelta(days=rng.randrange(0, days))
        amounts = expected_amounts([ln.span() for ln in lines])
        kept = []
        for ln, amount in zip(lines, amounts, strict=True):
            if amount > 0:
                ln.amount = amount
                kept.append(ln)
        if not kept:
            continue
        invoice = submit_invoice(provider, reference=f"R-{number}", lines=kept, by=user)
        assert invoice.status == Invoice.Status.VOUCHED
        invoiced += invoice.total
    uninvoiced = sum((ln.amount for ln in draft_lines(provider, authority)), Decimal("0.00"))
    accrued = spend(date_from=D(2025, 1, 1), date_to=D(2026, 6, 15), authority=authority).total
    assert invoiced + uninvoiced == accrued
