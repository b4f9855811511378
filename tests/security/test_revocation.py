"""Changing a password, or deactivating a user, ends that user's API tokens and their other
sessions, whichever way it happens (dps.credentials); the audit trail says so."""

import pytest
from django.contrib.auth import get_user
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dps import services
from dps.models import AuditEntry, User
from tests import factories as f

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # what the user factories set
NEW_PASSWORD = "quiet-meadow-copper-77"
ME = "/api/v1/users/me/"


def token_for(user, password=PASSWORD):
    response = APIClient().post("/api/v1/auth/token/", {"username": user.username,
                                                        "password": password}, format="json")
    assert response.status_code == 200, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get(ME).status_code == 200
    return client


def browser_signed_in(user, password=PASSWORD):
    browser = Client()
    assert browser.post("/sign-in/", {"username": user.username,
                                      "password": password}).status_code == 302
    assert get_user(browser).pk == user.pk
    return browser


def revoked(user):
    return AuditEntry.objects.filter(action="user.credentials_revoked", object_id=user.pk)


@pytest.fixture
def superuser():
    admin = f.DpsAdminFactory(is_staff=True, is_superuser=True)
    return admin, browser_signed_in(admin)


def test_a_password_changed_in_the_admin_ends_tokens_and_sessions(superuser):
    admin, admin_browser = superuser
    user = f.CommissionerFactory()
    api, other_session = token_for(user), browser_signed_in(user)

    response = admin_browser.post(f"/admin/dps/user/{user.pk}/password/",
                                  {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                   "usable_password": "true"})
    assert response.status_code == 302, response.context["form"].errors

    assert api.get(ME).status_code == 401
    assert not Token.objects.filter(user=user).exists()
    assert get_user(other_session).is_anonymous
    assert other_session.get("/placements/").status_code == 302  # to the sign-in page
    entry = revoked(user).get()
    assert entry.data["reasons"] == ["password_changed"]
    assert entry.data["api_tokens"] == 1
    token_for(user, NEW_PASSWORD)  # the new password gets a new token


def test_changing_your_own_password_keeps_this_session_and_ends_the_others(superuser):
    admin, admin_browser = superuser
    api, elsewhere = token_for(admin), browser_signed_in(admin)
    response = admin_browser.post(f"/admin/dps/user/{admin.pk}/password/",
                                  {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD,
                                   "usable_password": "true"})
    assert response.status_code == 302
    assert get_user(admin_browser).pk == admin.pk
    assert admin_browser.get("/admin/").status_code == 200
    assert get_user(elsewhere).is_anonymous
    assert api.get(ME).status_code == 401


def test_a_user_deactivated_in_the_admin_loses_tokens_and_sessions(superuser):
    _admin, admin_browser = superuser
    user = f.CommissionerFactory()
    api, session = token_for(user), browser_signed_in(user)
    page = admin_browser.get(f"/admin/dps/user/{user.pk}/change/")
    form = page.context["adminform"].form
    data = {"username": user.username, "email": user.email, "organisation": user.organisation_id,
            "roles": user.roles, "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
            "password": form.initial["password"]}  # is_active left out: unticked
    response = admin_browser.post(f"/admin/dps/user/{user.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert not User.objects.get(pk=user.pk).is_active

    assert api.get(ME).status_code == 401
    assert get_user(session).is_anonymous
    assert revoked(user).get().data["reasons"] == ["deactivated"]

    # Reactivated, the old token does not come back to life.
    again = User.objects.get(pk=user.pk)
    again.is_active = True
    again.save()
    assert api.get(ME).status_code == 401


def test_a_password_set_from_code_ends_tokens_too():
    """What `manage.py changepassword`, a shell or any service does: set_password and save."""
    user = f.FinanceFactory()
    api = token_for(user)
    user.set_password(NEW_PASSWORD)
    user.save()
    assert api.get(ME).status_code == 401
    assert revoked(user).count() == 1


def test_saving_other_fields_or_signing_in_again_keeps_the_token():
    user = f.CommissionerFactory()
    api = token_for(user)
    browser_signed_in(user)  # last_login is saved
    user.first_name = "Priya"
    user.save()
    services.record_portal_visit(user)
    assert api.get(ME).status_code == 200
    assert not revoked(user).exists()


def test_an_accepted_invitation_writes_no_revocation():
    """Nothing to end for someone who never signed in: their own audit entry says enough."""
    inviter = f.ProviderUserFactory(is_org_admin=True)
    colleague = services.invite_colleague(by=inviter, username="ben.hale",
                                          email="ben@harbour.example")
    colleague.set_password(NEW_PASSWORD)
    colleague.save()
    assert not revoked(colleague).exists()
