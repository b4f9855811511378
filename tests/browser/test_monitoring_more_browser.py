"""More monitoring through a real browser (Debian's chromium): a provider submits its annual
report with social value evidence and a commissioner returns it for changes; the DPS
administrator defines a KPI; a commissioner records a child's outcome rating and sees the trend,
and the provider sees its averages. Each page passes axe with no serious or critical
violations."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from monitoring.models import AnnualReport, Kpi, OutcomeRating
from tests import factories as f
from tests.browser.test_monitoring_browser import assert_accessible, fill_date, sign_in
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"


def test_annual_report_submitted_returned_and_seen_by_the_provider(live_server, page):
    provider_user = f.ProviderUserFactory()
    commissioner = f.CommissionerFactory()

    page.goto(f"{live_server.url}/monitoring/mine/")
    sign_in(page, provider_user)
    page.get_by_role("link", name="Annual monitoring reports").click()
    expect(page).to_have_title("Your annual monitoring reports – Placements DPS")
    assert_accessible(page, "provider's annual reports")
    page.get_by_role("link", name="Submit a report").click()
    expect(page).to_have_title("Submit your annual monitoring report – Placements DPS")
    assert_accessible(page, "annual report form")

    # Bad input first: the summary lists it and nothing is written.
    page.get_by_role("group", name="Financial year").get_by_role("radio").first.check()
    page.get_by_label("Total staff").fill("40")
    page.get_by_label("Staff living locally").fill("41")
    page.get_by_role("button", name="Submit report").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Must not be more than the total number of staff.")
    expect(summary).to_contain_text("Give an overview of the year.")
    expect(summary).to_be_focused()
    assert_accessible(page, "annual report form with errors")
    assert not AnnualReport.objects.exists()

    page.get_by_label("Staff living locally").fill("31")
    page.get_by_label("Apprenticeships").fill("2")
    page.get_by_label("Work placements").fill("3")
    page.get_by_label("Hours of community work").fill("120")
    page.get_by_label("Community work", exact=True).fill("Weekly youth club at the hall.")
    page.get_by_label("Environmental impact").fill("Two electric cars; heating down 10%.")
    page.get_by_label("Overview of the year").fill("A stable year, no breakdowns.")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-annual-report-form.png", full_page=True)
    page.get_by_role("button", name="Submit report").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("submitted")
    report = AnnualReport.objects.get()
    assert (report.provider_id, report.local_employees) == (provider_user.organisation_id, 31)
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/monitoring/annual-reports/")
    sign_in(page, commissioner)
    expect(page).to_have_title(re.compile(r"^Annual monitoring reports"))
    assert_accessible(page, "annual reports by year")
    page.get_by_role("link", name=re.compile(rf"^{re.escape(report.provider.name)}")).click()
    expect(page.locator("#main-content")).to_contain_text("Weekly youth club at the hall.")
    assert_accessible(page, "annual report review")
    page.get_by_label("Return it to the provider for changes").check()
    page.get_by_role("button", name="Record review").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say what the provider must change.")
    assert_accessible(page, "annual report review with errors")
    page.get_by_label("Return it to the provider for changes").check()
    page.get_by_label("Comments").fill("Count local staff by home postcode.")
    page.get_by_role("button", name="Record review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Returned for changes")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-annual-report-review.png", full_page=True)
    report.refresh_from_db()
    assert report.status == AnnualReport.Status.RETURNED
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/monitoring/my-annual-reports/")
    sign_in(page, provider_user)
    expect(page.locator("table")).to_contain_text("Returned for changes")
    page.get_by_role("link", name=re.compile(r"^April")).click()
    expect(page.locator("#main-content")).to_contain_text("Count local staff by home postcode.")
    assert_accessible(page, "returned annual report (provider)")
    page.get_by_label("Staff living locally").fill("28")
    page.get_by_role("button", name="Resubmit report").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("resubmitted")
    report.refresh_from_db()
    assert (report.status, report.local_employees, report.submissions) == ("submitted", 28, 2)


def test_dps_admin_defines_a_kpi(live_server, page):
    admin = f.DpsAdminFactory()
    f.lot("fostering")

    page.goto(f"{live_server.url}/monitoring/")
    sign_in(page, admin)
    page.get_by_role("link", name="KPI definitions").click()
    expect(page).to_have_title("KPI definitions – Placements DPS")
    assert_accessible(page, "KPI definitions")
    page.get_by_label("Independent fostering").check()
    page.get_by_label("Name", exact=True).fill("Placements lasting over a year")
    page.get_by_label("Code").fill("stability")
    page.get_by_label("Unit").fill("%")
    page.get_by_label("Lowest allowed value (optional)").fill("50")
    page.get_by_label("Highest allowed value (optional)").fill("10")
    page.get_by_role("button", name="Define KPI").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Must not be below the minimum")
    assert_accessible(page, "KPI definitions with errors")
    assert not Kpi.objects.exists()
    page.get_by_label("Lowest allowed value (optional)").fill("0")
    page.get_by_label("Highest allowed value (optional)").fill("100")
    page.get_by_role("button", name="Define KPI").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Placements lasting over a year")
    expect(page.get_by_role("region", name="KPIs by lot")).to_contain_text("0 to 100")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-kpi-definitions.png", full_page=True)
    kpi = Kpi.objects.get()
    assert (kpi.code, kpi.frequency, kpi.required) == ("stability", "quarterly", True)

    page.get_by_role("link", name=re.compile(r"^Change")).click()
    assert_accessible(page, "KPI change form")
    page.get_by_label("Providers must give a value").uncheck()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("changed")
    kpi.refresh_from_db()
    assert kpi.required is False


def test_child_outcomes_trend_rating_and_provider_averages(live_server, page):
    commissioner = f.CommissionerFactory()
    provider_user = f.ProviderUserFactory()
    placement = mf.PlacementFactory(authority=commissioner.organisation,
                                    provider=provider_user.organisation)
    today = timezone.localdate()
    mf.OutcomeRatingFactory(placement=placement, domain="safety", rating=2,
                            rated_on=today - datetime.timedelta(days=40))

    page.goto(f"{live_server.url}/monitoring/placements/{placement.pk}/outcomes/")
    sign_in(page, commissioner)
    expect(page).to_have_title(re.compile(r"^Child outcomes: placement (?!\d+ )"))
    assert_accessible(page, "outcomes page")
    page.get_by_role("button", name="Record ratings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Rate at least one outcome domain")
    assert_accessible(page, "outcomes page with errors")
    page.get_by_role("group", name="Safety", exact=True).get_by_label("4", exact=True).check()
    fill_date(page, "Date of the ratings (optional)", today - datetime.timedelta(days=1))
    page.get_by_label("Note on safety (optional)").fill("Settled at school")
    page.get_by_role("button", name="Record ratings").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "1 outcome rating recorded")
    expect(page.get_by_role("region", name="Outcome trend by domain")).to_contain_text(
        "Up from 2 to 4")
    page.screenshot(path=f"{SCREENSHOTS}/monitoring-outcomes.png", full_page=True)
    assert OutcomeRating.objects.filter(placement=placement).count() == 2
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/monitoring/mine/")
    sign_in(page, provider_user)
    page.get_by_role("link", name=re.compile(r"^Child outcomes")).click()
    expect(page).to_have_title("Child outcomes across your placements – Placements DPS")
    expect(page.get_by_role("region", name="Average rating per domain")).to_contain_text(
        "3.00")
    expect(page.locator("#main-content")).not_to_contain_text("Settled at school")
    assert_accessible(page, "provider's outcome averages")
