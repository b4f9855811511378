"""The supplier portal in a real browser (issue "A council officer's first week", findings 13
and 14): it leads with the next things to do; a fee change above the cap is warned before it
goes; a losing bidder reads the council's words, not only its rank."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calloffs import services
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.contracts import factories as kf
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

FEEDBACK = "Strong education offer; the home is further from school than the others."


def test_the_portal_leads_with_what_to_do_and_warns_above_the_cap(live_server, page):
    user = f.ProviderUserFactory()
    provider = user.organisation
    membership = f.AdmittedMembershipFactory(provider=provider, lot=f.lot("residential"),
                                             price_cap=Decimal("5500.00"))
    closing = cf.OpenCallOffFactory(deadline=timezone.now() + datetime.timedelta(hours=30))
    cf.invite(closing, membership)
    mf.KpiReturnFactory(provider=provider,
                        due_date=timezone.localdate() - datetime.timedelta(days=2))
    mf.ActionItemFactory(plan__provider=provider, action="Repair the fire door")
    placement = kf.PlacementFactory(provider=provider, cap=False, lot=membership.lot)

    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    headings = page.get_by_role("main").get_by_role("heading", level=2)
    expect(headings.first).to_have_text("Your next things to do")
    tasks = page.locator(".govuk-task-list__item")
    # The placement was live last month and is not invoiced: that is a thing to do too.
    expect(tasks).to_have_count(4)
    expect(page.get_by_role("link", name=re.compile("^Invoice the days you have provided"))
           ).to_be_visible()
    expect(tasks.first).to_contain_text("Send your KPI return")
    expect(tasks.first).to_contain_text("Late")
    expect(page.get_by_role("link", name=f"Respond to the opportunity {closing.lot.name.lower()}"
                            )).to_be_visible()
    assert_accessible(page, "supplier portal led by things to do")

    page.goto(f"{live_server.url}/my-placements/{placement.pk}/fee-change/")
    expect(page.get_by_text("Your price cap on this lot is £5,500.00 per week")).to_be_visible()
    page.get_by_label("New price").fill("6000")
    page.get_by_label("Day").fill("15")
    page.get_by_label("Month").fill(str(timezone.localdate().month))
    page.get_by_label("Year").fill(str(timezone.localdate().year + 1))
    page.get_by_label("Reason for the change").fill("Staffing costs rose.")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("above your price cap")
    assert_accessible(page, "fee change above the cap")
    page.get_by_label("I know the price is above my price cap").check()
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Fee change requested")


def test_a_losing_bidder_reads_the_councils_feedback(live_server, page):
    commissioner = f.CommissionerFactory()
    calloff = cf.ClosedCallOffFactory(referral__authority=commissioner.organisation)
    winner = cf.EoiFactory(calloff=calloff, provider=cf.admitted_and_invited(calloff).provider)
    loser = cf.EoiFactory(calloff=calloff, provider=cf.admitted_and_invited(calloff).provider,
                          price=Decimal("5200.00"))
    services.evaluate_eoi(winner, by=commissioner, quality_score=80)
    services.evaluate_eoi(loser, by=commissioner, quality_score=60, notes=FEEDBACK)
    services.recommend(calloff, by=commissioner, eoi=winner, reason="Best value")
    services.approve_award(calloff, by=f.BudgetHolderFactory(organisation=calloff.authority))
    user = f.ProviderUserFactory(organisation=loser.provider)

    page.goto(f"{live_server.url}/opportunities/{calloff.pk}/")
    sign_in(page, user)
    outcome = page.locator("#outcome + .govuk-summary-list")
    expect(outcome).to_contain_text("The council's feedback")
    expect(outcome).to_contain_text(FEEDBACK)
    assert_accessible(page, "losing bidder's outcome with feedback")
