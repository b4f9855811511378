"""The dashboard in a real browser: each role sees only the work it can do, each item named by
the child's case reference and plain words, and a click takes it to the page where it is done
(the issue "A council officer's first week", finding 1)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calloffs.models import Question
from contracts.models import Approval
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.contracts import factories as kf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_each_role_sees_its_own_work_and_clicks_through_to_do_it(live_server, page):
    authority = f.AuthorityFactory(name="West Sussex County Council")
    commissioner = f.CommissionerFactory(organisation=authority)
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"))
    calloff = cf.OpenCallOffFactory(referral__authority=authority, child_age=14,
                                    referral__lot=f.lot("fostering"),
                                    deadline=timezone.now() + datetime.timedelta(hours=30))
    Question.objects.create(calloff=calloff, asked_by=f.ProviderOrgFactory(),
                            text="Is there a garden?")
    waiting, _ = cf.awaiting_approval(authority=authority)
    spot = kf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)
    f.AwaitingDecisionApplicationFactory()
    reference = calloff.referral.child.case_reference

    page.goto(f"{live_server.url}/")
    sign_in(page, commissioner)
    expect(page).to_have_title("Dashboard – Placements DPS")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Applications to decide")).to_have_count(0)
    expect(main.get_by_role("heading", name="Awards to approve")).to_have_count(0)
    expect(main.get_by_role("link", name=f"Call-off {reference} for a 14-year-old, "
                                         "independent fostering", exact=True)).to_be_visible()
    assert_accessible(page, "commissioner's dashboard")
    main.get_by_role("link", name=re.compile(f"Answer the question on call-off {reference}"))\
        .click()
    expect(page).to_have_url(re.compile(rf"/call-offs/{calloff.pk}/#questions$"))
    expect(page.get_by_text("Is there a garden?")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/dashboard/")
    sign_in(page, holder)
    expect(page).to_have_title("Dashboard – Placements DPS")
    main = page.get_by_role("main")
    expect(main.get_by_role("heading", name="Questions waiting for an answer")).to_have_count(0)
    expect(main.get_by_role("link", name=re.compile(
        f"Placement {spot.child.case_reference} for a"))).to_be_visible()
    assert_accessible(page, "budget holder's dashboard")
    main.get_by_role("link", name=re.compile(
        f"Call-off {waiting.referral.child.case_reference} for a 13-year-old")).click()
    expect(page).to_have_url(re.compile(rf"/approvals/{waiting.pk}/$"))
