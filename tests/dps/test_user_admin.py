"""The admin's user page shows a colleague's invitation, without letting it be edited there
(resending and cancelling go through the portal's audited services)."""

import datetime

import pytest
from django.utils import timezone

from dps.models import User
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_the_user_page_shows_the_invitation_stamps_read_only(admin_client):
    inviter = f.ProviderUserFactory(is_org_admin=True)
    sent = timezone.now() - datetime.timedelta(days=2)
    invited = f.ProviderUserFactory(organisation=inviter.organisation, invited_by=inviter,
                                    invitation_sent_at=sent, invitation_issued_at=sent)
    page = admin_client.get(f"/admin/dps/user/{invited.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Supplier portal" in body
    assert "Invitation cancelled at" in body
    assert inviter.username in body
    assert 'name="invitation_sent_at' not in body  # shown, not an input
    assert 'name="is_org_admin"' in body


def test_the_user_page_saves_without_touching_the_invitation(admin_client):
    invited = f.ProviderUserFactory(invitation_sent_at=timezone.now())
    before = User.objects.get(pk=invited.pk).invitation_sent_at
    page = admin_client.get(f"/admin/dps/user/{invited.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update({"username": invited.username, "email": "new@example.org",
                 "roles": invited.roles, "date_joined_0": "2026-01-01",
                 "date_joined_1": "09:00:00"})
    data = {k: v for k, v in data.items() if not isinstance(v, (datetime.datetime, list))
            or k == "roles"}
    data["organisation"] = invited.organisation_id
    data["password"] = form.initial["password"]
    response = admin_client.post(f"/admin/dps/user/{invited.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = User.objects.get(pk=invited.pk)
    assert saved.email == "new@example.org"
    assert saved.invitation_sent_at == before
