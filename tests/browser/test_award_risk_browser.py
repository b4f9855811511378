"""Risk where an award is decided, in a real browser (issue "A council officer's first week",
finding 3): the commissioner choosing an offer and the budget holder approving it both see
that the provider is rated red, with a breakdown trigger open and an action overdue."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from monitoring.models import TriggerKind
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs.factories import ClosedCallOffFactory, EoiFactory, awaiting_approval
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _risky(provider):
    mf.RedAssessmentFactory(provider=provider)
    mf.TriggerFactory(provider=provider, kind=TriggerKind.PLACEMENT_BREAKDOWN)
    mf.OverdueActionItemFactory(plan__provider=provider)


def test_recommend_and_approve_pages_warn_of_a_red_provider(live_server, page):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"))
    closed = ClosedCallOffFactory(referral__authority=authority)
    offer = EoiFactory(calloff=closed, quality_score=75)
    _risky(offer.provider)
    waiting, eoi = awaiting_approval(authority)
    _risky(eoi.provider)

    page.goto(f"{live_server.url}/call-offs/{closed.pk}/")
    sign_in(page, commissioner)
    warning = page.locator(".govuk-warning-text", has_text=offer.provider.name)
    expect(warning).to_contain_text("is rated red, with 1 reassessment trigger open and "
                                    "1 overdue action")
    expect(page.get_by_text("Placement breakdown")).to_be_visible()
    assert_accessible(page, "recommend page with provider risk")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/approvals/{waiting.pk}/")
    sign_in(page, holder)
    expect(page.locator(".govuk-warning-text", has_text=eoi.provider.name)).to_contain_text(
        "is rated red")
    expect(page.get_by_role("heading", name="Provider risk")).to_be_visible()
    assert_accessible(page, "approve page with provider risk")
