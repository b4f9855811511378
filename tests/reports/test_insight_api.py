"""GET /api/v1/reports/market/: who may ask, what they get, and what a bad query gets."""

import pytest

from dps.models import Role
from tests import factories as f
from tests.asserts import assert_error, assert_money
from tests.reports.insight_fixtures import build_market

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/api/v1/reports/market/"
QUERY = {"lot": "residential", "to": "2026-03-31"}


@pytest.fixture
def market(db):
    return build_market()


def staff(authority, *roles):
    return f.UserFactory(organisation=authority, roles=list(roles))


def test_signed_out_is_401(anon, market):
    assert_error(anon.get(URL, QUERY), 401, "not_authenticated")


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.BUDGET_HOLDER])
def test_providers_and_budget_holders_are_403(api, market, role):
    user = (f.ProviderUserFactory() if role == Role.PROVIDER
            else staff(market.a, Role.BUDGET_HOLDER))
    assert_error(api(user).get(URL, QUERY), 403, "forbidden")


@pytest.mark.parametrize(("query", "field"), [
    ({"to": "2026-03-31"}, "lot"),
    ({"lot": "no-such-lot"}, "lot"),
    ({"lot": "999999"}, "lot"),
    ({"lot": "residential", "years": "0"}, "years"),
    ({"lot": "residential", "years": "11"}, "years"),
    ({"lot": "residential", "years": "three"}, "years"),
    ({"lot": "residential", "to": "31/03/2026"}, "to"),
    ({"lot": "residential", "view": "cabinet"}, "view"),
    ({"lot": "residential", "authority": "abc"}, "authority"),
])
def test_bad_query_is_400_invalid(api, market, query, field):
    assert_error(api(f.DpsAdminFactory()).get(URL, query), 400, "invalid", fields=[field])


def test_dps_admin_cannot_pick_a_provider_as_authority(api, market):
    response = api(f.DpsAdminFactory()).get(URL, {**QUERY, "authority": market.p1.pk})
    assert_error(response, 400, "invalid", fields=["authority"])


def test_commissioner_cannot_ask_for_another_authority(api, market):
    response = api(staff(market.a, Role.COMMISSIONER)).get(
        URL, {**QUERY, "authority": market.b.pk})
    assert_error(response, 400, "invalid", fields=["authority"])


def test_commissioner_sees_their_own_authority_only(api, market):
    response = api(staff(market.a, Role.COMMISSIONER)).get(URL, QUERY)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["authority"] == market.a.pk
    assert (body["from"], body["to"], body["view"]) == ("2023-04-01", "2026-03-31", "full")
    lot = f.lot("residential")
    assert body["lot"] == {"id": lot.pk, "code": "residential", "name": lot.name,
                           "price_unit": "week"}
    y2 = body["years"][2]
    assert (y2["from"], y2["to"]) == ("2025-04-01", "2026-03-31")
    assert (y2["placements_started"], y2["placements_live"], y2["providers_used"],
            y2["providers_admitted"]) == (2, 3, 3, 3)
    assert_money(y2["spend_total"], "89450.00")  # B's £182,500 is not in it
    assert y2["in_area_share"] == "4.2"
    assert y2["top_providers_share"] == "100.0"
    assert [(r["route"], r["amount"], r["share"]) for r in y2["routes"]] == [
        ("dps", "77650.00", "86.8"), ("spot", "9000.00", "10.1"), ("block", "2800.00", "3.1")]
    assert y2["weekly_price"] == {
        "placements": 2, "average": "1400.00", "minimum": "700.00", "lower_quartile": "1050.00",
        "median": "1400.00", "upper_quartile": "1750.00", "maximum": "2100.00"}
    assert y2["sector_weekly_price"]["placements"] == 3
    assert (y2["placements_ended"], y2["turnover_rate"], y2["median_length_days"]) == (
        2, "66.7", "20.0")
    assert {e["reason"] for e in y2["endings"]} == {"placement_breakdown", "returned_home"}
    assert y2["authorities"] is None
    assert "Brighton" not in response.content.decode()


def test_finance_may_read_market_insight(api, market):
    response = api(staff(market.b, Role.FINANCE)).get(URL, QUERY)
    assert response.status_code == 200
    assert response.json()["years"][2]["spend_total"] == "182500.00"


def test_dps_admin_sees_every_authority_with_a_breakdown(api, market):
    body = api(f.DpsAdminFactory()).get(URL, QUERY).json()
    assert body["authority"] is None
    rows = {row["name"]: row for row in body["years"][2]["authorities"]}
    assert rows["Brighton and Hove City Council"]["spend"] == "182500.00"
    assert rows["West Sussex County Council"]["placements_live"] == 3


def test_dps_admin_may_pick_one_authority(api, market):
    body = api(f.DpsAdminFactory()).get(URL, {**QUERY, "authority": market.b.pk}).json()
    assert body["authority"] == market.b.pk
    assert body["years"][2]["spend_total"] == "182500.00"
    assert body["years"][2]["authorities"] is None


def test_forum_view_leaves_out_the_breakdown(api, market):
    body = api(f.DpsAdminFactory()).get(URL, {**QUERY, "view": "forum"}).json()
    assert body["view"] == "forum"
    assert all(year["authorities"] is None for year in body["years"])
    assert "Brighton" not in str(body)
    assert body["years"][2]["spend_total"] == "271950.00"


def test_years_and_lot_by_id(api, market):
    lot = f.lot("residential")
    body = api(f.DpsAdminFactory()).get(URL, {"lot": lot.pk, "years": 1,
                                              "to": "2026-03-31"}).json()
    assert len(body["years"]) == 1
    assert body["lot"]["code"] == "residential"


def test_defaults_to_three_years_to_today(api, market):
    body = api(f.DpsAdminFactory()).get(URL, {"lot": "residential"}).json()
    assert len(body["years"]) == 3


def test_query_count_is_bounded(api, market, django_assert_max_num_queries):
    client = api(f.DpsAdminFactory())
    # Five for the figures, two a year for spend, two for the breakdown, and the lot.
    with django_assert_max_num_queries(15):
        assert client.get(URL, QUERY).status_code == 200
