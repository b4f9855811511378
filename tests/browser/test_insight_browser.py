"""Market insight through a real browser (Debian's chromium): a commissioner opens the page,
changes the lot and the end date, and sees the charts and the tables beside them; the DPS
administrator sees the breakdown by authority and the providers' forum view. Each page passes
axe with no serious or critical violations."""

import pytest
from playwright.sync_api import expect

from dps.models import Role
from providers.models import Lot
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.reports.insight_fixtures import build_market

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
def test_commissioner_changes_lot_and_sees_charts_and_tables(live_server, page):
    market = build_market()
    commissioner = f.UserFactory(organisation=market.a, roles=[Role.COMMISSIONER])
    first_lot = Lot.objects.order_by("dps_id", "position", "code").first()

    page.goto(f"{live_server.url}/")
    sign_in(page, commissioner)
    page.get_by_role("link", name="Insight").click()
    expect(page).to_have_title(f"Market insight: {first_lot.name} – Placements DPS")
    # Up to today on the first lot: nothing has ended there, so six charts and a sentence.
    expect(page.locator("svg.app-chart")).to_have_count(6)
    expect(page.locator("main")).to_contain_text("No placements ended in these years.")
    assert_accessible(page, "market insight")

    page.get_by_label("Lot", exact=True).select_option(label=f.lot("residential").name)
    group = page.get_by_role("group", name="Figures up to")
    group.get_by_label("Day").fill("31")
    group.get_by_label("Month").fill("3")
    group.get_by_label("Year").fill("2026")
    page.get_by_role("button", name="Show figures").click()

    expect(page).to_have_title(f"Market insight: {f.lot('residential').name} – Placements DPS")
    charts = page.get_by_role("img")
    expect(page.locator("svg.app-chart")).to_have_count(7)
    expect(charts.filter(has_text="Placements started and live each year")).to_have_count(1)
    spend = page.get_by_role("table", name="Spend by route each year")
    expect(spend).to_contain_text("£89,450.00")
    expect(spend).to_contain_text("Year to 31 March 2026")
    prices = page.get_by_role("table", name="Weekly price of placements started each year")
    expect(prices).to_contain_text("£1,050.00")
    expect(page.get_by_role("table", name="Placements ended, by reason")).to_contain_text(
        "Placement breakdown")
    expect(page.locator("main")).not_to_contain_text("Brighton")
    assert_accessible(page, "market insight, residential")
    page.screenshot(path=f"{SCREENSHOTS}/insight-commissioner.png", full_page=True)


def test_dps_admin_breakdown_and_forum_view(live_server, page):
    build_market()
    admin = f.DpsAdminFactory()
    query = "lot=residential&to_day=31&to_month=3&to_year=2026"

    page.goto(f"{live_server.url}/insight/?{query}")
    sign_in(page, admin)
    expect(page.get_by_role("table", name="Placements and spend by authority in the newest "
                                          "year")).to_contain_text("£182,500.00")
    assert_accessible(page, "market insight, all authorities")

    page.get_by_label("Providers' forum view").check()
    page.get_by_role("button", name="Show figures").click()
    expect(page.get_by_role("heading", name="By authority")).to_have_count(0)
    expect(page.get_by_role("table", name="Spend by route each year")).to_contain_text(
        "£271,950.00")
    assert_accessible(page, "market insight, forum view")
    page.screenshot(path=f"{SCREENSHOTS}/insight-forum.png", full_page=True)
