"""Resending and cancelling a colleague's invitation to the supplier portal: the services
(dps.services.resend_invitation, cancel_invitation, invite_colleague again after a cancel)
and the portal's buttons. Only the provider organisation's administrator may do either, only
while the invitation is pending; a resend kills the old link and sends one e-mail."""

import datetime
import re

import pytest
from django.contrib.auth.backends import ModelBackend
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from dps import services
from dps.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
from dps.models import AuditEntry, OutboxMessage, User
from dps.tasks import send_invitation
from tests import factories as f
from tests.asserts import nothing_changes
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

PORTAL = reverse("portal")
INVITE = reverse("invite-colleague")
SITE = "http://testserver"
DEAD_LINK = "This link does not work"


def _org_admin(organisation=None):
    kwargs = {"organisation": organisation} if organisation else {}
    admin = f.ProviderUserFactory(first_name="Amina", last_name="Okafor", **kwargs)
    admin.is_org_admin = True
    admin.save()
    return admin


def _link(message):
    return re.search(r"http://testserver(/set-password/\?\S+)", message.body).group(1)


def _age(user, minutes=10):
    """As if the latest invitation went `minutes` ago (past the resend interval)."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    User.objects.filter(pk=user.pk).update(invitation_issued_at=then, invitation_sent_at=then)
    user.refresh_from_db()
    return user


@pytest.fixture
def invited(django_capture_on_commit_callbacks):
    """An administrator and the colleague they invited; the invitation e-mail went."""
    admin = _org_admin()
    with django_capture_on_commit_callbacks(execute=True):
        colleague = services.invite_colleague(by=admin, username="ben.hale",
                                              email="ben@harbour.example", first_name="Ben",
                                              site_url=SITE)
    assert len(mail.outbox) == 1
    return admin, colleague, _link(mail.outbox[0])


def _resend(django_capture_on_commit_callbacks, colleague, admin, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return services.resend_invitation(colleague, by=admin, site_url=SITE, **kwargs)


def _audit(user, action):
    return AuditEntry.objects.filter(object_id=user.pk, action=action,
                                     content_type__model="user")


# --- Resend: the service ------------------------------------------------------------------------

def test_an_administrator_resends_a_pending_invitation_with_a_new_link(
        invited, client, django_capture_on_commit_callbacks):
    admin, colleague, old_link = invited
    _age(colleague)
    _resend(django_capture_on_commit_callbacks, colleague, admin)
    assert len(mail.outbox) == 2
    message = mail.outbox[1]
    assert message.to == ["ben@harbour.example"]
    assert "the link in any earlier invitation e-mail no longer works" in message.body
    assert "earlier invitation" not in mail.outbox[0].body
    new_link = _link(message)
    assert new_link != old_link
    entry = _audit(colleague, "user.invitation_resent").get()
    assert entry.actor == admin
    colleague.refresh_from_db()
    assert colleague.invitation_sent_at is not None
    # The old link is dead; the new one works, and lets the colleague choose a password.
    assert DEAD_LINK in text(client.get(old_link))
    response = client.get(new_link)
    assert response.status_code == 302
    response = client.post(reverse("set-password"), {
        "new_password1": "a-long-enough-phrase", "new_password2": "a-long-enough-phrase"})
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("a-long-enough-phrase")


def test_the_old_link_dies_at_the_resend_even_before_the_new_email_goes(invited, client):
    admin, colleague, old_link = invited
    _age(colleague)
    services.resend_invitation(colleague, by=admin, site_url=SITE)  # not committed: not sent
    assert DEAD_LINK in text(client.get(old_link))


def test_the_old_link_dies_for_someone_half_way_through_choosing_a_password(
        invited, client, django_capture_on_commit_callbacks):
    admin, colleague, old_link = invited
    assert client.get(old_link).status_code == 302  # the token is now kept in the session
    _age(colleague)
    _resend(django_capture_on_commit_callbacks, colleague, admin)
    response = client.post(reverse("set-password"), {
        "new_password1": "a-long-enough-phrase", "new_password2": "a-long-enough-phrase"})
    assert response.status_code == 404
    colleague.refresh_from_db()
    assert not colleague.has_usable_password()


def test_a_resend_is_delivered_once_even_when_its_message_arrives_twice(
        invited, django_capture_on_commit_callbacks):
    admin, colleague, _ = invited
    _age(colleague)
    _resend(django_capture_on_commit_callbacks, colleague, admin)
    assert len(mail.outbox) == 2
    message = OutboxMessage.objects.filter(task=send_invitation.name).order_by("pk").last()
    assert send_invitation(*message.args) == 0  # the broker delivers the same message again
    assert len(mail.outbox) == 2
    assert OutboxMessage.objects.filter(task=send_invitation.name).count() == 2


def test_a_late_copy_of_an_earlier_invitation_sends_nothing_after_a_resend(invited):
    admin, colleague, _ = invited
    first = OutboxMessage.objects.get(task=send_invitation.name)
    _age(colleague)
    services.resend_invitation(colleague, by=admin, site_url=SITE)
    assert send_invitation(*first.args) == 0
    assert len(mail.outbox) == 1
    latest = OutboxMessage.objects.filter(task=send_invitation.name).order_by("pk").last()
    assert send_invitation(*latest.args) == 1
    assert len(mail.outbox) == 2


def test_an_administrator_cannot_resend_within_five_minutes(
        invited, django_capture_on_commit_callbacks):
    admin, colleague, _ = invited
    messages = OutboxMessage.objects.count()
    with nothing_changes(), pytest.raises(RuleViolation) as refused:
        services.resend_invitation(colleague, by=admin, site_url=SITE)
    assert refused.value.code == "resend_too_soon"
    assert refused.value.status == 400
    assert "Wait 5 minutes" in refused.value.detail
    assert OutboxMessage.objects.count() == messages
    # Five minutes after the first invitation it may go again, then not again at once.
    later = timezone.now() + datetime.timedelta(minutes=5, seconds=1)
    _resend(django_capture_on_commit_callbacks, colleague, admin, now=later)
    assert len(mail.outbox) == 2
    with pytest.raises(RuleViolation) as refused:
        services.resend_invitation(colleague, by=admin, site_url=SITE,
                                   now=later + datetime.timedelta(minutes=4))
    assert refused.value.code == "resend_too_soon"
    assert "Wait 1 minute " in refused.value.detail
    services.resend_invitation(colleague, by=admin, site_url=SITE,
                               now=later + datetime.timedelta(minutes=5))


# --- Wrong state, wrong organisation -----------------------------------------------------------

def _set_a_password(user):
    user.set_password("a-long-enough-phrase")
    user.save()


def _sign_in_once(user):
    user.last_login = timezone.now()
    user.save()


def _deactivate(user):
    user.is_active = False
    user.save()


def _cancel(user):
    services.cancel_invitation(user, by=user.invited_by)


def _act(action, colleague, by):
    if action == "resend":
        return services.resend_invitation(colleague, by=by, site_url=SITE)
    return services.cancel_invitation(colleague, by=by)


@pytest.mark.parametrize("action", ["resend", "cancel"])
@pytest.mark.parametrize("make_state", [_set_a_password, _sign_in_once, _deactivate, _cancel],
                         ids=["password set", "signed in", "deactivated", "cancelled"])
def test_an_administrator_cannot_resend_or_cancel_an_invitation_that_is_not_pending(
        invited, action, make_state):
    admin, colleague, _ = invited
    make_state(colleague)
    colleague = _age(colleague)
    before = User.objects.values().get(pk=colleague.pk)
    messages = OutboxMessage.objects.count()
    with nothing_changes(), pytest.raises(InvalidTransition) as refused:
        _act(action, colleague, admin)
    assert refused.value.code == "invalid_transition"
    assert refused.value.status == 409
    assert colleague.username in refused.value.detail
    assert User.objects.values().get(pk=colleague.pk) == before
    assert OutboxMessage.objects.count() == messages


@pytest.mark.parametrize("action", ["resend", "cancel"])
def test_nobody_resends_or_cancels_an_account_that_was_never_invited(action):
    admin = _org_admin()
    founder_colleague = f.ProviderUserFactory(organisation=admin.organisation)
    for target in (admin, founder_colleague):
        with nothing_changes(), pytest.raises(InvalidTransition):
            _act(action, target, admin)


@pytest.mark.parametrize("action", ["resend", "cancel"])
def test_only_the_administrator_of_the_same_organisation_may_manage_an_invitation(
        invited, action):
    admin, colleague, _ = invited
    _age(colleague)
    other_admin = _org_admin()
    plain_colleague = f.ProviderUserFactory(organisation=admin.organisation)

    others = (plain_colleague, f.CommissionerFactory(), f.DpsAdminFactory())
    with nothing_changes():
        with pytest.raises(NotFound):
            _act(action, colleague, other_admin)
        for refused in others:
            with pytest.raises(Forbidden):
                _act(action, colleague, refused)
    colleague.refresh_from_db()
    assert colleague.is_active
    assert len(mail.outbox) == 1


# --- Cancel: the service ------------------------------------------------------------------------

def test_an_administrator_cancels_a_pending_invitation(invited, client):
    admin, colleague, link = invited
    assert client.get(link).status_code == 302  # opened before the cancel
    services.cancel_invitation(colleague, by=admin)
    colleague.refresh_from_db()
    assert not colleague.is_active
    assert colleague.invitation_cancelled_at is not None
    entry = _audit(colleague, "user.invitation_cancelled").get()
    assert (entry.actor, entry.from_state, entry.to_state) == (admin, "invited", "cancelled")
    # The password cannot be set from the link already opened, nor from the link again.
    response = client.post(reverse("set-password"), {
        "new_password1": "a-long-enough-phrase", "new_password2": "a-long-enough-phrase"})
    assert response.status_code == 404
    assert DEAD_LINK in text(client.get(link))
    colleague.refresh_from_db()
    assert not colleague.has_usable_password()


def test_a_cancelled_colleague_cannot_sign_in(invited, client):
    admin, colleague, _ = invited
    services.cancel_invitation(colleague, by=admin)
    # Even with a password on the row (set behind the portal's back), the account is shut.
    colleague.refresh_from_db()
    colleague.set_password("a-long-enough-phrase")
    User.objects.filter(pk=colleague.pk).update(password=colleague.password)
    assert ModelBackend().authenticate(None, username="ben.hale",
                                       password="a-long-enough-phrase") is None
    response = client.post(reverse("login"), {"username": "ben.hale",
                                              "password": "a-long-enough-phrase"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_an_invitation_cancelled_before_its_email_went_is_never_sent(
        django_capture_on_commit_callbacks):
    admin = _org_admin()
    colleague = services.invite_colleague(by=admin, username="ben.hale",
                                          email="wrong@harbour.example", site_url=SITE)
    services.cancel_invitation(colleague, by=admin)
    message = OutboxMessage.objects.get(task=send_invitation.name)
    assert send_invitation(*message.args) == 0
    assert mail.outbox == []


# --- Inviting again after a cancel --------------------------------------------------------------

def test_a_cancelled_username_can_be_invited_again_with_the_right_address(
        invited, client, django_capture_on_commit_callbacks):
    admin, colleague, old_link = invited
    services.cancel_invitation(colleague, by=admin)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.invite_colleague(by=admin, username="Ben.Hale",
                                          email="ben.hale@harbour.example", first_name="Ben",
                                          last_name="Hale", site_url=SITE)
    assert again.pk == colleague.pk  # the same row: its audit trail stays whole
    again.refresh_from_db()
    assert again.is_active
    assert again.invitation_cancelled_at is None
    assert (again.username, again.email, again.last_name) == (
        "ben.hale", "ben.hale@harbour.example", "Hale")
    assert services.is_pending_invitation(again)
    assert _audit(again, "user.invited").count() == 2
    assert mail.outbox[-1].to == ["ben.hale@harbour.example"]
    assert DEAD_LINK in text(client.get(old_link))
    assert client.get(_link(mail.outbox[-1])).status_code == 302


def test_a_cancelled_address_can_be_invited_again_under_another_username(invited):
    admin, colleague, _ = invited
    services.cancel_invitation(colleague, by=admin)
    other = services.invite_colleague(by=admin, username="bhale",
                                      email="ben@harbour.example", site_url=SITE)
    assert other.pk != colleague.pk
    assert services.is_pending_invitation(other)


def test_a_username_cancelled_in_another_organisation_stays_taken(invited):
    admin, colleague, _ = invited
    services.cancel_invitation(colleague, by=admin)
    stranger = _org_admin()
    with nothing_changes(), pytest.raises(RuleViolation) as refused:
        services.invite_colleague(by=stranger, username="ben.hale",
                                  email="ben@elsewhere.example", site_url=SITE)
    assert refused.value.fields == {"username": ["A user with that username already exists."]}
    colleague.refresh_from_db()
    assert not colleague.is_active


def test_a_pending_or_accepted_username_is_not_invited_again(invited):
    admin, colleague, _ = invited
    with nothing_changes(), pytest.raises(RuleViolation):
        services.invite_colleague(by=admin, username="ben.hale", email="x@harbour.example")
    _set_a_password(colleague)
    _deactivate(colleague)  # deactivated, but not a cancelled invitation
    with nothing_changes(), pytest.raises(RuleViolation):
        services.invite_colleague(by=admin, username="ben.hale", email="x@harbour.example")


# --- The portal's buttons --------------------------------------------------------------------

def _resend_url(user):
    return reverse("resend-invitation", args=[user.pk])


def _cancel_url(user):
    return reverse("cancel-invitation", args=[user.pk])


def test_the_portal_lists_pending_invitations_with_resend_and_cancel(invited, as_user):
    admin, colleague, _ = invited
    accepted = f.ProviderUserFactory(organisation=admin.organisation, invited_by=admin)
    response = as_user(admin).get(PORTAL)
    html = response.content.decode()
    assert "Invitations waiting for a reply" in text(response)
    assert f'action="{_resend_url(colleague)}"' in html
    assert f'action="{_cancel_url(colleague)}"' in html
    assert _resend_url(accepted) not in html
    assert _resend_url(admin) not in html
    assert "ben@harbour.example" in text(response)
    # A colleague who is not the administrator sees the list but no buttons.
    response = as_user(accepted).get(PORTAL)
    assert "Invitations waiting for a reply" not in text(response)
    assert _resend_url(colleague) not in response.content.decode()


def test_an_administrator_resends_from_the_portal(
        invited, as_user, django_capture_on_commit_callbacks):
    admin, colleague, _ = invited
    _age(colleague)
    client = as_user(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_resend_url(colleague))
    assert response.status_code == 302
    assert response["Location"] == PORTAL + "#colleagues"
    assert "We sent ben.hale a new invitation at ben@harbour.example" in banner(
        client.get(PORTAL))
    assert len(mail.outbox) == 2


def test_a_resend_too_soon_from_the_portal_says_when_to_try_again(invited, as_user):
    admin, colleague, _ = invited
    with nothing_changes():
        response = as_user(admin).post(_resend_url(colleague))
    assert response.status_code == 400
    assert "less than 5 minutes ago" in error_summary(response)
    assert len(mail.outbox) == 1


def test_an_administrator_cancels_from_the_portal(invited, as_user):
    admin, colleague, _ = invited
    client = as_user(admin)
    response = client.post(_cancel_url(colleague))
    assert response.status_code == 302
    page = client.get(PORTAL)
    assert "The invitation to ben.hale was cancelled" in banner(page)
    assert "Invitation cancelled" in text(page)
    assert _resend_url(colleague) not in page.content.decode()
    colleague.refresh_from_db()
    assert not colleague.is_active


def test_cancelling_a_colleague_who_has_signed_in_is_refused_on_the_page(invited, as_user):
    admin, colleague, _ = invited
    _sign_in_once(colleague)
    with nothing_changes():
        response = as_user(admin).post(_cancel_url(colleague))
    assert response.status_code == 409
    assert "has already set a password or signed in" in error_summary(response)
    colleague.refresh_from_db()
    assert colleague.is_active


@pytest.mark.parametrize("url", [_resend_url, _cancel_url])
def test_the_invitation_buttons_refuse_everyone_but_the_administrator(invited, as_user, client,
                                                                      url):
    admin, colleague, _ = invited
    _age(colleague)
    path = url(colleague)
    stranger, commissioner = _org_admin(), f.CommissionerFactory()
    plain = f.ProviderUserFactory(organisation=admin.organisation)
    with nothing_changes():
        response = client.post(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        assert as_user(admin).get(path).status_code == 405
        assert as_user(stranger).post(path).status_code == 404
        assert as_user(admin).post(url(User(pk=colleague.pk + 1000))).status_code == 404
        assert as_user(plain).post(path).status_code == 403
        assert as_user(commissioner).post(path).status_code == 403
    colleague.refresh_from_db()
    assert colleague.is_active
    assert len(mail.outbox) == 1
