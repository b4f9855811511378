"""GET /api/v1/reports/demand/ and the `before_after` block of /reports/market/ (API.md v1.1,
issue 18): who may ask, what they get (figures known by hand), and bad queries."""

import datetime as dt

import pytest
import time_machine

from dps.models import Role
from providers.models import Dps
from tests import factories as f
from tests.asserts import assert_error
from tests.reports.insight_fixtures import build_market, placement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/api/v1/reports/demand/"
MARKET = "/api/v1/reports/market/"
D = dt.date


@pytest.fixture
def market(db):
    m = build_market()
    Dps.objects.filter(code="children").update(starts_on=D(2024, 4, 1))
    return m


def staff(authority, *roles):
    return f.UserFactory(organisation=authority, roles=list(roles))


def test_signed_out_is_401(anon, market):
    assert_error(anon.get(URL, {"lot": "residential"}), 401, "not_authenticated")


@pytest.mark.parametrize("role", [Role.PROVIDER, Role.BUDGET_HOLDER])
def test_providers_and_budget_holders_are_403(api, market, role):
    user = (f.ProviderUserFactory() if role == Role.PROVIDER
            else staff(market.a, Role.BUDGET_HOLDER))
    assert_error(api(user).get(URL, {"lot": "residential"}), 403, "forbidden")


@pytest.mark.parametrize(("query", "field"), [
    ({}, "lot"),
    ({"lot": "no-such-lot"}, "lot"),
    ({"lot": "residential", "authority": "abc"}, "authority"),
])
def test_bad_query_is_400_invalid(api, market, query, field):
    assert_error(api(f.DpsAdminFactory()).get(URL, query), 400, "invalid", fields=[field])


def test_commissioner_cannot_ask_for_another_authority(api, market):
    response = api(staff(market.a, Role.COMMISSIONER)).get(
        URL, {"lot": "residential", "authority": market.b.pk})
    assert_error(response, 400, "invalid", fields=["authority"])


@time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize("role", [Role.COMMISSIONER, Role.FINANCE])
def test_staff_get_their_authoritys_months_and_a_12_month_forecast(api, market, role):
    body = api(staff(market.a, role)).get(URL, {"lot": "residential"}).json()
    assert body["lot"] == "residential"
    assert body["authority"] == market.a.pk
    # A's residential placements started June 2023, April 2024, April 2025, May 2025; the
    # history runs to March 2026 (the last whole month), gaps as 0.
    history = {m["month"]: m["started"] for m in body["history"]}
    assert list(history)[0] == "2023-06"
    assert list(history)[-1] == "2026-03"
    assert len(history) == 34
    assert (history["2023-06"], history["2024-04"], history["2025-04"], history["2025-05"]) == (
        1, 1, 1, 1)
    assert sum(history.values()) == 4
    assert [m["month"] for m in body["forecast"]] == [
        f"{2026 + (3 + i) // 12}-{(3 + i) % 12 + 1:02d}" for i in range(12)]
    for month in body["forecast"]:
        assert 0 <= month["low"] <= month["expected"] <= month["high"]
    assert body["method"] == "ets_seasonal"
    assert body["interval"] == 80


@time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC), tick=False)
def test_dps_admin_sees_all_authorities_or_one(api, market):
    admin = api(f.DpsAdminFactory())
    everyone = admin.get(URL, {"lot": "residential"}).json()
    assert everyone["authority"] is None
    assert sum(m["started"] for m in everyone["history"]) == 5  # with B's April 2025
    only_b = admin.get(URL, {"lot": "residential", "authority": market.b.pk}).json()
    assert [(m["month"], m["started"]) for m in only_b["history"]] == [
        ("2025-04", 1), ("2025-05", 0), ("2025-06", 0), ("2025-07", 0), ("2025-08", 0),
        ("2025-09", 0), ("2025-10", 0), ("2025-11", 0), ("2025-12", 0), ("2026-01", 0),
        ("2026-02", 0), ("2026-03", 0)]
    assert only_b["method"] == "ets_level"  # 12 months: no seasonal pattern fitted


def test_a_lot_with_no_placements_has_no_history_and_a_zero_forecast(api, market):
    body = api(staff(market.a, Role.COMMISSIONER)).get(URL, {"lot": "tuition"}).json()
    assert body["history"] == []
    assert len(body["forecast"]) == 12
    assert {(m["expected"], m["low"], m["high"]) for m in body["forecast"]} == {(0, 0, 0)}


def test_query_count_does_not_grow_with_placements(api, market, django_assert_max_num_queries):
    client = api(staff(market.a, Role.COMMISSIONER))
    client.get(URL, {"lot": "residential"})
    for month in range(1, 13):
        placement(authority=market.a, provider=market.p1, start=D(2022, month, 3))
    with django_assert_max_num_queries(6):
        assert client.get(URL, {"lot": "residential"}).status_code == 200


# --- before_after on the market insight API -------------------------------------------------

def test_market_insight_carries_before_and_after_the_dps(api, market):
    body = api(staff(market.a, Role.COMMISSIONER)).get(
        MARKET, {"lot": "residential", "to": "2026-03-31"}).json()
    # DPS from 1 April 2024: the year before is 1 Apr 2023–31 Mar 2024 (a1 with P1 started
    # and live); the latest, 1 Apr 2025–31 Mar 2026: a3 (spot) and a5 started; a2 (P2), a3
    # (the unlisted spot provider) and a5 (P1) live.
    assert body["before_after"] == {"dps_start": "2024-04-01", "providers_before": 1,
                                    "providers_after": 3, "placements_before": 1,
                                    "placements_after": 2}


def test_before_after_for_all_authorities(api, market):
    body = api(f.DpsAdminFactory()).get(MARKET, {"lot": "residential",
                                                 "to": "2026-03-31"}).json()
    assert body["before_after"]["placements_after"] == 3  # with B's b1
    assert body["before_after"]["providers_after"] == 3  # P1 again for b1
