"""Expected amounts: the spend engine's accrual for a line's days, to the penny, with a rounding
rule under which any split of the days adds up to the engine's figure (ADR 0018)."""

import calendar
import datetime as dt
import random
from decimal import Decimal

import pytest

from reports.accruals import Span, expected_amount, expected_amounts, expected_pennies
from reports.spend import aggregate, spend
from tests import factories as f
from tests.reports.conftest import make_block, make_placement, make_support

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def authority():
    return f.AuthorityFactory(area="West Sussex")


@pytest.fixture
def provider():
    return f.ProviderOrgFactory(area="Brighton and Hove")


def test_a_placement_line_is_its_fee_for_those_days(authority, provider):
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                       price="700.00")
    assert expected_amount("placement", p.pk, D(2026, 1, 1), D(2026, 1, 31)) == Decimal("3100.00")
    assert expected_amount("placement", p.pk, D(2026, 1, 5), D(2026, 1, 5)) == Decimal("100.00")


def test_a_fee_change_inside_a_line_counts_each_price_for_its_days(authority, provider):
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), periods=[
        (D(2026, 1, 1), D(2026, 1, 15), "700.00"), (D(2026, 1, 16), None, "1400.00")])
    assert expected_amount("placement", p.pk, D(2026, 1, 1), D(2026, 2, 28)) == Decimal(
        str(15 * 100 + 16 * 200 + 28 * 200) + ".00")


def test_days_outside_the_placement_or_its_fee_periods_accrue_nothing(authority, provider):
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 10),
                       end=D(2026, 1, 20), price="700.00")
    assert expected_amount("placement", p.pk, D(2026, 1, 1), D(2026, 1, 31)) == Decimal("1100.00")
    assert expected_amount("placement", p.pk, D(2026, 2, 1), D(2026, 2, 28)) == Decimal("0.00")


def test_only_approved_purchases_accrue(authority, provider):
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                       approval="awaiting")
    b = make_block(authority=authority, provider=provider, start=D(2026, 1, 1),
                   end=D(2026, 12, 31), approval="awaiting")
    s = make_support(p, start=D(2026, 1, 1), end=D(2026, 1, 31), weekly_cost="70.00")
    assert expected_amounts([Span("placement", p.pk, D(2026, 1, 1), D(2026, 1, 31)),
                             Span("block", b.pk, D(2026, 1, 1), D(2026, 1, 31)),
                             Span("support", s.pk, D(2026, 1, 1), D(2026, 1, 31))]) == [
        Decimal("0.00")] * 3


def test_support_items_and_blocks_accrue_as_the_engine_counts_them(authority, provider):
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                       end=D(2026, 1, 20))
    s = make_support(p, start=D(2026, 1, 11), end=D(2026, 2, 28), weekly_cost="70.00")
    b = make_block(authority=authority, provider=provider, beds=3, price_per_bed="700.00",
                   start=D(2026, 1, 1), end=D(2026, 6, 30))
    # The support item only while its placement lasts; the block's beds, filled or not.
    assert expected_amounts([Span("support", s.pk, D(2026, 1, 1), D(2026, 1, 31)),
                             Span("block", b.pk, D(2026, 1, 1), D(2026, 1, 31))]) == [
        Decimal("100.00"), Decimal("9300.00")]


def test_a_block_placement_accrues_through_its_block_not_a_fee(authority, provider):
    b = make_block(authority=authority, provider=provider, start=D(2026, 1, 1),
                   end=D(2026, 6, 30))
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                       route="block", block=b)
    assert expected_amount("placement", p.pk, D(2026, 1, 1), D(2026, 1, 31)) == Decimal("0.00")


def test_an_unknown_target_accrues_nothing_and_a_bad_span_is_refused(db):
    assert expected_pennies([Span("placement", 999999, D(2026, 1, 1), D(2026, 1, 2))]) == [0]
    assert expected_pennies([]) == []
    with pytest.raises(ValueError, match="Unknown kind"):
        expected_pennies([Span("fee", 1, D(2026, 1, 1), D(2026, 1, 2))])
    with pytest.raises(ValueError, match="ends before"):
        expected_pennies([Span("block", 1, D(2026, 1, 2), D(2026, 1, 1))])


def test_a_split_month_telescopes_where_rounding_each_line_would_not(authority, provider):
    # £1,000 a week = 14,285.714… pennies a day: rounding each part alone gains a penny.
    p = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                       price="1000.00")
    month = expected_amount("placement", p.pk, D(2026, 1, 1), D(2026, 1, 31))
    assert month == spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 31)).total
    parts = [(D(2026, 1, 1), D(2026, 1, 1)), (D(2026, 1, 2), D(2026, 1, 2)),
             (D(2026, 1, 3), D(2026, 1, 31))]
    naive = sum(spend(date_from=a, date_to=b).total for a, b in parts)
    assert naive != month  # the failure the rule avoids
    got = expected_amounts([Span("placement", p.pk, a, b) for a, b in parts])
    assert sum(got) == month


# --- Property: random purchases, random splits -----------------------------------------------

PRICES = ["700.00", "1000.00", "3333.33", "4999.99", "5123.47", "86.13", "2500.01"]


def _random_world(rng, authority, provider):
    """Placements with fee changes and support items, and blocks; [(kind, id, start, end)]."""
    targets = []
    for _ in range(6):
        start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 500))
        end = None if rng.random() < 0.4 else start + dt.timedelta(days=rng.randrange(0, 400))
        periods, day = [], start
        while True:
            until = day + dt.timedelta(days=rng.randrange(5, 200))
            last = end is not None and until >= end
            if rng.random() < 0.3 or last:
                periods.append((day, end, rng.choice(PRICES)))
                break
            periods.append((day, until, rng.choice(PRICES)))
            day = until + dt.timedelta(days=1)
        lot = rng.choice(["residential", "fostering", "inmss", "tuition"])
        p = make_placement(authority=authority, provider=provider, start=start, end=end,
                           periods=periods, lot=lot,
                           hours_per_week=rng.choice(["7.50", "12.25"]) if lot == "tuition"
                           else None)
        targets.append(("placement", p.pk, p))
        for _ in range(rng.randrange(0, 3)):
            s_start = start + dt.timedelta(days=rng.randrange(0, 100))
            s = make_support(p, start=s_start,
                             end=s_start + dt.timedelta(days=rng.randrange(0, 200)),
                             weekly_cost=rng.choice(PRICES))
            targets.append(("support", s.pk, p))
    for _ in range(2):
        start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
        b = make_block(authority=authority, provider=provider, beds=rng.randrange(1, 5),
                       lot=rng.choice(["residential", "tuition"]), hours_per_week="10.00",
                       price_per_bed=rng.choice(PRICES), start=start,
                       end=start + dt.timedelta(days=rng.randrange(30, 400)))
        targets.append(("block", b.pk, b))
    return targets


def _split(rng, first, last):
    """Consecutive ranges covering first..last, cut at random days."""
    cuts = sorted(rng.sample(range(1, (last - first).days + 1),
                             k=min(rng.randrange(0, 12), (last - first).days)))
    starts = [first] + [first + dt.timedelta(days=c) for c in cuts]
    ends = [s - dt.timedelta(days=1) for s in starts[1:]] + [last]
    return list(zip(starts, ends, strict=True))


def _month_end(day):
    return D(day.year, day.month, calendar.monthrange(day.year, day.month)[1])


@pytest.mark.parametrize("seed", range(6))
def test_any_split_of_any_whole_months_adds_up_to_the_engines_spend(seed, authority, provider):
    rng = random.Random(seed)
    targets = _random_world(rng, authority, provider)
    for _ in range(4):
        first = D(2025, rng.randrange(1, 13), 1)
        last = _month_end(first + dt.timedelta(days=rng.randrange(0, 500)))
        engine = aggregate(date_from=first, date_to=last, dims=("source",), voids=False)
        engine = {(k[0], k[1]): v[0] for k, v in engine.items()}
        spans, owner = [], []
        for kind, pk, obj in targets:
            for a, b in _split(rng, first, last):
                spans.append(Span(kind, pk, a, b))
                owner.append(("block" if kind == "block" else "placement", obj.pk))
        got = {}
        for key, pennies in zip(owner, expected_pennies(spans), strict=True):
            got[key] = got.get(key, 0) + pennies
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in engine.items() if v}
        # And in all, the report's total.
        assert Decimal(sum(got.values())) / 100 == spend(date_from=first, date_to=last).total


@pytest.mark.parametrize("seed", range(3))
def test_a_line_inside_one_month_is_the_engines_piece_when_it_covers_it(seed, authority,
                                                                         provider):
    """Within a month a line's amount differs from the engine run on its own days by at most a
    penny per piece, and is exact when the line starts where the piece-month starts."""
    rng = random.Random(100 + seed)
    targets = _random_world(rng, authority, provider)
    for kind, pk, _obj in targets:
        first = D(2025, rng.randrange(1, 13), 1)
        day = first + dt.timedelta(days=rng.randrange(0, 27))
        own = Span(kind, pk, first, day)
        alone = expected_pennies([own])[0]
        whole = expected_pennies([Span(kind, pk, first, _month_end(first))])[0]
        rest = expected_pennies([Span(kind, pk, day + dt.timedelta(days=1),
                                      _month_end(first))])[0] if day < _month_end(first) else 0
        assert alone + rest == whole
        assert alone >= 0
        assert rest >= 0
