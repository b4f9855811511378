"""KPI definitions per lot: the DPS administrator sets them; everyone signed in reads them."""

import pytest

from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/"


def kpi(**extra):
    return {"lot": "fostering", "code": "placement_stability",
            "name": "Placements lasting over a year", "unit": "%", "min_value": "0",
            "max_value": "100", **extra}


def test_anonymous_cannot_read_kpis(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_only_the_dps_admin_defines_kpis(api, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, kpi(), format="json"), 403, "forbidden")


def test_a_kpi_code_is_used_once_per_lot(admin):
    mf.KpiFactory(code="placement_stability")
    with nothing_changes():
        assert_error(admin.post(URL, kpi(), format="json"), 409, "conflict")
    assert admin.post(URL, kpi(lot="residential"), format="json").status_code == 201


def test_the_range_is_not_upside_down(admin):
    with nothing_changes():
        assert_error(admin.post(URL, kpi(min_value="50", max_value="10"), format="json"), 400,
                     "invalid", fields=["max_value"])


def test_a_kpi_belongs_to_a_known_lot(admin):
    with nothing_changes():
        assert_error(admin.post(URL, kpi(lot="gardening"), format="json"), 400, "invalid",
                     fields=["lot"])


def test_dps_admin_defines_a_quarterly_kpi_by_default(admin):
    response = admin.post(URL, kpi(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["lot"], body["frequency"], body["min_value"], body["max_value"],
            body["required"]) == ("fostering", "quarterly", "0.00", "100.00", True)


def test_anyone_signed_in_lists_kpis_by_lot(api, provider_user):
    fostering = mf.KpiFactory()
    mf.KpiFactory(lot=f.lot("tuition"))
    client = api(provider_user)
    assert len(client.get(URL).json()["results"]) == 2
    assert [k["id"] for k in client.get(URL, {"lot": "fostering"}).json()["results"]] == [
        fostering.pk]


def test_commissioner_cannot_change_a_kpi(staff):
    item = mf.KpiFactory()
    with nothing_changes():
        assert_error(staff.patch(f"{URL}{item.pk}/", {"name": "x"}, format="json"), 403,
                     "forbidden")


def test_a_change_must_change_something_and_keep_the_range(admin):
    item = mf.KpiFactory()
    with nothing_changes():
        assert_error(admin.patch(f"{URL}{item.pk}/", {}, format="json"), 400, "invalid")
        assert_error(admin.patch(f"{URL}{item.pk}/", {"min_value": "101"}, format="json"), 400,
                     "invalid", fields=["max_value"])


def test_dps_admin_retires_a_kpi(admin):
    item = mf.KpiFactory()
    body = admin.patch(f"{URL}{item.pk}/", {"is_active": False, "name": "Old"},
                       format="json").json()
    assert (body["is_active"], body["name"]) == (False, "Old")
