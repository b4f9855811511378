"""Who may set up an authenticator app (issue 13): a staff password alone enrols nothing. A
staff user without a device may enrol only in the browser that used their one-time invitation
link, or once after a DPS administrator's audited reset; anyone else is told to ask their
administrator."""

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from dps import two_factor
from dps.errors import Forbidden
from dps.models import AuditEntry, User
from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # what the user factories set
CHOSEN = "quiet-meadow-copper-77"
ASK_ADMIN = "Ask your administrator to set up two-factor sign-in"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_TWO_FACTOR = True


def code_for(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def sign_in(browser, user, password=PASSWORD):
    response = browser.post("/sign-in/", {"username": user.username, "password": password})
    assert response.status_code == 302
    return browser.get("/two-factor/setup/?next=/placements/")


def enrol(browser, user):
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    done = browser.post("/two-factor/setup/", {"code": code_for(device), "next": "/placements/"})
    assert done.status_code == 302, done.content.decode()
    assert browser.get("/placements/").status_code == 200
    return device


def refused(page):
    assert page.status_code == 403
    assert ASK_ADMIN in page.content.decode()
    return True


def api_as(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# --- No way in with a password alone ----------------------------------------------------------

def test_a_staff_password_alone_cannot_enrol_an_app():
    user = f.CommissionerFactory()
    browser = Client()
    assert refused(sign_in(browser, user))
    assert not TOTPDevice.objects.filter(user=user).exists()  # no key was even made
    # Posting a code to the page is refused too, and nothing else opens.
    response = browser.post("/two-factor/setup/", {"code": "123456"})
    assert response.status_code == 403
    assert browser.get("/placements/")["Location"].startswith("/two-factor/setup/")
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not AuditEntry.objects.filter(action="user.two_factor_enabled").exists()


def test_a_key_left_from_an_earlier_visit_does_not_open_enrolment():
    user = f.FinanceFactory()
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    assert refused(sign_in(Client(), user))


# --- The invitation link --------------------------------------------------------------------

def test_an_invited_staff_user_enrols_in_the_browser_that_used_the_link(
        dps_admin, django_capture_on_commit_callbacks):
    authority = f.AuthorityFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(dps_admin).post("/api/v1/users/", {
            "username": "jo.budget", "email": "jo@council.example", "organisation": authority.pk,
            "roles": ["budget_holder"]}, format="json")
    assert response.status_code == 201, response.json()
    user = User.objects.get(username="jo.budget")
    assert not user.has_usable_password()
    link = re.search(r"http://testserver(/set-password/\?\S+)", mail.outbox[-1].body).group(1)

    invitee = Client()
    assert invitee.get(link).status_code == 302
    chosen = invitee.post("/set-password/", {"new_password1": CHOSEN, "new_password2": CHOSEN})
    assert chosen.status_code == 302

    # Someone else who learnt the password, in another browser, cannot enrol first.
    assert refused(sign_in(Client(), user, CHOSEN))

    page = sign_in(invitee, user, CHOSEN)
    assert page.status_code == 200
    assert "Set up two-factor sign-in" in page.content.decode()
    enrol(invitee, user)
    entry = AuditEntry.objects.get(action="user.two_factor_enabled", object_id=user.pk)
    assert entry.data == {"via": "invitation"}
    assert invitee.get(link).status_code == 200  # the link is dead: the explaining page
    assert "This link does not work" in invitee.get(link).content.decode()


def test_an_invitation_link_enrols_only_the_user_it_was_for():
    invited = f.CommissionerFactory()
    other = f.CommissionerFactory()
    browser = Client()
    session = browser.session
    session[two_factor.INVITED_SESSION_KEY] = invited.pk
    session.save()
    assert refused(sign_in(browser, other))


def test_without_a_password_the_user_needs_an_email(dps_admin):
    response = api_as(dps_admin).post("/api/v1/users/", {
        "username": "no.mail", "organisation": f.AuthorityFactory().pk,
        "roles": ["commissioner"]}, format="json")
    assert_error(response, 400, "invalid", fields=["email"])
    assert not User.objects.filter(username="no.mail").exists()


# --- An administrator's reset ---------------------------------------------------------------

def test_a_reset_removes_the_device_is_audited_and_allows_exactly_one_enrolment(dps_admin):
    user = f.CommissionerFactory()
    TOTPDevice.objects.create(user=user, name="lost phone", confirmed=True)
    response = api_as(dps_admin).post(f"/api/v1/users/{user.pk}/reset-two-factor/")
    assert response.status_code == 200, response.json()
    assert not TOTPDevice.objects.filter(user=user).exists()
    entry = AuditEntry.objects.get(action="user.two_factor_reset", object_id=user.pk)
    assert entry.actor == dps_admin
    assert entry.data["devices_removed"] == 1

    browser = Client()
    assert sign_in(browser, user).status_code == 200
    device = enrol(browser, user)
    user.refresh_from_db()
    assert user.two_factor_reset_at is None
    assert AuditEntry.objects.get(action="user.two_factor_enabled",
                                  object_id=user.pk).data == {"via": "reset"}

    # Used up: with the new device gone too, the password no longer enrols another.
    device.delete()
    assert refused(sign_in(Client(), user))


def test_the_admin_site_resets_through_the_same_audited_service(admin_client, settings):
    settings.STAFF_TWO_FACTOR = False  # the superuser's own second factor is not the point
    user = f.FinanceFactory()
    TOTPDevice.objects.create(user=user, name="lost phone", confirmed=True)
    response = admin_client.post("/admin/dps/user/", {
        "action": "reset_two_factor", "_selected_action": [user.pk]}, follow=True)
    assert response.status_code == 200
    assert "may set up a new authenticator app" in response.content.decode()
    user.refresh_from_db()
    assert user.two_factor_reset_at is not None
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="user.two_factor_reset", object_id=user.pk).exists()


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.FinanceFactory,
                                     f.ProviderUserFactory])
def test_only_a_dps_administrator_may_reset(factory):
    user = f.CommissionerFactory()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = api_as(factory()).post(f"/api/v1/users/{user.pk}/reset-two-factor/")
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    with pytest.raises(Forbidden):
        two_factor.reset(user, by=factory())
    assert not AuditEntry.objects.filter(action="user.two_factor_reset").exists()


def test_an_administrator_cannot_reset_their_own(dps_admin):
    device = TOTPDevice.objects.create(user=dps_admin, name="phone", confirmed=True)
    response = api_as(dps_admin).post(f"/api/v1/users/{dps_admin.pk}/reset-two-factor/")
    assert_error(response, 403, "own_two_factor")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    dps_admin.refresh_from_db()
    assert dps_admin.two_factor_reset_at is None
