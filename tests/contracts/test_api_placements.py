"""GET /api/v1/placements/ and /{id}/: scope, filters, the price in force, next review."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contracts import services
from tests import factories as f
from tests.asserts import assert_error, assert_money
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db

URL = "/api/v1/placements/"
FIELDS = {"id", "authority", "provider", "lot", "route", "start_date", "end_date", "price",
          "status", "next_review_date"}


def url(placement):
    return f"{URL}{placement.pk}/"


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"))


def test_anonymous_cannot_list(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_a_user_without_a_role_cannot_list(api, db):
    assert_error(api(f.UserFactory(roles=[])).get(URL), 403, "forbidden")


def test_another_authority_and_provider_get_not_found(api, placement):
    for user in (f.CommissionerFactory(), f.ProviderUserFactory()):
        assert_error(api(user).get(url(placement)), 404, "not_found")
        assert api(user).get(URL).json()["count"] == 0


def test_an_unknown_filter_value_is_invalid(api, placement):
    client = api(commissioner_of(placement))
    assert_error(client.get(f"{URL}?status=lost"), 400, "invalid", fields=["status"])
    assert_error(client.get(f"{URL}?review_due=soon"), 400, "invalid", fields=["review_due"])


def test_the_api_fields(api, placement):
    for client in (api(commissioner_of(placement)), api(provider_of(placement))):
        data = client.get(url(placement)).json()
        assert FIELDS <= set(data)
        assert (data["lot"], data["route"], data["status"], data["start_date"]) == (
            "residential", "dps", "active", "2026-01-05")
        assert_money(data["price"], "5000.00")
        assert data["next_review_date"] == "2026-02-02"  # 20 working days after 5 January
        assert [p["effective_from"] for p in data["fee_periods"]] == ["2026-01-05"]


def test_the_price_is_the_one_in_force_today(api, placement, time_machine):
    services.record_fee_change(placement, by=commissioner_of(placement),
                               new_price=Decimal("5200.00"), effective_from=day("2026-06-10"),
                               reason="Uplift")
    client = api(commissioner_of(placement))
    assert client.get(url(placement)).json()["price"] == "5000.00"
    time_machine.move_to("2026-06-10 09:00 +01:00", tick=False)
    assert client.get(url(placement)).json()["price"] == "5200.00"
    assert client.get(URL).json()["results"][0]["price"] == "5200.00"


def test_prices_across_fee_periods(placement, time_machine):
    by = commissioner_of(placement)
    services.record_fee_change(placement, by=by, new_price=Decimal("5150.50"),
                               effective_from=day("2026-05-20"), reason="First uplift")
    time_machine.move_to("2027-05-20 09:00 +01:00", tick=False)
    services.record_fee_change(placement, by=by, new_price=Decimal("5400.00"),
                               effective_from=day("2027-05-20"), reason="Second uplift")
    expected = {"2026-01-04": None, "2026-01-05": "5000.00", "2026-05-19": "5000.00",
                "2026-05-20": "5150.50", "2027-05-19": "5150.50", "2027-05-20": "5400.00",
                "2030-01-01": "5400.00"}
    for when, price in expected.items():
        assert services.price_on(placement, day(when)) == (Decimal(price) if price else None)
    placement.refresh_from_db()
    assert placement.price == Decimal("5400.00")


def test_filters(api, frozen):
    authority = f.AuthorityFactory()
    provider = f.ProviderOrgFactory()
    residential = pf.PlacementFactory(authority=authority, provider=provider)
    fostering = pf.PlacementFactory(authority=authority, lot=f.lot("fostering"),
                                    price=Decimal("900.00"), cap="1100.00")
    pending = pf.PendingPlacementFactory(authority=authority)
    ended = pf.EndedPlacementFactory(authority=authority)
    spot = pf.SpotPlacementFactory(authority=authority)
    client = api(f.CommissionerFactory(organisation=authority))

    def ids(query):
        return {row["id"] for row in client.get(f"{URL}?{query}").json()["results"]}

    everything = {residential.pk, fostering.pk, pending.pk, ended.pk, spot.pk}
    assert ids("") == everything
    assert ids("lot=fostering") == {fostering.pk}
    assert ids(f"provider={provider.pk}") == {residential.pk}
    assert ids("status=pending_start") == {pending.pk}
    assert ids("status=ended") == {ended.pk}
    assert ids("route=spot") == {spot.pk}
    # All but the pending one started 30+ days ago: their first reviews are due within the
    # 14-day window or overdue; an ended placement has no review due.
    assert ids("review_due=true") == {residential.pk, fostering.pk, spot.pk}
    assert ids("review_due=false") == {pending.pk, ended.pk}
    assert ids("review_due=2030-01-01") == everything - {ended.pk}


def test_dps_admin_sees_every_authority(api, placement, dps_admin):
    assert api(dps_admin).get(URL).json()["count"] == 1


def test_the_list_takes_the_same_queries_for_one_or_many(api, frozen):
    authority = f.AuthorityFactory()
    client = api(f.CommissionerFactory(organisation=authority))
    pf.PlacementFactory(authority=authority)
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(5):
        pf.PlacementFactory(authority=authority)
    with CaptureQueriesContext(connection) as six:
        assert client.get(URL).json()["count"] == 6
    assert len(six) == len(one)
