"""Each market insight figure on a hand-built market where the answer is known (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import insight
from tests import factories as f
from tests.reports.insight_fixtures import TO, D, build_market, membership, placement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def market(db):
    return build_market()


def report(authority=None, lot="residential", **kwargs):
    return insight.market_insight(lot=f.lot(lot), to=kwargs.pop("to", TO),
                                  authority=authority, **kwargs)


def test_years_are_the_twelve_month_periods_ending_on_to():
    years = insight.year_windows(D(2026, 3, 31), 3)
    assert [(y.start, y.end) for y in years] == [
        (D(2023, 4, 1), D(2024, 3, 31)), (D(2024, 4, 1), D(2025, 3, 31)),
        (D(2025, 4, 1), D(2026, 3, 31))]
    assert years[-1].label == "1 April 2025 to 31 March 2026"
    # A leap day: the year before 29 February 2024 ends on 28 February 2023.
    leap = insight.year_windows(D(2024, 2, 29), 2)
    assert [(y.start, y.end) for y in leap] == [(D(2022, 3, 1), D(2023, 2, 28)),
                                                 (D(2023, 3, 1), D(2024, 2, 29))]


def test_placements_started_live_and_ended_per_year(market):
    years = report(market.a).years
    assert [y.placements_started for y in years] == [1, 1, 2]
    assert [y.placements_live for y in years] == [1, 2, 3]
    assert [y.placements_ended for y in years] == [0, 1, 2]


def test_providers_used_counts_an_unlisted_spot_provider_by_name(market):
    years = report(market.a).years
    assert [y.providers_used for y in years] == [1, 2, 3]  # Y2: P2, P1 and the spot provider


def test_providers_admitted_counts_members_live_at_some_time_in_the_year(market):
    # P3 was removed on 15 Jan 2024 (Y0 only); P4 joined in Y2 and is suspended (still a member)
    years = report(market.a).years
    assert [y.providers_admitted for y in years] == [2, 2, 3]


def test_spend_total_route_and_location_shares(market):
    years = report(market.a).years
    # Y0: a1 for 305 days at £100 a day.
    assert years[0].spend_total == Decimal("30500.00")
    # Y1: a1 for 61 days (£6,100) and a2 for 365 days at £200 a day (£73,000).
    assert years[1].spend_total == Decimal("79100.00")
    assert years[1].in_area_spend == Decimal("6100.00")
    assert years[1].in_area_share == Decimal("7.7")
    # Y2: a2 at £210 a day (£76,650), a3 spot 30 days (£9,000), a5 10 days (£1,000), the block
    # 28 bed-days (£2,800).
    y2 = years[2]
    assert y2.spend_total == Decimal("89450.00")
    routes = {r.route: (r.amount, r.share) for r in y2.routes}
    assert routes == {"dps": (Decimal("77650.00"), Decimal("86.8")),
                      "spot": (Decimal("9000.00"), Decimal("10.1")),
                      "block": (Decimal("2800.00"), Decimal("3.1"))}
    assert y2.in_area_spend == Decimal("3800.00")  # a5 with P1 and the block with P3
    assert y2.out_of_area_spend == Decimal("85650.00")
    assert y2.in_area_share == Decimal("4.2")
    assert y2.providers_paid == 4
    assert y2.top_providers_share == Decimal("100.0")


def test_the_spend_figures_agree_with_the_spend_report(market):
    from reports.spend import spend

    year = report(market.a).years[2]
    by_route = spend(date_from=year.date_from, date_to=year.date_to, group_by="route",
                     authority=market.a, filters={"lot": f.lot("residential").pk})
    assert by_route.total == year.spend_total
    assert {row.key: row.amount for row in by_route.rows} == {
        r.route: r.amount for r in year.routes if r.amount}


def test_top_ten_share_leaves_out_the_smaller_providers(db):
    authority = f.AuthorityFactory()
    # Twelve providers, each for the whole of one year, at £100 × n a day for n = 1..12.
    for n in range(1, 13):
        placement(authority=authority, provider=f.ProviderOrgFactory(), start=D(2025, 4, 1),
                  price=f"{700 * n}.00")
    year = report(authority, years=1).years[0]
    total = 365 * 100 * 78  # 1 + 2 + … + 12 = 78
    top = 365 * 100 * (78 - 1 - 2)
    assert year.spend_total == Decimal(total)
    assert year.top_providers_spend == Decimal(top)
    assert year.top_providers_share == Decimal("96.2")  # 75 / 78
    assert year.providers_paid == 12


def test_weekly_price_spread_of_placements_started_in_the_year(market):
    years = report(market.a).years
    assert years[0].weekly_price.placements == 1
    assert years[0].weekly_price.average == years[0].weekly_price.maximum == Decimal("700.00")
    # a2 started at £1,400; its later fee change does not move its starting price.
    assert years[1].weekly_price.median == Decimal("1400.00")
    y2 = years[2].weekly_price  # a3 at £2,100 and a5 at £700
    assert (y2.placements, y2.average, y2.minimum, y2.lower_quartile, y2.median,
            y2.upper_quartile, y2.maximum) == (
        2, Decimal("1400.00"), Decimal("700.00"), Decimal("1050.00"), Decimal("1400.00"),
        Decimal("1750.00"), Decimal("2100.00"))


def test_sector_weekly_price_covers_every_authority(market):
    sector = report(market.a).years[2].sector_weekly_price  # £700, £2,100 and B's £3,500
    assert (sector.placements, sector.average, sector.minimum, sector.lower_quartile,
            sector.median, sector.upper_quartile, sector.maximum) == (
        3, Decimal("2100.00"), Decimal("700.00"), Decimal("1400.00"), Decimal("2100.00"),
        Decimal("2800.00"), Decimal("3500.00"))


def test_hour_and_year_prices_become_weekly_equivalents(db):
    authority = f.AuthorityFactory()
    placement(authority=authority, lot="tuition", provider=f.ProviderOrgFactory(),
              start=D(2025, 5, 1), price="45.50", hours_per_week="10.00")
    placement(authority=authority, lot="tuition", provider=f.ProviderOrgFactory(),
              start=D(2025, 5, 2), price="60.00")  # no hours per week: no weekly equivalent
    placement(authority=authority, lot="inmss", provider=f.ProviderOrgFactory(),
              start=D(2025, 5, 1), price="50000.00")
    tuition = report(authority, lot="tuition", years=1).years[0].weekly_price
    assert (tuition.placements, tuition.average) == (1, Decimal("455.00"))
    inmss = report(authority, lot="inmss", years=1).years[0].weekly_price
    # £50,000 a year × 7 / 365 = £958.904… (a year is 365 / 7 = 52.142857 weeks)
    assert (inmss.placements, inmss.average) == (1, Decimal("958.90"))


def test_endings_by_reason_median_length_and_turnover(market):
    years = report(market.a).years
    assert years[0].endings == []
    assert years[0].median_length_days is None
    assert [(e.reason, e.count) for e in years[1].endings] == [("planned_move", 1)]
    assert years[1].median_length_days == Decimal("366.0")  # 1 Jun 2023–31 May 2024, leap
    assert years[1].turnover_rate == Decimal("50.0")
    assert sorted((e.reason, e.count) for e in years[2].endings) == [
        ("placement_breakdown", 1), ("returned_home", 1)]
    assert years[2].median_length_days == Decimal("20.0")  # 30 and 10 days
    assert years[2].turnover_rate == Decimal("66.7")  # 2 of 3


def test_all_authorities_with_a_breakdown_per_authority(market):
    result = report(None)
    y2 = result.years[2]
    assert result.show_authorities
    assert (y2.placements_started, y2.placements_live, y2.providers_used) == (3, 4, 3)
    assert y2.spend_total == Decimal("89450.00") + Decimal("182500.00")
    rows = {row.name: (row.placements_started, row.placements_live, row.spend)
            for row in y2.authorities}
    assert rows == {"West Sussex County Council": (2, 3, Decimal("89450.00")),
                    "Brighton and Hove City Council": (1, 1, Decimal("182500.00"))}
    assert y2.weekly_price == y2.sector_weekly_price


def test_forum_view_has_the_same_figures_without_the_breakdown(market):
    full, forum = report(None), report(None, forum=True)
    assert not forum.show_authorities
    assert all(y.authorities is None for y in forum.years)
    for a, b in zip(full.years, forum.years, strict=True):
        a.authorities = None
        assert a == b


def test_another_authoritys_placements_are_not_counted(market):
    b = report(market.b).years[2]
    assert (b.placements_started, b.placements_live, b.spend_total) == (
        1, 1, Decimal("182500.00"))
    assert b.weekly_price.placements == 1
    assert b.authorities is None


def test_quartiles_in_python_match_the_database(db):
    # The SQLite fallback computes percentile_cont in Python from one query's rows; PostgreSQL
    # interpolates whole pennies, which its floats hold exactly.
    values = [70000, 210000, 350000, 91010, 123457]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(0.25) WITHIN GROUP (ORDER BY v), "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY v), "
            "percentile_cont(0.75) WITHIN GROUP (ORDER BY v) "
            "FROM unnest(%s::bigint[]) AS v", [values])
        database = cursor.fetchone()
    for fraction, expected in zip((0.25, 0.5, 0.75), database, strict=True):
        assert insight.quantile(values, fraction) == Decimal(expected)
    assert insight.quantile(values[:4], 0.5) == Decimal("150505")


def test_weekly_price_quartiles_round_half_up_to_the_penny(db):
    authority = f.AuthorityFactory()
    for price in ("700.01", "700.02"):  # the median is £700.015: half up to £700.02
        placement(authority=authority, provider=f.ProviderOrgFactory(), start=D(2025, 5, 1),
                  price=price)
    spread = report(authority, years=1).years[0].weekly_price
    assert (spread.median, spread.average, spread.lower_quartile) == (
        Decimal("700.02"), Decimal("700.02"), Decimal("700.01"))


def test_query_count_does_not_grow_with_the_data(market):
    with CaptureQueriesContext(connection) as small:
        report(None)
    for n in range(30):
        provider = f.ProviderOrgFactory()
        membership(provider, admitted=D(2023, 1, 1))
        placement(authority=market.b, provider=provider, start=D(2024, 1, 1) + dt_days(n * 20),
                  end=D(2025, 9, 1) if n % 2 else None, end_reason="other", price="999.99")
    with CaptureQueriesContext(connection) as large:
        report(None)
    assert len(large) == len(small)
    # Five fixed queries, two per year for spend, and the authority breakdown's two.
    assert len(small) <= 5 + 2 * 3 + 2


def dt_days(n):
    import datetime

    return datetime.timedelta(days=n)


def test_without_percentile_cont_the_figures_are_the_same(market, monkeypatch):
    # The embedded SQLite database has no percentile_cont: one query's rows, then Python.
    in_database = report(None)
    monkeypatch.setattr(insight, "_in_db", lambda: False)
    in_python = report(None)
    assert in_python == in_database
