"""The spend engine: accrual by day, units, fee changes, part months, leap years, open ends,
support items, blocks and voids, and rows that add up to the total to the penny."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from contracts.models import Placement
from reports.commitments import commitments
from reports.spend import GROUPINGS, financial_year_end, spend
from tests import factories as f
from tests.reports.conftest import (
    make_block,
    make_placement,
    make_support,
    reference_pieces,
)

pytestmark = pytest.mark.django_db
D = dt.date


def amounts(report):
    return {row.key: row.amount for row in report.rows}


@pytest.fixture
def authority():
    return f.AuthorityFactory(area="West Sussex")


@pytest.fixture
def provider():
    return f.ProviderOrgFactory(area="Brighton and Hove")


def test_a_weekly_price_accrues_a_seventh_a_day_with_both_ends_counted(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="700.00")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1))
    assert report.total == Decimal("100.00")
    assert spend(date_from=D(2026, 1, 1), date_to=D(2026, 3, 31)).total == Decimal("9000.00")


def test_each_fee_period_accrues_at_its_own_price(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), periods=[
        (D(2026, 1, 1), D(2026, 1, 31), "700.00"), (D(2026, 2, 1), None, "1400.00")])

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 2, 28), group_by="month")
    assert amounts(report) == {"2026-01": Decimal("3100.00"), "2026-02": Decimal("5600.00")}
    assert report.total == Decimal("8700.00")
    assert [row.label for row in report.rows] == ["January 2026", "February 2026"]


def test_a_range_that_cuts_a_placement_counts_only_its_days(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 10),
                   end=D(2026, 3, 20), price="700.00")

    assert spend(date_from=D(2026, 1, 15), date_to=D(2026, 2, 10)).total == Decimal("2700.00")
    # Before the start and after the end nothing accrues.
    assert spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 9)).total == Decimal("0.00")
    assert spend(date_from=D(2026, 3, 21), date_to=D(2026, 12, 31)).total == Decimal("0.00")
    assert spend(date_from=D(2026, 3, 20), date_to=D(2026, 3, 20)).total == Decimal("100.00")


def test_an_open_ended_placement_runs_on_to_the_end_of_the_range(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="70.00")

    assert spend(date_from=D(2030, 1, 1), date_to=D(2030, 12, 31)).total == Decimal("3650.00")


def test_the_29th_of_february_is_a_day_like_any_other(authority, provider):
    make_placement(authority=authority, provider=provider, lot="inmss", start=D(2027, 4, 1),
                   price="36500.00")  # a year price: £100 a day, 365ths even in a leap year

    report = spend(date_from=D(2028, 2, 1), date_to=D(2028, 2, 29), group_by="month")
    assert amounts(report) == {"2028-02": Decimal("2900.00")}
    year = spend(date_from=D(2028, 1, 1), date_to=D(2028, 12, 31))
    assert year.total == Decimal("36600.00")


def test_an_hourly_price_accrues_by_the_hours_a_week(authority, provider):
    make_placement(authority=authority, provider=provider, lot="tuition", start=D(2026, 1, 1),
                   price="30.00", hours_per_week="10.00")  # £300 a week

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 2, 28), group_by="month")
    # January: 31 × 300 / 7 = 1,328.571… → 1,328.57; February: 28 days = 1,200.00.
    assert amounts(report) == {"2026-01": Decimal("1328.57"), "2026-02": Decimal("1200.00")}


def test_rounding_happens_once_per_piece_and_month_half_up(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="100.00")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 3, 31), group_by="month")
    # £100 a week: January 442.857 → 442.86, February 400.00, March 442.86.
    assert amounts(report) == {"2026-01": Decimal("442.86"), "2026-02": Decimal("400.00"),
                               "2026-03": Decimal("442.86")}
    assert report.total == Decimal("1285.72")
    assert spend(date_from=D(2026, 1, 1), date_to=D(2026, 3, 31)).total == report.total


def test_half_a_penny_rounds_up(authority, provider):
    make_placement(authority=authority, provider=provider, lot="tuition", start=D(2026, 1, 1),
                   price="0.35", hours_per_week="0.10")  # 3.5p a week: 0.5p a day

    assert spend(date_from=D(2026, 1, 5), date_to=D(2026, 1, 5)).total == Decimal("0.01")
    assert spend(date_from=D(2026, 1, 5), date_to=D(2026, 1, 7)).total == Decimal("0.02")


def test_support_items_accrue_weekly_cost_on_top_within_the_placement(authority, provider):
    placement = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                               end=D(2026, 1, 20), price="700.00")
    make_support(placement, start=D(2026, 1, 11), end=D(2026, 1, 31), weekly_cost="70.00")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 31))
    # Placement 20 days × £100; support £10 a day from the 11th to the placement's end (10 days).
    assert report.total == Decimal("2100.00")


def test_blocks_count_every_bed_day_bought_and_show_the_voids(authority, provider):
    block = make_block(authority=authority, provider=provider, beds=2, price_per_bed="700.00",
                       start=D(2026, 1, 1), end=D(2026, 12, 31))
    occupant = make_placement(authority=authority, provider=provider, route="block",
                              block=block, start=D(2026, 1, 11), price="700.00")
    make_support(occupant, start=D(2026, 1, 11), end=D(2026, 1, 31), weekly_cost="70.00")
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="1400.00")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 31), group_by="route")
    rows = {row.key: row for row in report.rows}
    # Block: 2 beds × 31 days × £100 = 6,200 (the occupant's fee is not charged again), plus
    # the occupant's support, 21 days × £10.
    assert rows["block"].amount == Decimal("6410.00")
    assert rows["dps"].amount == Decimal("6200.00")
    # 62 bed-days bought, 21 occupied: 41 void, £4,100.
    assert rows["block"].void_bed_days == 41
    assert rows["block"].voids == Decimal("4100.00")
    assert rows["dps"].void_bed_days == 0
    assert report.void_bed_days == 41
    assert report.voids == Decimal("4100.00")
    assert report.total == Decimal("12610.00")


def test_voids_reconcile_by_month(authority, provider):
    block = make_block(authority=authority, provider=provider, beds=1, price_per_bed="700.00",
                       start=D(2026, 1, 1), end=D(2026, 2, 28))
    make_placement(authority=authority, provider=provider, route="block", block=block,
                   start=D(2026, 1, 21), end=D(2026, 2, 10))

    by_month = spend(date_from=D(2026, 1, 1), date_to=D(2026, 2, 28), group_by="month")
    rows = {row.key: row for row in by_month.rows}
    assert rows["2026-01"].void_bed_days == 20
    assert rows["2026-02"].void_bed_days == 18
    assert by_month.void_bed_days == 38
    assert by_month.voids == Decimal("3800.00")


def test_location_compares_the_provider_area_with_the_authority_area(authority):
    local = f.ProviderOrgFactory(area=" west sussex ")
    make_placement(authority=authority, provider=local, start=D(2026, 1, 1), price="700.00")
    make_placement(authority=authority, provider=f.ProviderOrgFactory(area="Kent"),
                   start=D(2026, 1, 1), price="1400.00")
    make_placement(authority=authority, provider=None, route="spot", start=D(2026, 1, 1),
                   price="2100.00", provider_name="Unlisted Care Ltd")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1), group_by="location")
    assert amounts(report) == {"in_area": Decimal("100.00"), "out_of_area": Decimal("500.00")}
    assert [row.label for row in report.rows] == ["In area", "Out of area"]


def test_a_spot_provider_not_listed_is_a_row_of_its_own(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="700.00")
    make_placement(authority=authority, provider=None, route="spot", start=D(2026, 1, 1),
                   price="1400.00", provider_name="Harbour Lights Care Ltd")

    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1), group_by="provider")
    assert {(row.key, row.label, row.amount) for row in report.rows} == {
        (provider.pk, provider.name, Decimal("100.00")),
        (None, "Harbour Lights Care Ltd", Decimal("200.00"))}


def test_an_authority_sees_only_its_own_spend(authority, provider):
    other = f.AuthorityFactory()
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="700.00")
    make_placement(authority=other, provider=provider, start=D(2026, 1, 1), price="1400.00")
    make_block(authority=other, provider=provider, start=D(2026, 1, 1), end=D(2026, 1, 31))

    mine = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1), authority=authority,
                 group_by="authority")
    assert amounts(mine) == {authority.pk: Decimal("100.00")}
    # Asking for the other authority's figures by filter finds nothing.
    theirs = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1), authority=authority,
                   filters={"authority": other.pk})
    assert theirs.total == Decimal("0.00")
    assert theirs.rows == []
    everyone = spend(date_from=D(2026, 1, 1), date_to=D(2026, 1, 1), group_by="authority")
    assert amounts(everyone) == {authority.pk: Decimal("100.00"),
                                 other.pk: Decimal("400.00")}


def test_an_empty_range_has_no_rows_and_a_zero_total():
    report = spend(date_from=D(2026, 1, 1), date_to=D(2026, 12, 31), group_by="lot")
    assert report.rows == []
    assert report.total == Decimal("0.00")


def test_a_back_to_front_range_is_refused():
    with pytest.raises(ValueError, match="ends before it starts"):
        spend(date_from=D(2026, 2, 1), date_to=D(2026, 1, 1))
    with pytest.raises(ValueError, match="Unknown grouping"):
        spend(date_from=D(2026, 1, 1), date_to=D(2026, 2, 1), group_by="colour")


# --- Everything at once: every grouping and filter against a day-by-day model -----------------

@pytest.fixture
def mixed():
    """Authorities, providers in and out of area, every lot and unit, spot without a provider,
    fee changes, support items, blocks with occupants, open and closed ends, leap days."""
    rng = random.Random(20260401)
    authorities = [f.AuthorityFactory(area="West Sussex"), f.AuthorityFactory(area="Kent")]
    providers = [f.ProviderOrgFactory(area=area) for area in
                 ("West Sussex", "Kent", "Surrey", "West Sussex")]
    lots = {"residential": "week", "fostering": "week", "inmss": "year", "tuition": "hour"}
    for _ in range(40):
        authority = rng.choice(authorities)
        lot = rng.choice(list(lots))
        start = D(2023, 1, 1) + dt.timedelta(days=rng.randrange(0, 1500))
        end = None if rng.random() < 0.4 else start + dt.timedelta(days=rng.randrange(0, 900))
        periods, day = [], start
        while True:
            length = rng.randrange(20, 400)
            period_end = day + dt.timedelta(days=length)
            if end is not None and period_end >= end:
                periods.append((day, end, f"{rng.randrange(100, 900000) / 100:.2f}"))
                break
            if end is None and rng.random() < 0.3:
                periods.append((day, None, f"{rng.randrange(100, 900000) / 100:.2f}"))
                break
            periods.append((day, period_end, f"{rng.randrange(100, 900000) / 100:.2f}"))
            day = period_end + dt.timedelta(days=1)
        spot = rng.random() < 0.2
        placement = make_placement(
            authority=authority, provider=None if spot else rng.choice(providers), lot=lot,
            route="spot" if spot else "dps", start=start, end=end, periods=periods,
            hours_per_week=f"{rng.randrange(100, 4000) / 100:.2f}" if lots[lot] == "hour"
            else None, provider_name=f"Spot Home {rng.randrange(3)}" if spot else None)
        if rng.random() < 0.4:
            s_start = start + dt.timedelta(days=rng.randrange(0, 60))
            make_support(placement, start=s_start,
                         end=s_start + dt.timedelta(days=rng.randrange(0, 500)),
                         weekly_cost=f"{rng.randrange(100, 200000) / 100:.2f}")
    for _ in range(4):
        start = D(2023, 6, 1) + dt.timedelta(days=rng.randrange(0, 900))
        block = make_block(authority=rng.choice(authorities), provider=rng.choice(providers),
                           lot="residential", beds=rng.randrange(1, 5),
                           price_per_bed=f"{rng.randrange(50000, 900000) / 100:.2f}",
                           start=start, end=start + dt.timedelta(days=rng.randrange(30, 700)))
        for _ in range(rng.randrange(0, 4)):
            p_start = block.start_date + dt.timedelta(days=rng.randrange(0, 200))
            make_placement(authority=block.authority, provider=block.provider,
                           route="block", block=block, start=p_start,
                           end=p_start + dt.timedelta(days=rng.randrange(0, 300)),
                           price="4000.00")
    return {"authorities": authorities, "providers": providers}


RANGES = [(D(2023, 1, 1), D(2027, 12, 31)), (D(2024, 2, 10), D(2024, 3, 5)),
          (D(2025, 4, 1), D(2026, 3, 31)), (D(2024, 2, 29), D(2024, 2, 29))]


def _reference_key(dims, month, group_by):
    if group_by is None:
        return "total"
    if group_by == "month":
        return month
    if group_by == "provider":
        return dims["provider"]
    return dims[group_by]


@pytest.mark.parametrize(("date_from", "date_to"), RANGES)
def test_every_grouping_adds_up_to_the_total_and_matches_a_day_by_day_model(
        mixed, date_from, date_to):
    pieces = reference_pieces(date_from, date_to)
    expected_total = sum((amount for _d, _m, amount in pieces), Decimal("0.00"))
    total = spend(date_from=date_from, date_to=date_to).total
    assert total == expected_total

    for group_by in (None, *GROUPINGS):
        report = spend(date_from=date_from, date_to=date_to, group_by=group_by)
        assert sum((row.amount for row in report.rows), Decimal("0.00")) == report.total == \
            total, group_by
        expected = defaultdict(Decimal)
        for dims, month, amount in pieces:
            key = _reference_key(dims, month, group_by)
            if group_by == "provider" and key is None:
                key = (None, dims["provider_name"])
            expected[key] += amount
        got = {}
        for row in report.rows:
            key = (None, row.label) if group_by == "provider" and row.key is None else row.key
            got[key] = row.amount
        assert got == {k: v for k, v in expected.items()}, group_by


def test_every_filter_matches_the_model(mixed):
    date_from, date_to = D(2023, 1, 1), D(2027, 12, 31)
    pieces = reference_pieces(date_from, date_to)
    cases = [("route", "spot"), ("route", "block"), ("route", "dps"), ("location", "in_area"),
             ("lot", "tuition"), ("provider", mixed["providers"][0].pk),
             ("authority", mixed["authorities"][1].pk)]
    for name, value in cases:
        expected = sum((amount for dims, _m, amount in pieces if dims[name] == value),
                       Decimal("0.00"))
        report = spend(date_from=date_from, date_to=date_to, group_by="month",
                       filters={name: value})
        assert report.total == expected, (name, value)
        assert sum(row.amount for row in report.rows) == expected


def test_commitments_run_to_the_end_of_the_financial_year(authority, provider):
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1), price="700.00")
    make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                   end=D(2026, 9, 30), price="700.00")  # ended before: nothing to commit

    report = commitments(as_of=D(2026, 10, 1), group_by="lot")
    assert (report.date_from, report.date_to) == (D(2026, 10, 1), D(2027, 3, 31))
    assert report.total == Decimal("18200.00")  # 182 days × £100
    assert financial_year_end(D(2027, 2, 1)) == D(2027, 3, 31)
    assert financial_year_end(D(2027, 4, 1)) == D(2028, 3, 31)
    assert Placement.objects.count() == 2
