"""Monitoring through a real browser (Debian's chromium): a commissioner finds a provider on the
attention list, records a red risk assessment and creates an action plan; the provider signs
in, sees its rating, responds to the action and submits a KPI return. The attention list, risk
page, action plan page (provider side) and KPI return form pass axe with no serious or critical
violations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring.models import ActionItem, ActionPlan, KpiReturn, RiskAssessment
from tests import factories as f
from tests.browser import helpers
from tests.browser.helpers import assert_accessible, sign_in
from tests.monitoring import factories as mf

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores the migrations' data (see conftest.py here).
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
def fill_date(scope, group, day):
    helpers.fill_date(scope, group, day, exact=True)


def test_red_assessment_action_plan_and_the_providers_response(live_server, page):
    commissioner = f.CommissionerFactory()
    provider_user = f.ProviderUserFactory()
    provider = provider_user.organisation
    mf.TriggerFactory(provider=provider)  # on the attention list: reassessment due now
    mf.GreenAssessmentFactory()  # not on it
    kpi = mf.KpiFactory(name="Placement stability", unit="%")
    kpi_return = mf.KpiReturnFactory(provider=provider)
    due = timezone.localdate() + datetime.timedelta(days=21)

    page.goto(f"{live_server.url}/monitoring/")
    sign_in(page, commissioner)
    expect(page).to_have_title("Providers needing attention – Placements DPS")
    expect(page.locator("table")).to_contain_text("Reassessment due now")
    assert_accessible(page, "attention list")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-attention.png", full_page=True)
    page.get_by_role("link", name=re.compile(rf"^{re.escape(provider.name)}")).click()

    expect(page).to_have_title(f"{provider.name}: risk and monitoring – Placements DPS")
    assert_accessible(page, "risk page")
    page.get_by_role("group", name="Impact").get_by_label("5", exact=True).check()
    page.get_by_role("group", name="Probability").get_by_label("4", exact=True).check()
    page.get_by_role("group", name="Ofsted or CQC rating (optional)").get_by_label(
        "Inadequate").check()
    page.get_by_label("Safeguarding concerns (optional)").fill("2")
    page.get_by_label("Staff turnover (optional)").fill("31")
    page.get_by_label("Assessor's notes (optional)").fill("Manager resigned; agency staff.")
    page.get_by_role("button", name="Record assessment").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Risk assessment recorded: red (score 20), full monitoring visit")
    expect(page.locator("#main-content")).not_to_contain_text("Reassessment due now")
    assessment = RiskAssessment.objects.get(provider=provider)
    assert (assessment.rag, assessment.safeguarding_concerns) == ("red", 2)

    # Bad input first: the summary lists it and nothing is written.
    page.get_by_role("button", name="Create action plan").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Give the plan a title.")
    expect(summary).to_be_focused()
    assert not ActionPlan.objects.exists()
    page.get_by_label("Title", exact=True).fill("Staffing and safeguarding")
    first = page.get_by_role("group", name="Action 1", exact=True)
    first.get_by_label("Action 1", exact=True).fill("Recruit a permanent registered manager.")
    first.get_by_label("Who is responsible for action 1").fill("Responsible individual")
    fill_date(first, "Action 1 due by", due)
    second = page.get_by_role("group", name="Action 2 (optional)", exact=True)
    second.get_by_label("Action 2", exact=True).fill("Send the agency staff training records.")
    second.get_by_label("Who is responsible for action 2").fill("Registered manager")
    fill_date(second, "Action 2 due by", due)
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-risk-page.png", full_page=True)
    page.get_by_role("button", name="Create action plan").click()
    expect(page).to_have_title("Action plan: Staffing and safeguarding – Placements DPS")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Action plan created with 2 actions")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-plan-staff.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/monitoring/mine/")
    sign_in(page, provider_user)
    expect(page).to_have_title("Your monitoring – Placements DPS")
    main = page.locator("#main-content")
    expect(main).to_contain_text("Red")
    expect(main).to_contain_text("Full monitoring visit")
    expect(main).not_to_contain_text("Manager resigned")  # the assessor's notes
    expect(main).not_to_contain_text("Allegation against a member of staff")  # the trigger
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-mine.png", full_page=True)
    page.get_by_role("link", name="Staffing and safeguarding").click()

    expect(page).to_have_title("Action plan: Staffing and safeguarding – Placements DPS")
    assert_accessible(page, "action plan page (provider)")
    page.get_by_label("What have you done about action 1?").fill(
        "Interviews held; a manager starts next month.")
    page.get_by_label("Evidence for action 1 (optional)").fill("Offer letter.")
    page.get_by_role("button", name="Send response to action 1").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Response to action 1 sent")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-plan-provider.png", full_page=True)
    item = ActionItem.objects.get(action="Recruit a permanent registered manager.")
    assert (item.status, item.responded_by_id) == ("responded", provider_user.pk)

    page.get_by_role("link", name="Monitoring", exact=True).first.click()
    page.get_by_role("link", name=re.compile(r"^Independent fostering")).click()
    expect(page).to_have_title(re.compile(r"^KPI return: Independent fostering"))
    assert_accessible(page, "KPI return form")
    field = page.get_by_label("Placement stability")
    field.fill("140")
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Placement stability: must be at most 100.00 %")
    assert_accessible(page, "KPI return form with errors")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-kpi-return-error.png", full_page=True)
    kpi_return.refresh_from_db()
    assert kpi_return.status == KpiReturn.Status.DUE
    page.get_by_label("Placement stability").fill("87.5")
    page.get_by_role("button", name="Submit return").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("submitted")
    kpi_return.refresh_from_db()
    assert kpi_return.status == KpiReturn.Status.SUBMITTED
    assert kpi_return.values.get().value == Decimal("87.50")
    assert kpi_return.values.get().kpi_id == kpi.pk

    # The commissioner sees the return and the sector average.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{live_server.url}/monitoring/kpis/")
    sign_in(page, commissioner)
    expect(page).to_have_title("KPI returns – Placements DPS")
    expect(page.locator("#main-content")).to_contain_text("Placement stability: 87.50 %")
    expect(page.get_by_role("region", name="Sector averages")).to_contain_text("87.50 %")
    assert_accessible(page, "KPI overview")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-kpis.png", full_page=True)
