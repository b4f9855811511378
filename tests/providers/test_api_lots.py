"""Lots (GET /api/v1/lots/) and arrangements (POST /api/v1/dps/, dps_admin)."""

import pytest

from providers.models import Dps
from tests import factories as f
from tests.asserts import assert_error, nothing_changes

pytestmark = pytest.mark.django_db

LOTS_URL = "/api/v1/lots/"
DPS_URL = "/api/v1/dps/"

ADULTS = {
    "code": "adults-ld-mh", "name": "Adults' learning disability and mental health DPS",
    "regime": "pa2023_light_touch", "starts_on": "2026-04-01", "ends_on": "2034-03-31",
    "regulator": "cqc",
    "lots": [
        {"code": "community_support", "name": "Community support", "price_unit": "hour"},
        {"code": "supported_living", "name": "Supported living", "price_unit": "week",
         "requires_regulator_reference": True},
        {"code": "residential_care", "name": "Residential care", "price_unit": "week",
         "requires_regulator_reference": True},
    ],
}


def units(lots):
    return [(lot["code"], lot["price_unit"]) for lot in lots]


def test_anonymous_cannot_create_a_dps(anon):
    with nothing_changes():
        assert_error(anon.post(DPS_URL, ADULTS, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_create_a_dps(api, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(DPS_URL, ADULTS, format="json"), 403, "forbidden")
    assert not Dps.objects.filter(code="adults-ld-mh").exists()


def test_nobody_can_fetch_an_unknown_lot(anon):
    assert_error(anon.get(f"{LOTS_URL}999999/"), 404, "not_found")


def test_lots_cannot_be_listed_for_an_unknown_dps(anon):
    assert_error(anon.get(LOTS_URL, {"dps": "nowhere"}), 400, "invalid", fields=["dps"])


@pytest.mark.parametrize(("change", "field"), [
    ({"code": "children"}, "code"),
    ({"ends_on": "2026-04-01"}, "ends_on"),
    ({"lots": []}, "lots"),
    ({"regime": "framework"}, "regime"),
    ({"lots": [{"code": "a", "name": "A", "price_unit": "day"}]}, "lots.0.price_unit"),
    ({"lots": [{"code": "a", "name": "A", "price_unit": "week"},
               {"code": "a", "name": "B", "price_unit": "hour"}]}, "lots"),
    ({"evaluation_working_days": 12, "evaluation_max_working_days": 11},
     "evaluation_max_working_days"),
])
def test_dps_admin_cannot_create_a_dps_when_a_field_is_invalid(api, dps_admin, change, field):
    with nothing_changes():
        response = api(dps_admin).post(DPS_URL, {**ADULTS, **change}, format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_anyone_lists_the_four_lots_of_the_childrens_dps(anon):
    response = anon.get(LOTS_URL)
    assert response.status_code == 200, response.json()
    lots = response.json()
    assert units(lots) == [("fostering", "week"), ("residential", "week"), ("inmss", "year"),
                           ("tuition", "hour")]
    for lot in lots:
        assert {"id", "code", "name", "price_unit"} <= set(lot)
        assert isinstance(lot["id"], int)
        assert lot["name"]


def test_the_childrens_dps_is_a_dynamic_market_for_light_touch_contracts(anon, provider_user,
                                                                          api):
    # Started 1 April 2025, after the Procurement Act 2023 came into force (ADR 0017).
    body = api(provider_user).get(f"{DPS_URL}children/").json()
    assert body["regime"] == "pa2023_light_touch"
    assert body["max_suspension_months"] == 6
    assert body["evaluation_working_days"] == 10


def test_dps_admin_creates_another_dps_whose_lots_are_listed_by_code(api, dps_admin, anon):
    response = api(dps_admin).post(DPS_URL, ADULTS, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["code"] == "adults-ld-mh"
    assert units(response.json()["lots"]) == [
        ("community_support", "hour"), ("supported_living", "week"), ("residential_care", "week")]

    adults = anon.get(LOTS_URL, {"dps": "adults-ld-mh"}).json()
    assert units(adults) == [("community_support", "hour"), ("supported_living", "week"),
                             ("residential_care", "week")]
    assert {lot["dps"] for lot in adults} == {"adults-ld-mh"}
    # The children's list is unchanged by the new arrangement.
    assert [lot["code"] for lot in anon.get(LOTS_URL).json()] == [
        "fostering", "residential", "inmss", "tuition"]


def test_a_new_dps_takes_its_rule_settings_from_its_regime_unless_given(api, dps_admin):
    admin = api(dps_admin)
    body = admin.post(DPS_URL, {**ADULTS, "regime": "pcr2015_dps", "starts_on": "2024-04-01",
                                "ends_on": "2029-02-23"}, format="json").json()
    assert body["min_response_days"] == 10
    assert body["max_suspension_months"] == 6
    body = admin.post(DPS_URL, {**ADULTS, "code": "approved-list", "max_suspension_months": 3},
                      format="json").json()
    assert body["max_suspension_months"] == 3


def test_anyone_reads_one_lot(anon):
    lot = f.lot("inmss")
    body = anon.get(f"{LOTS_URL}{lot.pk}/").json()
    assert (body["code"], body["price_unit"], body["dps"]) == ("inmss", "year", "children")
