"""A provider organisation's administrator manages invitations in a real browser (Debian's
chromium): resends one whose e-mail was lost, is told to wait when resending again at once, and
cancels one sent to the wrong address, with clicks. Every page passes axe with no serious or
critical violations."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from dps import services
from dps.models import User
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PORTAL_TITLE = "Your supplier portal – Placements DPS"


def test_an_administrator_resends_and_cancels_invitations_with_clicks(live_server, page):
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    admin = f.ProviderUserFactory(organisation=provider, first_name="Amina",
                                  last_name="Okafor")
    admin.is_org_admin = True
    admin.save()
    ben = services.invite_colleague(by=admin, username="ben.hale", email="ben@harbour.example",
                                    first_name="Ben", last_name="Hale",
                                    site_url=live_server.url)
    cara = services.invite_colleague(by=admin, username="cara.jones",
                                     email="cara@wrong.example", site_url=live_server.url)
    # Both went an hour ago (a resend is allowed once five minutes have passed).
    hour_ago = timezone.now() - datetime.timedelta(hours=1)
    User.objects.filter(pk__in=[ben.pk, cara.pk]).update(invitation_issued_at=hour_ago)
    sent = len(mail.outbox)

    page.goto(f"{live_server.url}/portal/")
    sign_in(page, admin)
    expect(page).to_have_title(PORTAL_TITLE)
    expect(page.get_by_role("heading", name="Invitations waiting for a reply")).to_be_visible()
    assert_accessible(page, "portal with pending invitations")

    page.get_by_role("button", name="Resend the invitation to ben.hale").click()
    expect(page).to_have_title(PORTAL_TITLE)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "We sent ben.hale a new invitation at ben@harbour.example")
    assert_accessible(page, "portal after a resend")
    assert len(mail.outbox) == sent + 1
    assert mail.outbox[-1].to == ["ben@harbour.example"]

    # Again at once: refused, with a message saying when.
    page.get_by_role("button", name="Resend the invitation to ben.hale").click()
    expect(page).to_have_title(f"Error: {PORTAL_TITLE}")
    expect(page.locator(".govuk-error-summary")).to_contain_text("less than 5 minutes ago")
    assert_accessible(page, "portal refusing a resend too soon")
    assert len(mail.outbox) == sent + 1

    # Cancel asks first: the button is inside a disclosure.
    cancel = page.get_by_role("button", name="Cancel the invitation to cara.jones")
    expect(cancel).to_be_hidden()
    page.locator("summary", has_text="cara.jones").click()
    expect(cancel).to_be_visible()
    assert_accessible(page, "portal asking to confirm a cancel")
    cancel.click()
    expect(page).to_have_title(PORTAL_TITLE)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "The invitation to cara.jones was cancelled")
    expect(page.get_by_role("button", name="Resend the invitation to cara.jones")).to_have_count(0)
    expect(page.locator("#colleagues")).to_contain_text("Invitation cancelled")
    assert_accessible(page, "portal after a cancel")
    cara.refresh_from_db()
    assert not cara.is_active
    assert cara.invitation_cancelled_at is not None
