"""Throttles and the sign-in lockout key on the real client address (dps.net): by default the
connection's, whatever X-Forwarded-For says; behind TRUSTED_PROXY_COUNT proxies, the address
the outermost trusted proxy saw (the N-th from the right of the header)."""

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import RequestFactory
from rest_framework.test import APIClient

from dps.net import client_address
from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
REGISTER_URL = "/api/v1/providers/register/"
PROXY = "10.0.0.2"


def registration(n):
    return {"organisation_name": f"Provider {n}", "area": "Brighton and Hove",
            "postcode": "BN1 1AA", "companies_house_number": f"{n:08d}",
            "username": f"provider{n}", "password": "plum-orchard-lantern-42",
            "email": f"bids{n}@provider.example"}


def meta(forwarded=None, remote="192.0.2.10"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_by_default_no_proxy_is_trusted():
    assert settings.TRUSTED_PROXY_COUNT == 0
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0  # DRF's own rule: REMOTE_ADDR too
    assert client_address(meta("198.51.100.1")) == "192.0.2.10"


@pytest.mark.parametrize(("count", "forwarded", "expected"), [
    (1, "198.51.100.1", "198.51.100.1"),
    (1, "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the left one was the client's to write
    (2, "6.6.6.6, 198.51.100.1, 10.0.0.1", "198.51.100.1"),
    (2, "198.51.100.1", "198.51.100.1"),  # fewer hops than proxies: the first one seen
    (1, " 2001:db8::1 ", "2001:db8::1"),
    (1, "", "192.0.2.10"),
    (1, "not-an-address", "192.0.2.10"),  # a misconfigured proxy: the connection's address
])
def test_behind_trusted_proxies_the_address_they_saw(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    assert client_address(meta(forwarded)) == expected


def test_a_changed_forwarded_header_does_not_reset_the_registration_throttle():
    client = APIClient()
    for n in range(5):
        response = client.post(REGISTER_URL, registration(n), format="json",
                               HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 201, response.json()
    assert_error(client.post(REGISTER_URL, registration(9), format="json",
                             HTTP_X_FORWARDED_FOR="203.0.113.99"), 429, "throttled")


def test_a_changed_forwarded_header_does_not_reset_the_token_throttle():
    client = APIClient()
    for n in range(20):
        response = client.post(TOKEN_URL, {"username": f"guess-{n}", "password": "wrong"},
                               format="json", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        assert response.status_code == 400
    assert_error(client.post(TOKEN_URL, {"username": "guess-x", "password": "wrong"},
                             format="json", HTTP_X_FORWARDED_FOR="203.0.113.200"),
                 429, "throttled")


def test_behind_one_proxy_the_throttle_keys_on_the_address_it_saw(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient(REMOTE_ADDR=PROXY)
    for n in range(5):
        response = client.post(REGISTER_URL, registration(n), format="json",
                               HTTP_X_FORWARDED_FOR=f"6.6.6.{n}, 198.51.100.7")
        assert response.status_code == 201, response.json()
    # The client's own prefix changes nothing; another client behind the same proxy is free.
    assert_error(client.post(REGISTER_URL, registration(8), format="json",
                             HTTP_X_FORWARDED_FOR="6.6.6.66, 198.51.100.7"), 429, "throttled")
    response = client.post(REGISTER_URL, registration(9), format="json",
                           HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert response.status_code == 201, response.json()


def test_the_sign_in_lockout_uses_the_same_address(client, settings):
    user = f.CommissionerFactory()
    client.post("/sign-in/", {"username": user.username, "password": "wrong"},
                HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="192.0.2.10")
    assert AccessAttempt.objects.get(username=user.username).ip_address == "192.0.2.10"

    settings.TRUSTED_PROXY_COUNT = 1
    client.post("/sign-in/", {"username": user.username, "password": "wrong"},
                HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7", REMOTE_ADDR=PROXY)
    assert AccessAttempt.objects.filter(username=user.username,
                                        ip_address="198.51.100.7").exists()
