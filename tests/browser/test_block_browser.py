"""Block contracts through a real browser (Debian's chromium): a commissioner buys a block of
beds (first above the provider's cap, then acknowledging it), places a child into it, and reads
its occupancy and voids for a chosen period. The DPS administrator sets a volume discount tier;
the commissioner records a spot placement and reviews its support. Every page visited passes
axe with no serious or critical violations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts.models import BlockContract, Placement, SupportItem, VolumeDiscountTier
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
def lot_label(code):
    lot = f.lot(code)
    return f"{lot.name} ({lot.get_price_unit_display()})"


def test_commissioner_buys_a_block_and_places_a_child(live_server, page):
    today = timezone.localdate()
    start = today - datetime.timedelta(days=20)
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("650.00"),
                                         provider__name="Seaview Homes Ltd")
    commissioner = f.CommissionerFactory()

    page.goto(f"{live_server.url}/blocks/")
    sign_in(page, commissioner)
    expect(page).to_have_title("Block contracts – Placements DPS")
    assert_accessible(page, "block list (empty)")
    page.get_by_role("link", name="Buy a block of beds").click()

    expect(page).to_have_title("Buy a block of beds – Placements DPS")
    assert_accessible(page, "block form")
    page.get_by_label("Provider", exact=True).select_option(label="Seaview Homes Ltd")
    page.get_by_label("Lot", exact=True).select_option(label=lot_label("residential"))
    page.get_by_label("Reference (optional)").fill("SEAVIEW-1")
    page.get_by_label("Number of beds").fill("2")
    page.get_by_label("Price per bed").fill("700")
    fill_date(page, "Start date", start)
    fill_date(page, "End date", start + datetime.timedelta(days=364))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Check the block before you buy it – Placements DPS")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Seaview Homes Ltd")
    assert_accessible(page, "block: check")
    page.get_by_role("button", name="Buy the block").click()

    # Above the cap: a warning to acknowledge, nothing bought yet.
    expect(page).to_have_title("Error: Buy a block of beds – Placements DPS")
    expect(page.locator(".govuk-error-summary")).to_contain_text("above the provider's price cap")
    assert not BlockContract.objects.exists()
    assert_accessible(page, "block form with the cap warning")
    page.screenshot(path=f"{SCREENSHOTS}/block-cap-warning.png", full_page=True)
    page.get_by_label("I accept the price per bed is above the provider's price cap").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Buy the block").click()

    expect(page).to_have_title("Block contract SEAVIEW-1 – Placements DPS")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Block contract bought: 2 beds from Seaview Homes Ltd")
    block = BlockContract.objects.get()
    assert block.cap_warning_acknowledged
    assert_accessible(page, "block detail (empty)")

    # A child into a bed, from five days ago to the block's end.
    page.get_by_role("link", name="Place a child into this block").click()
    expect(page).to_have_title("Place a child into the block – Placements DPS")
    assert_accessible(page, "place into block form")
    page.get_by_role("button", name="Place the child").click()
    expect(page).to_have_title("Error: Place a child into the block – Placements DPS")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the child's first name")
    assert_accessible(page, "place into block form with errors")
    page.get_by_label("First name").fill("Mia")
    page.get_by_label("Last name").fill("Hart")
    fill_date(page, "Date of birth", datetime.date(2011, 9, 2))
    page.get_by_label("Case reference").fill("WSCC-77001")
    fill_date(page, "Start date", today - datetime.timedelta(days=5))
    page.get_by_role("button", name="Place the child").click()

    expect(page).to_have_title("Block contract SEAVIEW-1 – Placements DPS")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Placed into the block")
    expect(page.get_by_role("region", name="Placements in this block")).to_contain_text(
        "Mia Hart")
    placement = Placement.objects.get()
    assert (placement.route, placement.block_id) == ("block", block.pk)

    # Occupancy for the block's first 30 days: 60 bed-days bought, the child's 15 occupied.
    fill_date(page, "From", start)
    fill_date(page, "To", start + datetime.timedelta(days=29))
    page.get_by_role("button", name="Show this period").click()
    figures = page.locator("#occupancy-figures")
    expect(figures).to_contain_text(re.compile(r"Bed-days bought\s*60\b"))
    expect(figures).to_contain_text(re.compile(r"Bed-days occupied\s*15\b"))
    expect(figures).to_contain_text(re.compile(r"Void bed-days\s*45\b"))
    # 45 void bed-days × £700 / 7.
    expect(figures).to_contain_text(re.compile(r"Cost of the voids\s*£4,500\.00"))
    assert_accessible(page, "block detail with occupancy")
    page.screenshot(path=f"{SCREENSHOTS}/block-detail.png", full_page=True)

    # The placement itself names its block, and the list filters to it.
    page.get_by_role("link", name=re.compile("^Mia Hart")).click()
    expect(page).to_have_title("Placement with Seaview Homes Ltd – Placements DPS")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("SEAVIEW-1")
    assert_accessible(page, "block placement detail")
    page.goto(f"{live_server.url}/placements/?block={block.pk}")
    expect(page.locator(".govuk-inset-text")).to_contain_text("Showing placements in block")
    assert_accessible(page, "placement list filtered to a block")
    assert member.provider_id == block.provider_id


def test_discounts_spot_placements_and_support_reviews(live_server, page):
    today = timezone.localdate()
    admin = f.DpsAdminFactory()
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"),
                                         provider__name="Harbour Lights Care Ltd")

    page.goto(f"{live_server.url}/volume-discounts/")
    sign_in(page, admin)
    expect(page).to_have_title("Volume discounts – Placements DPS")
    assert_accessible(page, "volume discounts (empty)")
    page.get_by_label("Provider", exact=True).select_option(label="Harbour Lights Care Ltd")
    page.get_by_label("Lot", exact=True).select_option(label=lot_label("residential"))
    page.get_by_label("From this many live placements").fill("1")
    page.get_by_label("Discount", exact=True).fill("5")
    page.get_by_role("button", name="Set the tier").click()
    expect(page).to_have_title("Error: Volume discounts – Placements DPS")
    assert_accessible(page, "volume discounts with errors")
    page.get_by_label("From this many live placements").fill("3")
    page.get_by_role("button", name="Set the tier").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("5% off")
    assert VolumeDiscountTier.objects.get().provider_id == member.provider_id
    assert_accessible(page, "volume discounts")
    page.get_by_role("button", name="Sign out").click()

    commissioner = f.CommissionerFactory()
    page.goto(f"{live_server.url}/placements/spot/")
    sign_in(page, commissioner)
    expect(page).to_have_title("Record a spot placement – Placements DPS")
    assert_accessible(page, "spot placement form")
    page.get_by_label("Provider's name").fill("Hilltop Care Ltd")
    page.get_by_label("Lot", exact=True).select_option(label=lot_label("residential"))
    page.get_by_label("Price", exact=True).fill("6250")
    fill_date(page, "Start date", today)
    page.get_by_role("button", name="Record the spot placement").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why this placement is bought off-contract")
    assert_accessible(page, "spot placement form with errors")
    page.get_by_label("Why is this placement bought off-contract?").fill(
        "No DPS provider could offer a bed within 48 hours.")
    page.get_by_role("button", name="Record the spot placement").click()
    expect(page).to_have_title("Placement with Hilltop Care Ltd – Placements DPS")
    placement = Placement.objects.get(route="spot")

    item = SupportItem.objects.create(
        placement=placement, description="Weekly therapy", weekly_cost=Decimal("350.00"),
        start_date=today, review_date=today, end_date=today + datetime.timedelta(days=90))
    page.reload()
    page.get_by_role("link", name=re.compile("^Record review")).click()
    expect(page).to_have_title("Record a support review – Placements DPS")
    assert_accessible(page, "support review form")
    fill_date(page, "Date the support was reviewed", today)
    fill_date(page, "Next review date (optional)", today + datetime.timedelta(days=120))
    page.get_by_role("button", name="Record the review").click()
    expect(page).to_have_title("Error: Record a support review – Placements DPS")
    assert_accessible(page, "support review form with errors")
    fill_date(page, "Next review date (optional)", today + datetime.timedelta(days=60))
    page.get_by_role("button", name="Record the review").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Support review recorded")
    item.refresh_from_db()
    assert item.review_date == today + datetime.timedelta(days=60)
