"""What the December 2026 walk-through (docs/walkthroughs/2026-12-provider-and-finance-officer.md)
tripped over as a small provider and as a finance officer, each fixed and checked here in a
real browser (Debian's chromium), axe-clean: the portal leads a new provider and a queried
invoice; a queried invoice says what happens next; "My responses" fits a desktop screen; the fee
change form says how far back; finance's front door says what is waiting; bulk approval shows
its total; spend can be counted as invoiced or paid; the reconciliation says what its columns
mean; a bad remittance row says what was wrong and how to write it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from calloffs.models import ExpressionOfInterest
from invoicing.models import Invoice
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.invoicing import factories_finance as ff
from tests.reports.conftest import make_placement

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp/walkb-shots"


def test_a_new_provider_is_led_to_apply_and_then_told_its_application_waits(live_server, page):
    user = f.ProviderUserFactory(organisation=f.ProviderOrgFactory(name="Little Acorns Ltd"))
    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    todo = page.locator(".govuk-task-list").first
    expect(todo).to_contain_text("Apply to join a lot")
    expect(page.get_by_text("Nothing is due")).to_have_count(0)
    assert_accessible(page, "a new provider's portal")

    f.SubmittedApplicationFactory(provider=user.organisation)
    page.reload()
    expect(todo).to_contain_text("Your application to the")
    expect(todo).to_contain_text("Waiting for a decision")
    expect(todo).not_to_contain_text("Apply to join a lot")
    assert_accessible(page, "the portal of a provider whose application waits")


def test_a_queried_invoice_leads_the_portal_and_says_what_happens_next(live_server, page):
    council = f.AuthorityFactory(name="West Sussex County Council")
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    user = f.ProviderUserFactory(organisation=provider)
    invoice = ff.invoice(status=Invoice.Status.QUERY, authority=council, provider=provider,
                         reference="HL-0042", lines=[("1025.00", "1000.00")])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server.url}/portal/")
    sign_in(page, user)
    page.get_by_role("link", name="Invoice HL-0042 was queried: see what differs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invoice HL-0042")
    expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
    # The difference is said in words, not only in a table column off a phone's screen.
    differences = page.locator("#differences")
    placement = invoice.lines.get().placement_id
    expect(differences).to_contain_text(
        f"Placement {placement}: the fee")
    expect(differences).to_contain_text("you asked £1,025.00, the agreed prices give £1,000.00")
    assert_accessible(page, "a queried invoice, on a phone")
    page.screenshot(path=f"{SCREENSHOTS}/final-provider-queried-invoice-375.png", full_page=True)


def test_my_responses_fits_a_desktop_screen_and_the_fee_form_says_how_far_back(
        live_server, page):
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    user = f.ProviderUserFactory(organisation=provider)
    for rank, outcome in ((1, "awarded"), (2, "unsuccessful")):
        cf.EoiFactory(calloff=cf.AwardedCallOffFactory(), provider=provider,
                      outcome=outcome, rank=rank, quality_score=60 + rank,
                      price_score=Decimal("36.81"), total_score=Decimal("72.81"),
                      submitted_at=timezone.now())
    assert ExpressionOfInterest.objects.count() == 2
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/responses/")
    sign_in(page, user)
    page.goto(f"{live_server.url}/responses/")
    region = page.get_by_role("region", name="My responses")
    # Every column shows on a desktop screen: the table does not scroll inside its region.
    assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "the table is cut off"
    expect(region.get_by_role("columnheader", name="Total")).to_be_visible()
    assert_accessible(page, "my responses")
    page.screenshot(path=f"{SCREENSHOTS}/final-provider-responses-1280.png", full_page=True)

    council = f.AuthorityFactory()
    placement = make_placement(authority=council, provider=provider, lot="fostering",
                               start=timezone.localdate() - dt.timedelta(days=90),
                               price="900.00")
    page.goto(f"{live_server.url}/my-placements/{placement.pk}/fee-change/")
    expect(page.get_by_text(
        f"more than {settings.FEE_CHANGE_MAX_BACKDATE_DAYS} days ago")).to_be_visible()
    assert_accessible(page, "request a fee change")


def test_finance_front_door_says_what_is_waiting_and_bulk_approval_shows_its_total(
        live_server, page):
    council = f.AuthorityFactory(name="West Sussex County Council")
    officer = f.FinanceFactory(organisation=council)
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    ff.invoice(authority=council, provider=provider, reference="HL-1",
               lines=[("1000.00", "1000.00")])
    ff.invoice(authority=council, provider=provider, reference="HL-2",
               lines=[("234.50", "234.50")])
    ff.invoice(status=Invoice.Status.QUERY, authority=council, provider=provider,
               reference="HL-3", lines=[("525.00", "500.00")])
    page.goto(f"{live_server.url}/finance/")
    sign_in(page, officer)
    page.goto(f"{live_server.url}/finance/")
    waiting = page.locator(".govuk-task-list")
    expect(waiting).to_contain_text("Approve 2 invoices that match what was accrued")
    expect(waiting).to_contain_text("£1,234.50 in all")
    expect(waiting).to_contain_text("Decide 1 queried invoice")
    assert_accessible(page, "finance's front door")
    page.screenshot(path=f"{SCREENSHOTS}/final-finance-workspace-1280.png", full_page=True)

    page.get_by_role("link", name="Approve 2 invoices that match what was accrued").click()
    expect(page.locator("#vouched-total")).to_contain_text("2 invoices listed, £1,234.50 in all")
    # The queried line reads as the provider's does, not "Placement fee placement 7".
    expect(page.get_by_role("region", name="Invoice HL-3")).to_contain_text(": the fee")
    assert_accessible(page, "the invoice queue")
    page.get_by_role("button", name="Approve the chosen invoices").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "2 invoices approved for payment. Total £1,234.50.")
    page.goto(f"{live_server.url}/finance/")
    expect(waiting).to_contain_text("Record the payment of 2 approved invoices")
    expect(waiting).to_contain_text("Export 2 approved invoices for the finance system")


def test_spend_counts_as_invoiced_or_paid_and_the_reconciliation_explains_its_columns(
        live_server, page):
    council = f.AuthorityFactory(name="West Sussex County Council")
    officer = f.FinanceFactory(organisation=council)
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    today = timezone.localdate()
    placement = make_placement(authority=council, provider=provider,
                               start=today - dt.timedelta(days=60), price="700.00")
    invoice = ff.invoice(status=Invoice.Status.APPROVED, placement=placement,
                         reference="HL-9", lines=[("700.00", "700.00")])
    ff.paid(invoice, amount="700.00", paid_on=today)

    page.goto(f"{live_server.url}/reports/")
    sign_in(page, officer)
    page.goto(f"{live_server.url}/reports/")
    page.get_by_label("Count spend as").select_option("paid")
    page.get_by_label("Group by").select_option("provider")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("£700.00 paid")
    expect(page.locator("#basis-note")).to_contain_text("on the day each was made")
    expect(page.locator("#report-table")).to_contain_text("Harbour Lights Care Ltd")
    assert_accessible(page, "spend counted as paid")
    page.screenshot(path=f"{SCREENSHOTS}/final-finance-spend-paid-1280.png", full_page=True)
    page.get_by_label("Count spend as").select_option("invoiced")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("£700.00 invoiced")

    page.goto(f"{live_server.url}/finance/invoices/reconciliation/?group_by=placement")
    expect(page.locator("#columns-explained")).to_contain_text("paid can be more than invoiced")
    page.get_by_role("link", name=f"Placement {placement.pk} with Harbour Lights Care Ltd").click()
    expect(page).to_have_url(f"{live_server.url}/placements/{placement.pk}/")


def test_a_bad_remittance_row_says_what_was_wrong_and_how_to_write_it(
        live_server, page, tmp_path):
    council = f.AuthorityFactory(name="West Sussex County Council")
    officer = f.FinanceFactory(organisation=council)
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    ff.invoice(status=Invoice.Status.APPROVED, authority=council, provider=provider,
               reference="HL-5", lines=[("700.00", "700.00")])
    bad = tmp_path / "remittance.csv"
    bad.write_text("invoice_reference,provider,paid_on,amount,reference\n"
                   "HL-5,Harbour Lights Care Ltd,31/13/2026,700.00,PAY-1\n")
    page.goto(f"{live_server.url}/finance/invoices/remittance/")
    sign_in(page, officer)
    page.goto(f"{live_server.url}/finance/invoices/remittance/")
    expect(page.get_by_text("like 31/12/2026 or 2026-12-31")).to_be_visible()
    page.get_by_label("Remittance file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Import the payments").click()
    expect(page.get_by_text(
        "Row 2:")).to_be_visible()
    expect(page.locator("body")).to_contain_text(
        "paid_on: '31/13/2026' is not a day: write it like 31/12/2026 or 2026-12-31.")
    assert_accessible(page, "a remittance with a bad row")
