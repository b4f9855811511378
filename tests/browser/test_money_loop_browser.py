"""The money loop end to end in a real browser (Debian's chromium): a provider sends its
pre-filled draft invoice, finance approves it with the vouched ones in bulk, imports the
ledger's remittance file, and the payment shows in the s.70 list (over £30,000) and in the s.69
figures. Every page passes axe (any impact)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from invoicing.models import Invoice, Payment
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.reports.conftest import make_placement

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_invoice_approved_paid_and_published(live_server, page, browser, tmp_path):
    today = timezone.localdate()
    council = f.AuthorityFactory(name="West Sussex County Council")
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd",
                                    companies_house_number="07654321")
    user = f.ProviderUserFactory(organisation=provider)
    finance = f.FinanceFactory(organisation=council)
    # A home at £9,000 a week for 40 days: an invoice well over £30,000.
    make_placement(authority=council, provider=provider, start=today - dt.timedelta(days=40),
                   price="9000.00")

    # The provider: one click from the draft.
    page.goto(f"{live_server.url}/invoices/new/")
    sign_in(page, user)
    page.goto(f"{live_server.url}/invoices/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an invoice")
    page.get_by_label("Your invoice number").fill("HL-2001")
    page.get_by_role("button", name="Send the invoice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice HL-2001")
    expect(page.get_by_text("Matches the agreed prices")).to_be_visible()
    assert_accessible(page, "the provider's invoice, sent")
    invoice = Invoice.objects.get()
    assert invoice.status == "vouched"

    # Finance, in its own browser context: the queue, approve in bulk.
    context = browser.new_context()
    officer = context.new_page()
    officer.goto(f"{live_server.url}/finance/invoices/")
    sign_in(officer, finance)
    officer.goto(f"{live_server.url}/finance/invoices/")
    expect(officer.get_by_label("Harbour Lights Care Ltd, invoice HL-2001",
                                exact=False)).to_be_checked()
    assert_accessible(officer, "finance's invoice queue")
    officer.get_by_role("button", name="Approve the chosen invoices").click()
    expect(officer.locator(".govuk-notification-banner")).to_contain_text(
        "1 invoice approved for payment.")
    assert_accessible(officer, "the queue after approving")
    invoice.refresh_from_db()
    assert invoice.status == "approved"

    # The ledger's payment run, imported as a file.
    remittance = tmp_path / "payment-run.csv"
    paid_on = today.isoformat()
    remittance.write_text("invoice_reference,provider,paid_on,amount,reference\n"
                          f"HL-2001,Harbour Lights Care Ltd,{paid_on},{invoice.total},"
                          "BACS-778812\n")
    officer.goto(f"{live_server.url}/finance/invoices/remittance/")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Import a remittance")
    assert_accessible(officer, "import a remittance")
    officer.locator("input[type=file]").set_input_files(str(remittance))
    officer.get_by_role("button", name="Import the payments").click()
    expect(officer.locator(".govuk-notification-banner")).to_be_visible()
    assert_accessible(officer, "the remittance imported")
    assert Payment.objects.get().reference == "BACS-778812"
    invoice.refresh_from_db()
    assert invoice.status == "paid"

    # The s.70 list and the s.69 figures show the payment.
    officer.goto(f"{live_server.url}/reports/payments/")
    table = officer.get_by_role("region", name="Payments over £30,000")
    expect(table).to_contain_text("Harbour Lights Care Ltd")
    expect(table).to_contain_text(f"£{invoice.total:,.2f}")
    expect(table).to_contain_text("BACS-778812")
    figures = officer.locator("dl.govuk-summary-list")
    expect(figures).to_contain_text("Invoices paid")
    expect(officer.get_by_role("heading", name="Payment compliance (section 69)")).to_be_visible()
    expect(figures.locator(".govuk-summary-list__row", has_text="Paid within 30 days")
           ).to_contain_text("100.0%")
    assert_accessible(officer, "the s.70 list and s.69 figures")
    officer.screenshot(path="/tmp/money-loop-payments.png", full_page=True)

    # The reconciliation per placement: sortable, a page at a time.
    officer.goto(f"{live_server.url}/finance/invoices/reconciliation/"
                 "?group_by=placement&sort=-not_invoiced")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Reconciliation")
    table = officer.get_by_role("region", name="Accrued, invoiced and paid")
    expect(table).to_contain_text("Harbour Lights Care Ltd")
    expect(table.locator("th[aria-sort=descending]")).to_contain_text("Not yet invoiced")
    assert_accessible(officer, "the reconciliation per placement")
    context.close()

    # The provider sees it paid.
    page.goto(f"{live_server.url}/invoices/")
    expect(page.get_by_role("row", name="HL-2001")).to_contain_text("Paid")
    assert_accessible(page, "the provider's invoices, paid")
