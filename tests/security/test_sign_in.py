"""Sign-in controls: lockout after repeated failures (django-axes), expiring and revocable API
tokens, sessions that end with the browser and after a working day, strong passwords."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def person(db):
    user = f.CommissionerFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


def fail_page_sign_ins(client, user, times):
    for _ in range(times):
        response = client.post("/sign-in/", {"username": user.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error


def test_the_page_locks_a_username_after_repeated_failures(client, person):
    fail_page_sign_ins(client, person, settings.AXES_FAILURE_LIMIT - 1)
    # One short of the limit the right password still works.
    assert client.post("/sign-in/", {"username": person.username,
                                     "password": PASSWORD}).status_code == 302
    client.logout()
    fail_page_sign_ins(client, person, settings.AXES_FAILURE_LIMIT - 1)
    response = client.post("/sign-in/", {"username": person.username, "password": "wrong"})
    assert response.status_code == 429
    # Locked: even the right password is refused, and the page says what to do.
    response = client.post("/sign-in/", {"username": person.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_username_does_not_lock_others(client, person):
    other = f.CommissionerFactory(organisation=person.organisation)
    other.set_password(PASSWORD)
    other.save()
    fail_page_sign_ins(client, person, settings.AXES_FAILURE_LIMIT - 1)
    client.post("/sign-in/", {"username": person.username, "password": "wrong"})
    assert client.post("/sign-in/", {"username": other.username,
                                     "password": PASSWORD}).status_code == 302


def test_the_lock_lifts_after_the_cool_off(client, person, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    fail_page_sign_ins(client, person, settings.AXES_FAILURE_LIMIT - 1)
    assert client.post("/sign-in/", {"username": person.username,
                                     "password": "wrong"}).status_code == 429
    time_machine.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    assert client.post("/sign-in/", {"username": person.username,
                                     "password": PASSWORD}).status_code == 302


def test_the_api_token_endpoint_locks_too(person):
    client = APIClient()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert_error(client.post(TOKEN_URL, {"username": person.username, "password": "x"}),
                     400, "invalid_credentials")
    response = client.post(TOKEN_URL, {"username": person.username, "password": "x"})
    assert_error(response, 429, "locked_out")
    assert_error(client.post(TOKEN_URL, {"username": person.username, "password": PASSWORD}),
                 429, "locked_out")
    assert not Token.objects.filter(user=person).exists()


def token_for(user):
    response = APIClient().post(TOKEN_URL, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def with_token(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_expires_and_a_new_one_replaces_it(person, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    key = token_for(person)
    assert with_token(key).get("/api/v1/lots/").status_code == 200
    time_machine.shift(datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1))
    assert_error(with_token(key).get("/api/v1/lots/"), 401, "not_authenticated")
    fresh = token_for(person)
    assert fresh != key
    assert with_token(fresh).get("/api/v1/lots/").status_code == 200


def test_a_token_can_be_revoked(person):
    key = token_for(person)
    response = with_token(key).delete(TOKEN_URL)
    assert response.status_code == 204
    assert_error(with_token(key).get("/api/v1/lots/"), 401, "not_authenticated")
    assert not Token.objects.filter(user=person).exists()


def test_revoking_needs_a_token(person):
    assert_error(APIClient().delete(TOKEN_URL), 401, "not_authenticated")
    assert_error(with_token("not-a-token").delete(TOKEN_URL), 401, "not_authenticated")


def test_asking_for_a_token_works_with_a_stale_header(person):
    stale = with_token("stale-and-wrong")
    response = stale.post(TOKEN_URL, {"username": person.username, "password": PASSWORD})
    assert response.status_code == 200


def test_sessions_end_with_the_browser_and_after_a_working_day(client, person):
    response = client.post("/sign-in/", {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]
    assert client.session.get_expiry_age() <= 8 * 3600
    assert settings.SESSION_COOKIE_AGE <= 8 * 3600


@pytest.mark.parametrize("password", ["short1", "password123", "1234567890123"])
def test_weak_passwords_are_refused(api, dps_admin, password):
    response = api(dps_admin).post("/api/v1/users/", {
        "username": "newperson", "password": password, "email": "n@example.org",
        "organisation": dps_admin.organisation_id, "roles": ["commissioner"]}, format="json")
    assert_error(response, 400, "invalid")
    assert "password" in response.json()["fields"]
