"""An award above the budget holder's limit, in a real browser (issue "A council officer's
first week", finding 5): the page names who can approve it, and passes it to them."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs.factories import awaiting_approval

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_budget_holder_passes_an_award_above_their_limit_to_a_named_approver(
        live_server, page):
    calloff, _ = awaiting_approval()
    holder = f.BudgetHolderFactory(organisation=calloff.authority,
                                   approval_limit=Decimal("100000"))
    f.BudgetHolderFactory(organisation=calloff.authority, approval_limit=Decimal("300000"),
                          first_name="Dee", last_name="Puty")
    page.goto(f"{live_server.url}/approvals/{calloff.pk}/")
    sign_in(page, holder)
    expect(page.get_by_role("heading", name="Pass it to an approver")).to_be_visible()
    assert_accessible(page, "approve page above the limit")
    page.get_by_role("button", name="Pass to this approver").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose who should approve it")
    assert_accessible(page, "pass on with an error")
    page.get_by_label("Dee Puty, approval limit £300,000.00").check()
    page.get_by_label("Note for them (optional)").fill("Over my limit, please look today.")
    page.get_by_role("button", name="Pass to this approver").click()
    expect(page).to_have_title("Approvals – Placements DPS")
    # The banner; the queue now also says "It was passed to Dee Puty on …".
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Passed to Dee Puty")
