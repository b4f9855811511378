"""The provider directory in a real browser (finding 2): from Monitoring a commissioner reaches
a provider nobody flagged, filters by rating, searches, opens its profile and goes on to its
risk page. Every page passes axe."""

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_commissioner_finds_any_provider_and_opens_its_profile(live_server, page):
    calm = f.ProviderOrgFactory(name="Calm Waters Care Ltd")
    mf.GreenAssessmentFactory(provider=calm)
    f.MembershipFactory(provider=calm, lot=f.lot("fostering"))
    mf.AnnualReportFactory(provider=calm)
    mf.RedAssessmentFactory(provider=f.ProviderOrgFactory(name="Stormy Heights Ltd"))
    commissioner = f.CommissionerFactory()

    page.goto(f"{live_server.url}/monitoring/")
    sign_in(page, commissioner)
    expect(page.locator("main")).not_to_contain_text("Calm Waters Care Ltd")
    page.get_by_role("link", name="All providers").click()
    expect(page).to_have_title("All providers – Placements DPS")
    expect(page.locator("table")).to_contain_text("Calm Waters Care Ltd")
    assert_accessible(page, "provider directory")

    page.get_by_label("Rating").select_option(label="Red")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("table")).to_contain_text("Stormy Heights Ltd")
    expect(page.locator("table")).not_to_contain_text("Calm Waters Care Ltd")
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Provider name or Companies House number").fill("calm")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("table")).not_to_contain_text("Stormy Heights Ltd")

    page.get_by_role("link", name=re.compile(r"^Calm Waters Care Ltd\b")).click()
    expect(page).to_have_title("Calm Waters Care Ltd: provider profile – Placements DPS")
    expect(page.locator("#memberships + .app-table-scroll table")).to_contain_text(
        f.lot("fostering").name)
    expect(page.get_by_role("link", name=re.compile("^Annual report "))).to_be_visible()
    assert_accessible(page, "provider profile")
    page.get_by_role("link", name=re.compile("^Risk and monitoring page")).click()
    expect(page).to_have_title("Calm Waters Care Ltd: risk and monitoring – Placements DPS")
