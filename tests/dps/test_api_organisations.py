"""Organisations: authorities and providers (POST /api/v1/organisations/, dps_admin)."""

import pytest

from dps.models import AuditEntry, Organisation
from tests import factories as f
from tests.asserts import assert_error, nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/organisations/"
WEST_SUSSEX = {"name": "West Sussex County Council", "kind": "authority", "is_lead": True,
               "area": "West Sussex", "postcode": "rh12 1st"}


def test_anonymous_cannot_list_organisations(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_anonymous_cannot_create_organisation(anon):
    with nothing_changes():
        assert_error(anon.post(URL, WEST_SUSSEX, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory, f.ProviderUserFactory])
def test_non_admin_cannot_create_organisation(api, factory):
    user = factory()
    with nothing_changes():
        assert_error(api(user).post(URL, WEST_SUSSEX, format="json"), 403, "forbidden")


def test_provider_cannot_see_another_organisation(api, provider_user, other_provider_user):
    response = api(provider_user).get(f"{URL}{other_provider_user.organisation_id}/")
    assert_error(response, 404, "not_found")


def test_provider_cannot_see_an_authority(api, provider_user, commissioner):
    response = api(provider_user).get(f"{URL}{commissioner.organisation_id}/")
    assert_error(response, 404, "not_found")


def test_dps_admin_cannot_fetch_an_unknown_organisation(api, dps_admin):
    assert_error(api(dps_admin).get(f"{URL}999999/"), 404, "not_found")


def test_dps_admin_cannot_create_organisation_when_name_taken_for_kind(api, dps_admin):
    f.AuthorityFactory(name="West Sussex County Council")
    with nothing_changes():
        response = api(dps_admin).post(
            URL, {**WEST_SUSSEX, "name": "WEST SUSSEX county council"}, format="json")
    assert_error(response, 400, "invalid", fields=["name"])


@pytest.mark.parametrize(("change", "field"), [
    ({"kind": "charity"}, "kind"),
    ({"name": ""}, "name"),
    ({"postcode": "RH12 1ST EXTRA"}, "postcode"),
])
def test_dps_admin_cannot_create_organisation_when_a_field_is_invalid(api, dps_admin, change,
                                                                      field):
    with nothing_changes():
        response = api(dps_admin).post(URL, {**WEST_SUSSEX, **change}, format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_dps_admin_cannot_create_organisation_from_malformed_json(api, dps_admin):
    with nothing_changes():
        response = api(dps_admin).post(URL, '{"name": "West Sussex",',
                                       content_type="application/json")
    assert_error(response, 400, "invalid")


def test_dps_admin_cannot_delete_an_organisation(api, dps_admin):
    with nothing_changes():
        response = api(dps_admin).delete(f"{URL}{dps_admin.organisation_id}/")
    assert_error(response, 405, "method_not_allowed")


def test_dps_admin_creates_an_authority(api, dps_admin):
    response = api(dps_admin).post(URL, WEST_SUSSEX, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body == {"id": body["id"], "name": "West Sussex County Council", "kind": "authority",
                    "is_lead": True, "area": "West Sussex", "postcode": "RH12 1ST",
                    "companies_house_number": ""}
    entry = AuditEntry.objects.get(object_id=body["id"], action="organisation.created")
    assert entry.actor == dps_admin


def test_a_provider_organisation_is_never_the_lead(api, dps_admin):
    response = api(dps_admin).post(URL, {"name": "Sunrise Homes Ltd", "kind": "provider",
                                         "is_lead": True, "area": "Brighton and Hove"},
                                   format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["is_lead"] is False


def test_the_same_name_may_be_used_by_an_authority_and_a_provider(api, dps_admin):
    f.ProviderOrgFactory(name="Hampshire Care")
    response = api(dps_admin).post(URL, {"name": "Hampshire Care", "kind": "authority"},
                                   format="json")
    assert response.status_code == 201, response.json()
    assert Organisation.objects.filter(name="Hampshire Care").count() == 2


def test_provider_lists_only_its_own_organisation(api, provider_user, other_provider_user):
    body = api(provider_user).get(URL).json()
    assert body["count"] == 1
    assert [o["id"] for o in body["results"]] == [provider_user.organisation_id]


def test_authority_user_lists_every_organisation_paginated(api, commissioner, provider_user):
    body = api(commissioner).get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    ids = {o["id"] for o in body["results"]}
    assert {commissioner.organisation_id, provider_user.organisation_id} <= ids


def test_authority_user_filters_organisations_by_kind(api, commissioner, provider_user):
    body = api(commissioner).get(URL, {"kind": "provider"}).json()
    assert {o["kind"] for o in body["results"]} == {"provider"}
    assert provider_user.organisation_id in {o["id"] for o in body["results"]}
