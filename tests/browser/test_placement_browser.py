"""Placements through a real browser (Debian's chromium): a commissioner opens a placement,
adds a support item and records a fee change; the provider signs in, sees the placement and
asks for a fee change (first too soon, then from the first allowed day). The placement list,
placement page and the provider's fee-change form pass axe with no serious or critical
violations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts import rules
from contracts.models import FeeChange, SupportItem
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.contracts import factories as pf

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores the migrations' data (see conftest.py here).
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
def test_commissioner_and_provider_work_on_a_placement(live_server, page):
    today = timezone.localdate()
    placement = pf.PlacementFactory(provider__name="Harbour Lights Care Ltd")
    child = placement.child
    commissioner = f.CommissionerFactory(organisation=placement.authority)
    provider = f.ProviderUserFactory(organisation=placement.provider)

    # The commissioner: the list, then the placement.
    page.goto(f"{live_server.url}/placements/")
    sign_in(page, commissioner)
    expect(page).to_have_title("Placements – Placements DPS")
    table = page.locator("table")
    expect(table).to_contain_text("Harbour Lights Care Ltd")
    expect(table).to_contain_text("£5,000.00")
    assert_accessible(page, "placement list")
    page.screenshot(path=f"{SCREENSHOTS}/placement-list.png", full_page=True)
    page.get_by_role("link", name=re.compile(f"^{child.first_name} {child.last_name}")).click()

    expect(page).to_have_title("Placement with Harbour Lights Care Ltd – Placements DPS")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("14 March 2012")
    assert_accessible(page, "placement detail")

    # A support item: first with a review date outside its dates, then right.
    page.get_by_text("Add a support item").click()
    page.get_by_label("Description of the support").fill("Weekly therapy sessions")
    page.get_by_label("Weekly cost").fill("350")
    fill_date(page, "Start date", today)
    fill_date(page, "Review date", today - datetime.timedelta(days=1))
    fill_date(page, "End date", today + datetime.timedelta(days=90))
    page.get_by_role("button", name="Add support item").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Must be between the start and end dates.")
    expect(page).to_have_title(re.compile(r"^Error: Placement with"))
    assert not SupportItem.objects.exists()
    page.screenshot(path=f"{SCREENSHOTS}/placement-support-error.png", full_page=True)
    fill_date(page, "Review date", today + datetime.timedelta(days=30))
    page.get_by_role("button", name="Add support item").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Support item added at £350.00 a week")
    expect(page.get_by_role("region", name="Support items")).to_contain_text(
        "Weekly therapy sessions")

    # A fee change from a fortnight today.
    effective = today + datetime.timedelta(days=14)
    page.get_by_text("Record a fee change").click()
    page.get_by_label("New price").fill("5,250")
    fill_date(page, "Takes effect from", effective)
    page.get_by_label("Reason for the change").fill("Agreed uplift for staffing costs.")
    page.get_by_role("button", name="Record fee change").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Fee change recorded: £5,250.00 per week from {effective:%-d %B %Y}")
    history = page.get_by_role("region", name="Fee history")
    expect(history).to_contain_text("£5,250.00 per week")
    expect(history).to_contain_text("Agreed starting price")
    expect(page.get_by_text("Download agreement version 2 (PDF)")).to_be_visible()
    assert_accessible(page, "placement detail after changes")
    page.screenshot(path=f"{SCREENSHOTS}/placement-detail.png", full_page=True)
    page.get_by_role("button", name="Sign out").click()

    # The provider: its placement, then a fee change request.
    page.goto(f"{live_server.url}/my-placements/")
    sign_in(page, provider)
    expect(page).to_have_title("My placements – Placements DPS")
    page.get_by_role("link", name=re.compile(f"^{child.first_name} {child.last_name}")).click()
    expect(page.get_by_role("region", name="Fee history")).to_contain_text("£5,250.00")
    expect(page.get_by_role("region", name="Support items")).to_contain_text("Weekly therapy")
    page.screenshot(path=f"{SCREENSHOTS}/provider-placement.png", full_page=True)
    html = page.content().lower()
    for value in (child.case_reference, child.postcode, child.postcode.replace(" ", "")):
        assert value.lower() not in html
    page.get_by_role("link", name="Request a fee change").click()
    expect(page).to_have_title("Request a fee change – Placements DPS")
    assert_accessible(page, "provider fee-change form")

    # Within 12 months of the recorded change: refused, nothing written.
    page.get_by_label("New price").fill("5500")
    fill_date(page, "Takes effect from", effective + datetime.timedelta(days=30))
    page.get_by_label("Reason for the change").fill("Costs have risen again.")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_title("Error: Request a fee change – Placements DPS")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Prices are fixed for 12")
    assert FeeChange.objects.filter(status=FeeChange.Status.REQUESTED).count() == 0
    assert_accessible(page, "provider fee-change form with errors")
    page.screenshot(path=f"{SCREENSHOTS}/provider-fee-change-error.png", full_page=True)

    allowed = rules.add_months(effective, 12)
    fill_date(page, "Takes effect from", allowed)
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"Fee change requested: £5,500.00 per week from {allowed:%-d %B %Y}")
    expect(page.get_by_role("region", name="Fee change requests")).to_contain_text(
        "Awaiting decision")
    page.screenshot(path=f"{SCREENSHOTS}/provider-fee-change-sent.png", full_page=True)
    change = FeeChange.objects.get(status=FeeChange.Status.REQUESTED)
    assert change.new_price == Decimal("5500.00")
    assert change.effective_from == allowed
