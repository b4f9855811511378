"""The four front doors in a real browser (Debian's chromium): each renders and passes axe with
no violation, each fits a 320 px wide screen without sideways scrolling,
and a provider sends an expression of interest using the keyboard alone.

With SAVE_SCREENSHOTS=1 the doors' screenshots are written to docs/screenshots/ for the README
(otherwise to /tmp, so CI never rewrites them)."""

import datetime
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calloffs.models import ExpressionOfInterest
from tests import factories as f
from tests.browser.helpers import assert_accessible
from tests.calloffs import factories as cf
from tests.contracts import factories as kf
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct-horse-battery"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def screenshot(page, name):
    """docs/screenshots/<name>.png when SAVE_SCREENSHOTS=1, else /tmp."""
    folder = DOCS if os.environ.get("SAVE_SCREENSHOTS") == "1" else Path("/tmp")
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page, user):
    expect(page).to_have_title("Sign in – Placements DPS")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title(re.compile("Sign in|Placements DPS"))


def _world():
    """Something in every section of every door."""
    authority = f.AuthorityFactory(name="West Sussex County Council")
    people = {
        "commissioner": f.CommissionerFactory(organisation=authority, first_name="Priya",
                                              last_name="Shah"),
        "budget_holder": f.BudgetHolderFactory(organisation=authority,
                                               approval_limit=Decimal("400000")),
        "finance": f.FinanceFactory(organisation=authority),
    }
    soon = cf.OpenCallOffFactory(referral__authority=authority,
                                 deadline=timezone.now() + datetime.timedelta(hours=30))
    membership = cf.admitted_and_invited(soon)
    provider = membership.provider
    admin = f.ProviderUserFactory(organisation=provider, first_name="Amina", last_name="Okafor")
    admin.is_org_admin = True
    admin.save()
    people["provider"] = admin
    cf.EoiFactory(calloff=soon, provider=provider)
    cf.ClosedCallOffFactory(referral__authority=authority)
    cf.awaiting_approval(authority=authority)
    placement = kf.PlacementFactory(authority=authority, provider=provider, cap=False)
    placement.reviews.update(due_date=timezone.localdate() + datetime.timedelta(days=5))
    f.AwaitingDecisionApplicationFactory(
        evaluation_due=timezone.localdate() - datetime.timedelta(days=2))
    mf.RedAssessmentFactory()
    mf.OverdueAssessmentFactory()
    mf.OverdueActionItemFactory(plan__provider=provider)
    mf.KpiReturnFactory(provider=provider)
    f.SuspendedMembershipFactory(provider=provider, lot=f.lot("fostering"),
                                 suspended_from=timezone.localdate(),
                                 suspended_until=timezone.localdate()
                                 + datetime.timedelta(days=60))
    return people


DOORS = [
    ("commissioner", "Dashboard – Placements DPS", "commissioner-dashboard"),
    ("provider", "Your supplier portal – Placements DPS", "supplier-portal"),
    ("budget_holder", "Approvals – Placements DPS", "budget-holder-approvals"),
    ("finance", "Finance workspace – Placements DPS", "finance-workspace"),
]


def test_each_front_door_renders_from_sign_in_and_passes_axe(live_server, page):
    people = _world()
    for role, title, name in DOORS:
        page.goto(f"{live_server.url}/")
        sign_in(page, people[role])
        expect(page).to_have_title(title)
        assert_accessible(page, name)
        screenshot(page, name)
        if role == "finance":
            # Two clicks from signing in: the workspace, then the spend page.
            page.get_by_role("link", name="Spend", exact=True).click()
            expect(page).to_have_title("Spend – Placements DPS")
        sign_out(page)


def test_help_cookies_and_error_pages_pass_axe(live_server, page):
    commissioner = f.CommissionerFactory()
    page.goto(f"{live_server.url}/cookies/")
    expect(page).to_have_title("Cookies – Placements DPS")
    assert_accessible(page, "cookies page (signed out)")
    page.goto(f"{live_server.url}/")
    sign_in(page, commissioner)
    page.get_by_role("contentinfo").get_by_role("link", name="Help").click()
    expect(page).to_have_title("Help – Placements DPS")
    assert_accessible(page, "help index")
    page.get_by_role("link", name="Help for commissioners").first.click()
    expect(page).to_have_title("Help for commissioners – Placements DPS")
    assert_accessible(page, "help for commissioners")
    page.goto(f"{live_server.url}/portal/")
    expect(page).to_have_title("You cannot see this page – Placements DPS")
    assert_accessible(page, "403 page")
    page.goto(f"{live_server.url}/no-such-page/")
    expect(page).to_have_title("Page not found – Placements DPS")
    assert_accessible(page, "404 page")


def test_each_front_door_fits_a_320_pixel_screen(live_server, browser):
    people = _world()
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    try:
        for role, _title, name in DOORS:
            page.goto(f"{live_server.url}/")
            sign_in(page, people[role])
            expect(page.locator("h1")).to_be_visible()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{name}: the page is {width} px wide at 320 px"
            screenshot(page, f"{name}-320px")
            context.clear_cookies()  # signed out (the sign-out button sits behind "Menu")
    finally:
        context.close()


def _tab_to(page, test, what, limit=120):
    """Press Tab until the focused element passes `test` (JavaScript on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({test}); }})()"):
            return
    raise AssertionError(f"Tab never reached {what}")


def _tab_to_id(page, element_id):
    _tab_to(page, f"el && el.id === {element_id!r}", f"#{element_id}")


def test_a_provider_sends_an_expression_of_interest_with_the_keyboard_alone(live_server, page):
    calloff = cf.OpenCallOffFactory(deadline=timezone.now() + datetime.timedelta(hours=30))
    membership = cf.admitted_and_invited(calloff, price_cap="5500.00")
    provider = f.ProviderUserFactory(organisation=membership.provider)
    start = timezone.localdate() + datetime.timedelta(days=30)

    page.goto(f"{live_server.url}/")
    expect(page).to_have_title("Sign in – Placements DPS")
    _tab_to_id(page, "username")
    page.keyboard.type(provider.username)
    _tab_to_id(page, "password")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_title("Your supplier portal – Placements DPS")
    _tab_to(page, f"el && el.getAttribute('href') === '/opportunities/{calloff.pk}/'",
            "the opportunity's link")
    page.keyboard.press("Enter")

    expect(page).to_have_title(re.compile(r"^Residential children's homes, age 13"))
    _tab_to_id(page, "price")
    page.keyboard.type("5,250")
    for part, value in (("day", start.day), ("month", start.month), ("year", start.year)):
        _tab_to(page, f"el && el.id && el.id.startsWith('proposed_start') "
                      f"&& el.id.endsWith({part!r})", f"the {part} of the start date")
        page.keyboard.type(str(value))
    _tab_to_id(page, "how_needs_met")
    page.keyboard.type("A two-bed home with waking night staff and a teacher on site.")
    _tab_to(page, "el && el.tagName === 'BUTTON' "
                  "&& el.textContent.includes('Send expression of interest')", "the send button")
    page.keyboard.press("Enter")

    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Expression of interest sent")
    eoi = ExpressionOfInterest.objects.get()
    assert (eoi.price, eoi.proposed_start, eoi.provider_id) == (
        Decimal("5250.00"), start, membership.provider_id)
