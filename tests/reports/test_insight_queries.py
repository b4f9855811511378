"""The market insight's fixed number of queries (spend for every year in one statement) and its
spend figures against the finance spend report, year by year, on mixed data (PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import insight
from reports.spend import spend
from tests import factories as f
from tests.reports.insight_fixtures import TO, D, build_market
from tests.reports.test_spend import mixed  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def market(db):
    return build_market()


def queries(**kwargs):
    lot = f.lot("residential")
    with CaptureQueriesContext(connection) as captured:
        insight.market_insight(lot=lot, to=TO, **kwargs)
    return len(captured)


def test_the_query_count_does_not_depend_on_the_number_of_years(market):
    # Whether the monthly summary is built (asked once, ADR 0023, 0029), counts, endings,
    # memberships, prices, spend by provider and by route, location and authority (every
    # year at once, ADR 0027); with all authorities the breakdown's two more.
    assert [queries(years=n) for n in (1, 3, 10)] == [9, 9, 9]
    assert [queries(years=n, authority=market.a) for n in (1, 3, 10)] == [7, 7, 7]
    assert queries(years=10, forum=True) == 7


def test_the_query_count_is_the_same_with_the_summary_built(market):
    from reports import summary

    summary.rebuild_all(today=TO)
    # Years of whole months (April to March): by provider each year's span and its twelfth
    # month (ADR 0027), no edge month; the placements from the insight's rows (ADR 0029).
    assert [queries(years=n) for n in (1, 3, 10)] == [10, 10, 10]
    assert [queries(years=n, authority=market.a) for n in (1, 3, 10)] == [8, 8, 8]


@pytest.mark.parametrize("to", [D(2026, 3, 15), D(2027, 12, 31), D(2025, 2, 28)])
def test_each_years_spend_is_the_spend_report_for_that_year(mixed, to):  # noqa: F811
    for authority in (None, *mixed["authorities"]):
        for code in ("residential", "tuition"):
            lot = f.lot(code)
            result = insight.market_insight(lot=lot, to=to, years=4, authority=authority)
            for year in result.years:
                kwargs = dict(date_from=year.date_from, date_to=year.date_to,
                              authority=authority, filters={"lot": lot.pk})
                by_route = spend(group_by="route", **kwargs)
                assert year.spend_total == by_route.total, (code, authority, year.label)
                assert {r.route: r.amount for r in year.routes if r.amount} == {
                    row.key: row.amount for row in by_route.rows if row.amount}
                by_location = {row.key: row.amount for row in
                               spend(group_by="location", **kwargs).rows}
                assert year.in_area_spend == by_location.get("in_area", 0)
                assert year.out_of_area_spend == by_location.get("out_of_area", 0)
                by_provider = sorted((row.amount for row in
                                      spend(group_by="provider", **kwargs).rows if row.amount),
                                     reverse=True)
                assert year.providers_paid == len(by_provider)
                assert year.top_providers_spend == sum(by_provider[:insight.TOP_PROVIDERS])
                if authority is None:
                    by_authority = {row.key: row.amount for row in
                                    spend(group_by="authority", **kwargs).rows}
                    assert {row.authority: row.spend for row in year.authorities
                            if row.spend} == {k: v for k, v in by_authority.items() if v}
