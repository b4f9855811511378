"""Faults: with the throttles' cache (Redis) down, signing in and registering still work, as
docs/operations.md promises: each throttle lets the request through unthrottled and logs a
warning. The Redis here is one this test starts and then kills itself."""

import logging
import shutil
import socket
import subprocess
import time

import pytest
import redis
from rest_framework.test import APIClient

from dps.api import throttling
from tests import factories as f
from tests.conftest import IN_CI

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

PASSWORD = "correct-horse-battery"  # what the user factories set


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def own_redis(settings):
    """A private redis-server as the cache; yields (process, client)."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not shutil.which(binary):
        if IN_CI:
            pytest.fail("needs redis-server (CI=true: required, not skipped)", pytrace=False)
        pytest.skip("needs redis-server")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the test's redis-server did not start")
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}
    throttling._last_warning["at"] = None  # this process may have warned in an earlier test
    yield process, client
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


def _stop(process, client):
    process.terminate()
    process.wait(timeout=10)
    with pytest.raises(redis.exceptions.ConnectionError):
        client.ping()


def registration():
    return {"organisation_name": "Sunrise Homes Ltd", "area": "Brighton and Hove",
            "postcode": "BN1 1AA", "companies_house_number": "SC123456",
            "username": "sunrise", "password": "plum-orchard-lantern-42",
            "email": "bids@sunrise.example"}


def test_with_redis_down_tokens_registration_and_page_sign_in_still_work(own_redis, caplog,
                                                                          client):
    process, redis_client = own_redis
    user = f.CommissionerFactory()
    api = APIClient()
    credentials = {"username": user.username, "password": PASSWORD}
    assert api.post("/api/v1/auth/token/", credentials, format="json").status_code == 200
    # The throttle really counts in this Redis while it is up.
    assert any(b"throttle_login" in key for key in redis_client.keys("*"))

    _stop(process, redis_client)
    with caplog.at_level(logging.WARNING, logger="dps.throttle"):
        token = api.post("/api/v1/auth/token/", credentials, format="json")
        registered = api.post("/api/v1/providers/register/", registration(), format="json")
        page = client.post("/sign-in/", credentials)

    assert token.status_code == 200, token.content
    assert registered.status_code == 201, registered.content
    assert page.status_code == 302
    assert "_auth_user_id" in client.session
    warnings = [r for r in caplog.records if r.name == "dps.throttle"]
    # One warning for the outage, not one per request.
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()
    assert warnings[0].levelno == logging.WARNING


def test_with_redis_down_the_reset_and_sign_up_pages_still_work(own_redis, caplog, client):
    process, redis_client = own_redis
    user = f.ProviderUserFactory(email="bids@harbour.example")
    assert client.post("/sign-in/forgotten-password/",
                       {"email": user.email}).status_code == 302
    # The page's throttle really counts in this Redis while it is up.
    assert any(b"throttle_password_reset" in key for key in redis_client.keys("*"))

    _stop(process, redis_client)
    with caplog.at_level(logging.WARNING, logger="dps.throttle"):
        reset = client.post("/sign-in/forgotten-password/", {"email": user.email})
        signed_up = client.post("/register/", registration())
    assert reset.status_code == 302, reset.content
    assert signed_up.status_code == 302, signed_up.content
    warnings = [r for r in caplog.records if r.name == "dps.throttle"]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()


def test_a_cache_error_that_is_not_an_outage_is_not_hidden(own_redis):
    _process, redis_client = own_redis
    user = f.CommissionerFactory()
    # The throttle's history key holding a hash: Redis answers, wrongly (WRONGTYPE).
    redis_client.hset(":1:throttle_login_127.0.0.1", "not", "a list")
    api = APIClient()
    api.raise_request_exception = False
    response = api.post("/api/v1/auth/token/", {"username": user.username,
                                               "password": PASSWORD}, format="json")
    assert response.status_code == 500
