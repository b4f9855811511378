"""A provider applies to join through a real browser (Debian's chromium), and the sign-in and
apply pages pass axe with no serious or critical violations."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import factories as f

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores the migrations' data (the children's DPS) after another
# transactional test's flush (see conftest.py here for why that needs help under Playwright).
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"


def assert_accessible(page, name):
    results = Axe().run(page)
    bad = [violation for violation in results.response["violations"]
           if violation.get("impact") in {"serious", "critical"}]
    assert not bad, f"{name}: axe found serious or critical problems:\n" + \
        results.generate_report()


def test_provider_signs_in_applies_and_sees_the_application(live_server, page):
    provider_user = f.ProviderUserFactory()
    f.OpenRoundFactory()

    page.goto(f"{live_server.url}/providers/apply/")
    expect(page).to_have_title("Sign in – Placements DPS")
    assert_accessible(page, "sign-in page")
    page.get_by_label("Username").fill(provider_user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Apply to join – Placements DPS")
    assert_accessible(page, "apply page")
    page.get_by_label("Independent fostering", exact=True).check()
    page.get_by_label("Your price cap for Independent fostering, £ per week").fill("1100")
    page.get_by_label("Ofsted unique reference number (URN)").fill("SC123456")
    declarations = page.get_by_role("group", name="Declarations")
    for checkbox in declarations.get_by_role("checkbox").all():
        checkbox.check()
    page.screenshot(path=f"{SCREENSHOTS}/apply-page.png", full_page=True)
    page.get_by_role("button", name="Submit application").click()

    expect(page).to_have_title("My applications – Placements DPS")
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Application submitted")
    expect(page.locator(".govuk-summary-card")).to_contain_text("£1,100.00 per week")
    expect(page.locator(".govuk-summary-card")).to_contain_text("Submitted")


def test_apply_page_errors_are_summarised_and_accessible(live_server, page):
    provider_user = f.ProviderUserFactory()
    f.OpenRoundFactory()
    page.goto(f"{live_server.url}/sign-in/?next=/providers/apply/")
    page.get_by_label("Username").fill(provider_user.username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()

    page.get_by_label("Independent fostering", exact=True).check()
    page.get_by_label("Your price cap for Independent fostering, £ per week").fill("0")
    page.get_by_role("button", name="Submit application").click()

    expect(page).to_have_title(re.compile(r"^Error: Apply to join"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The price cap must be more than £0.")
    expect(summary).to_contain_text("Confirm every declaration")
    assert_accessible(page, "apply page with errors")
    # The summary's link takes the user to the field, revealed beside its lot.
    summary.get_by_role("link", name="The price cap must be more than £0.").click()
    cap = page.get_by_label("Your price cap for Independent fostering, £ per week")
    expect(cap).to_be_focused()


def test_provider_applies_with_javascript_switched_off(live_server, browser):
    provider_user = f.ProviderUserFactory()
    f.OpenRoundFactory()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/providers/apply/")
        page.get_by_label("Username").fill(provider_user.username)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Sign in").click()
        # Without JavaScript every price cap input is visible: nothing needs a script.
        page.get_by_label("Residential children's homes", exact=True).check()
        page.get_by_label("Your price cap for Residential children's homes, £ per week").fill(
            "4,250")
        page.get_by_label("Ofsted unique reference number (URN)").fill("SC654321")
        for checkbox in page.get_by_role("group", name="Declarations").get_by_role(
                "checkbox").all():
            checkbox.check()
        page.get_by_role("button", name="Submit application").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Application submitted")
        expect(page.locator(".govuk-summary-card")).to_contain_text("£4,250.00 per week")
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_title("Sign in – Placements DPS")
    finally:
        context.close()
