"""Finance reports through a real browser (Debian's chromium): a finance officer signs in, opens
the spend report, filters it to January grouped by route, sees the chart and the table, and
downloads the CSV, whose rows are the table's. The page passes axe with no serious or critical
violations."""

import csv
import datetime as dt
import io
import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.reports.conftest import make_block, make_placement, make_support

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
D = dt.date


def test_a_finance_officer_filters_spend_and_downloads_the_rows(live_server, page):
    council = f.AuthorityFactory(name="West Sussex County Council", area="West Sussex")
    officer = f.FinanceFactory(organisation=council)
    near = f.ProviderOrgFactory(name="Harbour Lights Care Ltd", area="West Sussex")
    far = f.ProviderOrgFactory(name="Downs View Homes Ltd", area="Kent")
    first = make_placement(authority=council, provider=near, start=D(2025, 12, 1),
                           price="700.00")
    make_support(first, start=D(2026, 1, 1), end=D(2026, 1, 10), weekly_cost="70.00")
    make_placement(authority=council, provider=None, route="spot", start=D(2026, 1, 20),
                   price="3000.00", provider_name="Seaview Spot Care")
    make_block(authority=council, provider=far, beds=2, price_per_bed="2100.00",
               start=D(2026, 1, 1), end=D(2026, 6, 30))
    elsewhere = f.AuthorityFactory(name="Kent County Council", area="Kent")
    make_placement(authority=elsewhere, provider=near, start=D(2025, 1, 1), price="9999.99")

    page.goto(f"{live_server.url}/reports/")
    sign_in(page, officer)
    expect(page).to_have_title("Spend – Placements DPS")
    expect(page.get_by_role("link", name="Finance")).to_be_visible()

    fill_date(page, "From", D(2026, 1, 1))
    fill_date(page, "To", D(2026, 1, 31))
    page.get_by_label("Group by").select_option("route")
    page.get_by_label("Provider").select_option(label="Any provider")
    page.get_by_role("button", name="Show report").click()

    expect(page.get_by_role("heading", level=2).first).to_contain_text(
        "1 January 2026 to 31 January 2026: £26,942.86")
    chart = page.get_by_role("img", name=re.compile("Spend by route, as a bar chart"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect")).to_have_count(3)
    table = page.locator("#report-table")
    expect(table).to_contain_text("DPS call-off")
    expect(table).to_contain_text("£3,200.00")
    expect(table).to_contain_text("£5,142.86")
    expect(table).to_contain_text("£18,600.00")
    expect(table).not_to_contain_text("Kent County Council")
    expect(table).to_contain_text("including £18,600.00 for 62 void bed-days")
    assert_accessible(page, "spend by route")
    page.screenshot(path=f"{SCREENSHOTS}/finance-spend.png", full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^Download CSV")).click()
    download = download_info.value
    assert download.suggested_filename == "spend-2026-01-01-to-2026-01-31-by-route.csv"
    rows = list(csv.reader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert rows == [["Route", "Amount"], ["DPS call-off", "3200.00"],
                    ["Spot purchase (off-contract)", "5142.86"],
                    ["Block contract", "18600.00"]]

    # A filter narrows the same page: the spot purchase only.
    page.get_by_label("Route", exact=True).select_option("spot")
    page.get_by_role("button", name="Show report").click()
    expect(page.locator("#report-table")).to_contain_text("£5,142.86")
    expect(page.locator("#report-table")).not_to_contain_text("£3,200.00")
