"""Provider sign-up page (finding 12): the page of POST /api/v1/providers/register/, calling the
same service, throttled by the same counter per client address."""

import pytest
from rest_framework.test import APIClient

from dps.models import Organisation, User
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/register/"


def details(**changes):
    data = {"organisation_name": "Sunrise Homes Ltd", "area": "Brighton and Hove",
            "postcode": "BN1 1AA", "companies_house_number": "SC123456",
            "username": "sunrise", "password": "plum-orchard-lantern-42",
            "email": "bids@sunrise.example"}
    data.update(changes)
    return data


def test_the_sign_in_page_links_to_sign_up(client):
    assert 'href="/register/"' in client.get("/sign-in/").content.decode()


def test_a_provider_registers_its_organisation_and_first_user(client):
    page = client.get(URL)
    assert page.status_code == 200
    assert "Register your organisation" in page.content.decode()
    response = client.post(URL, details())
    assert response.status_code == 302
    assert response["Location"] == "/sign-in/"
    user = User.objects.get(username="sunrise")
    assert user.organisation.kind == Organisation.Kind.PROVIDER
    assert user.organisation.companies_house_number == "SC123456"
    assert user.roles == ["provider"]
    assert user.is_org_admin
    assert user.check_password("plum-orchard-lantern-42")
    assert "Your organisation is registered" in client.get("/sign-in/").content.decode()


def test_a_taken_username_is_refused_on_its_field_and_nothing_is_stored(client):
    f.ProviderUserFactory(username="sunrise")
    response = client.post(URL, details())
    assert response.status_code == 400
    assert "A user with that username already exists." in response.content.decode()
    assert not Organisation.objects.filter(name="Sunrise Homes Ltd").exists()


def test_a_weak_password_is_refused(client):
    response = client.post(URL, details(password="password"))
    assert response.status_code == 400
    assert "Error: Register your organisation" in response.content.decode()
    assert not User.objects.filter(username="sunrise").exists()


def test_a_bad_companies_house_number_is_refused(client):
    response = client.post(URL, details(companies_house_number="12"))
    assert response.status_code == 400
    assert "A Companies House number is 8 characters" in response.content.decode()


def test_the_page_and_the_api_share_the_throttle(client):
    api = APIClient()
    for n in range(5):
        api.post("/api/v1/providers/register/", details(username=f"u{n}"), format="json")
    response = client.post(URL, details())
    assert response.status_code == 429
    assert not User.objects.filter(username="sunrise").exists()
