"""Every area a person or a client enters is chosen from the list (ADR 0021): organisations,
provider registration, the sign-up page; and stored areas typed before the list are normalised
by the data migration's function."""

import importlib

import pytest
from django.apps import apps

from dps.models import Organisation
from tests import factories as f
from tests.asserts import assert_error, nothing_changes

pytestmark = pytest.mark.django_db


def test_an_organisation_with_an_area_not_in_the_list_is_refused(api):
    admin = f.DpsAdminFactory()
    body = {"name": "Somewhere Council", "kind": "authority", "area": "Wessex"}
    with nothing_changes():
        assert_error(api(admin).post("/api/v1/organisations/", body, format="json"), 400,
                     "invalid", fields=["area"])
    made = api(admin).post("/api/v1/organisations/", body | {"area": "E06000059"},
                           format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["area"] == "Dorset"


def test_provider_registration_needs_an_area_from_the_list(anon):
    body = {"organisation_name": "Sunrise Homes Ltd", "area": "The seaside",
            "postcode": "BN1 1AA", "companies_house_number": "12345678",
            "username": "sunrise", "password": "a-long-unusual-passphrase-42",
            "email": "sunrise@example.org"}
    assert_error(anon.post("/api/v1/providers/register/", body, format="json"), 400,
                 "invalid", fields=["area"])


def test_the_sign_up_page_offers_the_list(client):
    page = client.get("/register/").content.decode()
    assert '<select class="govuk-select" id="area"' in page
    assert '<option value="Brighton and Hove">' in page


def test_the_migration_spells_known_areas_as_the_list_and_leaves_the_rest():
    tidy = f.ProviderOrgFactory(area="  brighton AND hove ")
    legacy = f.ProviderOrgFactory(area="South East")
    migration = importlib.import_module("sufficiency.migrations.0002_normalise_areas")
    migration.normalise(apps, None)
    assert Organisation.objects.get(pk=tidy.pk).area == "Brighton and Hove"
    assert Organisation.objects.get(pk=legacy.pk).area == "South East"
