"""A provider invoices through a real browser (Debian's chromium): from its portal to its
invoices, "Create an invoice" shows the draft of every uninvoiced day at the agreed prices, one
click sends it, and the invoice matches them (vouched). Each page passes axe."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.models import Invoice
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.reports.conftest import make_block, make_placement, make_support

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"


def test_a_provider_sends_its_invoice_from_the_draft(live_server, page):
    today = timezone.localdate()
    start = today - dt.timedelta(days=40)
    council = f.AuthorityFactory(name="West Sussex County Council")
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    user = f.ProviderUserFactory(organisation=provider)
    placement = make_placement(authority=council, provider=provider, start=start,
                               price="1000.00")
    make_support(placement, start=start, end=today + dt.timedelta(days=30), weekly_cost="70.00")
    make_block(authority=council, provider=provider, beds=2, price_per_bed="700.00",
               start=start, end=today + dt.timedelta(days=300))

    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    page.get_by_role("link", name="Your invoices").click()
    expect(page).to_have_title("Your invoices – Placements DPS")
    expect(page.get_by_text("You have not sent any invoices yet.")).to_be_visible()
    assert_accessible(page, "the provider's invoices, none yet")

    page.get_by_role("link", name="Create an invoice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an invoice")
    expect(page.get_by_text("Invoice to West Sussex County Council")).to_be_visible()
    lines = page.get_by_role("checkbox")
    expect(lines).to_have_count(3)
    for index in range(3):
        expect(lines.nth(index)).to_be_checked()
    expect(page.get_by_text(f"Placement {placement.pk}: the fee")).to_be_visible()
    assert_accessible(page, "create an invoice from the draft")
    page.screenshot(path=f"{SCREENSHOTS}/provider-invoice-draft.png", full_page=True)

    # Sending without a reference: the error, then the one click.
    page.get_by_role("button", name="Send the invoice").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your invoice number.")
    assert_accessible(page, "create an invoice, with an error")
    page.get_by_label("Your invoice number").fill("HL-0001")
    page.get_by_role("button", name="Send the invoice").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice HL-0001")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Invoice HL-0001 was sent to West Sussex County Council")
    expect(page.get_by_text("Matches the agreed prices")).to_be_visible()
    assert_accessible(page, "the invoice sent")
    page.screenshot(path=f"{SCREENSHOTS}/provider-invoice-sent.png", full_page=True)

    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.channel, invoice.lines.count()) == ("vouched", "portal", 3)
    assert invoice.total == invoice.expected_total

    page.get_by_role("link", name="Your invoices").click()
    expect(page.get_by_role("row", name="HL-0001")).to_contain_text("Matches the agreed prices")
