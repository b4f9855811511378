"""API tokens and provider self-registration (both open to anonymous callers, both throttled)."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from dps.models import Organisation, User
from tests import factories as f
from tests.asserts import assert_error, nothing_changes

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REGISTER_URL = "/api/v1/providers/register/"
ME_URL = "/api/v1/users/me/"
PASSWORD = "correct-horse-battery"  # what the user factories set


def registration(**changes):
    return {"organisation_name": "Sunrise Homes Ltd", "area": "Brighton and Hove",
            "postcode": "bn1 1aa", "companies_house_number": "sc123456",
            "username": "sunrise", "password": "plum-orchard-lantern-42",
            "email": "bids@sunrise.example", **changes}


# --- Tokens ---------------------------------------------------------------------------------

def test_anonymous_cannot_use_a_made_up_token(anon):
    anon.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert_error(anon.get(ME_URL), 401, "not_authenticated")


@pytest.mark.parametrize(("username", "password"), [
    ("user-that-does-not-exist", PASSWORD),
    (None, "wrong-password-entirely"),
])
def test_user_cannot_get_a_token_with_bad_credentials(anon, commissioner, username, password):
    response = anon.post(TOKEN_URL, {"username": username or commissioner.username,
                                     "password": password}, format="json")
    assert_error(response, 400, "invalid_credentials")


def test_inactive_user_cannot_get_a_token(anon):
    user = f.CommissionerFactory(is_active=False)
    response = anon.post(TOKEN_URL, {"username": user.username, "password": PASSWORD},
                         format="json")
    assert_error(response, 400, "invalid_credentials")


def test_user_cannot_get_a_token_without_a_password(anon, commissioner):
    response = anon.post(TOKEN_URL, {"username": commissioner.username}, format="json")
    assert_error(response, 400, "invalid", fields=["password"])


def test_user_gets_a_token_and_signs_in_with_it(anon, commissioner):
    response = anon.post(TOKEN_URL, {"username": commissioner.username, "password": PASSWORD},
                         format="json")
    assert response.status_code == 200, response.json()
    token = response.json()["token"]
    assert set(response.json()) == {"token"}

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get(ME_URL)
    assert me.status_code == 200, me.json()
    assert me.json()["username"] == commissioner.username


def test_asking_twice_gives_the_same_token(anon, commissioner):
    credentials = {"username": commissioner.username, "password": PASSWORD}
    first = anon.post(TOKEN_URL, credentials, format="json").json()["token"]
    assert anon.post(TOKEN_URL, credentials, format="json").json()["token"] == first


def test_token_requests_are_throttled(anon, commissioner):
    # A different username each time, so the per-username lockout (tests/security) never
    # trips: the throttle counts requests from the address whatever the name.
    for number in range(20):
        credentials = {"username": f"guess-{number}", "password": "wrong-password-entirely"}
        assert anon.post(TOKEN_URL, credentials, format="json").status_code == 400
    credentials = {"username": commissioner.username, "password": "wrong-password-entirely"}
    assert_error(anon.post(TOKEN_URL, credentials, format="json"), 429, "throttled")


# --- Provider registration --------------------------------------------------------------------

@pytest.mark.parametrize("number", ["1234567", "123456789", "SC12345A", "S1234567", "AB-12345"])
def test_provider_cannot_register_when_companies_house_number_is_malformed(anon, number):
    with nothing_changes():
        response = anon.post(REGISTER_URL, registration(companies_house_number=number),
                             format="json")
    assert_error(response, 400, "invalid", fields=["companies_house_number"])


@pytest.mark.parametrize("missing", ["organisation_name", "area", "postcode", "username",
                                     "password", "email"])
def test_provider_cannot_register_without_a_required_field(anon, missing):
    body = registration()
    del body[missing]
    with nothing_changes():
        response = anon.post(REGISTER_URL, body, format="json")
    assert_error(response, 400, "invalid", fields=[missing])


def test_provider_cannot_register_with_a_weak_password(anon):
    with nothing_changes():
        response = anon.post(REGISTER_URL, registration(password="password"), format="json")
    assert_error(response, 400, "invalid", fields=["password"])
    assert not Organisation.objects.filter(name="Sunrise Homes Ltd").exists()
    assert not User.objects.filter(username="sunrise").exists()


def test_provider_cannot_register_when_username_is_taken(anon):
    f.ProviderUserFactory(username="Sunrise")
    with nothing_changes():
        response = anon.post(REGISTER_URL, registration(), format="json")
    assert_error(response, 400, "invalid", fields=["username"])
    assert not Organisation.objects.filter(name="Sunrise Homes Ltd").exists()


def test_provider_cannot_register_when_organisation_name_is_taken(anon):
    f.ProviderOrgFactory(name="Sunrise Homes Ltd")
    with nothing_changes():
        response = anon.post(REGISTER_URL, registration(), format="json")
    assert_error(response, 400, "invalid", fields=["organisation_name"])


def test_provider_registers_its_organisation_and_first_user(anon):
    response = anon.post(REGISTER_URL, registration(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == {"organisation", "user"}
    organisation = Organisation.objects.get(pk=body["organisation"])
    assert organisation.kind == Organisation.Kind.PROVIDER
    assert not organisation.is_lead
    assert organisation.companies_house_number == "SC123456"
    assert organisation.postcode == "BN1 1AA"
    user = User.objects.get(pk=body["user"])
    assert user.organisation == organisation
    assert user.roles == ["provider"]


def test_registered_provider_signs_in_for_a_token(anon):
    anon.post(REGISTER_URL, registration(), format="json")
    response = anon.post(TOKEN_URL, {"username": "sunrise", "password": "plum-orchard-lantern-42"},
                         format="json")
    assert response.status_code == 200, response.json()


def test_registration_is_throttled_after_five_an_hour(anon):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(5):
            response = anon.post(REGISTER_URL, registration(
                organisation_name=f"Provider {n}", username=f"provider{n}"), format="json")
            assert response.status_code == 201, response.json()
        with nothing_changes():
            response = anon.post(REGISTER_URL, registration(), format="json")
        assert_error(response, 429, "throttled")

    with time_machine.travel(start + datetime.timedelta(hours=1, seconds=1), tick=False):
        response = anon.post(REGISTER_URL, registration(), format="json")
        assert response.status_code == 201, response.json()


def test_refused_registrations_count_towards_the_throttle(anon):
    for _ in range(5):
        response = anon.post(REGISTER_URL, registration(password="password"), format="json")
        assert response.status_code == 400
    assert_error(anon.post(REGISTER_URL, registration(), format="json"), 429, "throttled")
