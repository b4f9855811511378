"""Irreversible actions ask first, in a real browser (finding 6): a commissioner ends a
placement through its check-your-answers page (changing an answer on the way) and withdraws a
referral through its confirmation page. Nothing happens before the last button; every page
passes axe, and nothing needs JavaScript."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import Placement
from referrals.models import Referral
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.calloffs import factories as cf
from tests.contracts import factories as pf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_ending_a_placement_shows_the_answers_first(live_server, page):
    placement = pf.PlacementFactory(provider__name="Harbour Lights Care Ltd")
    commissioner = f.CommissionerFactory(organisation=placement.authority)
    today = timezone.localdate()
    page.goto(f"{live_server.url}/placements/{placement.pk}/")
    sign_in(page, commissioner)
    page.get_by_text("Give the end date and reason").click()
    fill_date(page, "End date", today)
    page.get_by_label("Child returned home").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title("Check before you end the placement – Placements DPS")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Child returned home")
    assert_accessible(page, "end placement: check")
    placement.refresh_from_db()
    assert placement.status != Placement.Status.ENDED

    page.get_by_role("button", name="Change your answers").click()
    page.locator("#end-notes").fill("Back with family.")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-summary-list")).to_contain_text("Back with family.")
    page.get_by_role("button", name="End the placement").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Placement ended on")
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ENDED


def test_withdrawing_a_referral_asks_first(live_server, page):
    referral = cf.ReferralFactory()
    commissioner = f.CommissionerFactory(organisation=referral.authority)
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    sign_in(page, commissioner)
    page.get_by_role("button", name="Withdraw referral").click()
    expect(page).to_have_title("Withdraw this referral? – Placements DPS")
    assert_accessible(page, "withdraw referral: confirm")
    page.get_by_role("link", name="Keep the referral").click()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DRAFT
    page.get_by_role("button", name="Withdraw referral").click()
    page.get_by_role("button", name="Withdraw referral").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referral withdrawn")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
