"""Forgotten your password? (issue: a council officer's first week, finding 12): Django's reset
flow in GOV.UK pages, e-mailed through the outbox. The same answer whether or not an address
has an account; the link works once and for PASSWORD_RESET_TIMEOUT; requests are throttled
per client address; a completed reset ends the user's API tokens and never skips two-factor."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from dps.models import AuditEntry, OutboxMessage
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "amber-kestrel-meadow-81"
ASK = "/sign-in/forgotten-password/"


@pytest.fixture(autouse=True)
def _after_commit(django_capture_on_commit_callbacks):
    """What the outbox queues runs after each request's commit (Celery is eager in tests)."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


_capture = None


def _link(message):
    return re.search(r"http://testserver(/reset-password/\S+)", message.body)[1]


def _ask(client, email, **extra):
    with _capture(execute=True):
        return client.post(ASK, {"email": email}, **extra)


def _reset(client, path, password=NEW_PASSWORD):
    landing = client.get(path)
    assert landing.status_code == 302  # the token leaves the address for the session
    page = client.get(landing["Location"])
    assert "Choose a new password" in page.content.decode()
    return client.post(landing["Location"], {"new_password1": password,
                                             "new_password2": password})


def test_the_sign_in_page_links_to_the_reset(client):
    body = client.get("/sign-in/").content.decode()
    assert 'href="/sign-in/forgotten-password/"' in body
    assert "Forgotten your password?" in body


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    user = f.CommissionerFactory(email="priya@council.example")
    known = _ask(client, user.email)
    known_page = client.get(known["Location"]).content.decode()
    assert len(mail.outbox) == 1
    unknown = _ask(client, "nobody@council.example")
    unknown_page = client.get(unknown["Location"]).content.decode()
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert len(mail.outbox) == 1
    assert known_page.replace(user.email, "X") == unknown_page.replace(
        "nobody@council.example", "X")


def test_the_email_goes_through_the_outbox(client):
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    _ask(client, "BIDS@sunrise.example")  # any case
    assert OutboxMessage.objects.filter(task="dps.tasks.send_password_reset",
                                        args=[user.pk, "http://testserver/"]).exists()
    (message,) = mail.outbox
    assert message.to == ["bids@sunrise.example"]
    assert user.username in message.body
    assert "1 hour" in message.body


def test_no_email_to_an_inactive_account_or_one_still_invited(client):
    f.CommissionerFactory(email="gone@council.example", is_active=False)
    invited = f.ProviderUserFactory(email="new@sunrise.example")
    invited.set_unusable_password()
    invited.save()
    assert _ask(client, "gone@council.example").status_code == 302
    assert _ask(client, "new@sunrise.example").status_code == 302
    assert mail.outbox == []


def test_a_reset_changes_the_password_ends_api_tokens_and_is_audited(client):
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    token = Token.objects.create(user=user)
    _ask(client, user.email)
    done = _reset(client, _link(mail.outbox[0]))
    assert done.status_code == 302
    assert done["Location"] == "/sign-in/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not Token.objects.filter(key=token.key).exists()
    assert AuditEntry.objects.filter(object_id=user.pk, action="user.password_reset").exists()
    assert AuditEntry.objects.filter(object_id=user.pk,
                                     action="user.credentials_revoked").exists()
    # Not signed in by the reset: the person signs in again.
    assert "_auth_user_id" not in client.session
    assert "Your password has been changed" in client.get("/sign-in/").content.decode()


def test_a_link_works_once(client):
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    _ask(client, user.email)
    path = _link(mail.outbox[0])
    _reset(client, path)
    again = client.get(path)
    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()


def test_a_link_expires_after_the_reset_timeout(client):
    assert settings.PASSWORD_RESET_TIMEOUT == 60 * 60
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    _ask(client, user.email)
    path = _link(mail.outbox[0])
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=61)
    with time_machine.travel(later):
        page = client.get(path, follow=True)
    assert "This link does not work" in page.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_an_invitation_link_still_lasts_three_days(client):
    from dps.tasks import invitation_token_generator

    user = f.ProviderUserFactory()
    token = invitation_token_generator.make_token(user)
    with time_machine.travel(datetime.datetime.now(datetime.UTC)
                             + datetime.timedelta(days=2, hours=23)):
        assert invitation_token_generator.check_token(user, token)
    with time_machine.travel(datetime.datetime.now(datetime.UTC)
                             + datetime.timedelta(days=3, hours=1)):
        assert not invitation_token_generator.check_token(user, token)


def test_a_weak_password_is_refused_with_the_reason(client):
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    _ask(client, user.email)
    response = _reset(client, _link(mail.outbox[0]), password="password")
    assert response.status_code == 400
    assert "Error: Choose a new password" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_badly_formed_address_is_a_400_naming_the_field(client):
    response = _ask(client, "not-an-address")
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.content.decode()


def test_requests_are_throttled_per_client_address(client):
    for _ in range(5):
        assert _ask(client, "nobody@council.example").status_code == 302
    throttled = _ask(client, "nobody@council.example")
    assert throttled.status_code == 429
    assert "Too many requests" in throttled.content.decode()
    # A header the client writes does not buy new attempts (no trusted proxies by default).
    assert _ask(client, "x@council.example",
                HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Another client address is not held back.
    assert _ask(client, "x@council.example", REMOTE_ADDR="198.51.100.7").status_code == 302


def test_staff_still_need_their_second_factor_after_a_reset(client, settings):
    settings.STAFF_TWO_FACTOR = True
    user = f.CommissionerFactory(email="priya@council.example")
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    _ask(client, user.email)
    _reset(client, _link(mail.outbox[0]))
    client.post("/sign-in/", {"username": user.username, "password": NEW_PASSWORD})
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/two-factor/verify/")


def test_the_pages_and_email_name_the_configured_lifetime(client, settings):
    settings.PASSWORD_RESET_TIMEOUT = 90 * 60
    user = f.ProviderUserFactory(email="bids@sunrise.example")
    assert "for 90 minutes" in client.get(ASK).content.decode()
    sent = _ask(client, user.email)
    assert "for 90 minutes" in client.get(sent["Location"]).content.decode()
    assert "for 90 minutes" in mail.outbox[0].body
    invalid = client.get("/reset-password/MQ/made-up-token/", follow=True)
    assert "This link does not work" in invalid.content.decode()
    assert "for 90 minutes" in invalid.content.decode()
