"""Two-factor sign-in for staff (TOTP, django-otp) when STAFF_TWO_FACTOR is on: set-up on
first sign-in, a code on every later one, nothing reachable in between; the API token needs
the code too. Providers are not asked."""

import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dps import two_factor
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_TWO_FACTOR = True


def person(factory=f.CommissionerFactory):
    user = factory()
    user.set_password(PASSWORD)
    user.save()
    return user


def code_for(device, offset=0):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset
    return f"{totp.token():06d}"


def sign_in(client, user):
    response = client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def test_staff_set_up_an_app_on_first_sign_in_and_nothing_else_opens_before(client):
    user = person()
    # Allowed by an administrator's reset (tests/security/test_two_factor_enrolment.py has the
    # invitation route and the refusals).
    two_factor.reset(user, by=f.DpsAdminFactory())
    sign_in(client, user)
    response = client.get("/placements/")
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/setup/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Set up two-factor sign-in" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)

    wrong = client.post("/two-factor/setup/?next=/placements/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "The code is not right." in wrong.content.decode()
    assert client.get("/placements/").status_code == 302

    done = client.post("/two-factor/setup/", {"code": code_for(device), "next": "/placements/"})
    assert done.status_code == 302
    assert done["Location"] == "/placements/"
    assert client.get("/placements/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action="user.two_factor_enabled", object_id=user.pk).exists()


def test_later_sign_ins_ask_for_a_code(client):
    user = person()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, user)
    response = client.get("/placements/")
    assert response["Location"].startswith("/two-factor/verify/")
    assert client.post("/two-factor/verify/", {"code": code_for(device)}).status_code == 302
    assert client.get("/placements/").status_code == 200


def test_a_wrong_code_opens_nothing(client):
    user = person()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, user)
    for code in ("12345x", "000000", ""):
        assert client.post("/two-factor/verify/", {"code": code}).status_code == 400
    assert client.get("/placements/").status_code == 302


def test_a_code_cannot_be_used_twice(client):
    user = person()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    code = code_for(device)
    sign_in(client, user)
    assert client.post("/two-factor/verify/", {"code": code}).status_code == 302
    client.post("/sign-out/")
    sign_in(client, user)
    assert client.post("/two-factor/verify/", {"code": code}).status_code == 400


def test_next_cannot_send_someone_off_site(client):
    user = person()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, user)
    response = client.post("/two-factor/verify/", {"code": code_for(device),
                                                   "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_providers_are_not_asked(client):
    user = person(f.ProviderUserFactory)
    sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 302
    assert not response["Location"].startswith("/two-factor/")
    assert client.get(response["Location"]).status_code == 200


def test_with_the_setting_off_staff_are_not_asked(client, settings):
    settings.STAFF_TWO_FACTOR = False
    user = person()
    sign_in(client, user)
    assert client.get("/placements/").status_code == 200


def test_staff_api_tokens_need_the_code():
    user = person()
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = APIClient()
    url = "/api/v1/auth/token/"
    assert_error(client.post(url, {"username": user.username, "password": PASSWORD}),
                 400, "otp_required", fields=["otp"])
    response = client.post(url, {"username": user.username, "password": PASSWORD,
                                 "otp": code_for(device)})
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_wrong_code_gets_no_api_token():
    user = person()
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert_error(APIClient().post("/api/v1/auth/token/", {
        "username": user.username, "password": PASSWORD, "otp": "000000"}),
        400, "invalid_otp", fields=["otp"])
    assert not Token.objects.filter(user=user).exists()


def test_provider_api_tokens_need_no_code():
    user = person(f.ProviderUserFactory)
    response = APIClient().post("/api/v1/auth/token/",
                                {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.json()
