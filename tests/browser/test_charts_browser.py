"""Charts and their tables in a real browser (issue 16 finding 11, issue 18's demand page):
labels drawn whole inside the chart (the spend chart read "eadowbank Families"), axis ticks
that differ (insight's price axis read "£0 £0 £1"), every table in its own scrolling box, at
desktop width and at 320 px, and axe clean."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from dps.models import Role
from providers.models import Dps
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.reports.conftest import make_placement
from tests.reports.insight_fixtures import build_market

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

D = dt.date
NAME = "Meadowbank Families"
LONG_NAME = "Meadowbank Families and Children's Residential Services Partnership Limited"

# Each chart label's box in the SVG's own units, with the viewBox it must stay inside.
LABEL_BOXES = """svg => {
  const view = svg.viewBox.baseVal;
  return [...svg.querySelectorAll('text')].map(t => {
    const b = t.getBBox();
    return {text: t.textContent.trim(), title: t.querySelector('title')?.textContent || null,
            left: b.x, right: b.x + b.width, width: view.width};
  });
}"""


def labels_inside(page):
    boxes = []
    for svg in page.locator("svg.app-chart").all():
        for box in svg.evaluate(LABEL_BOXES):
            assert box["left"] >= 0, box
            assert box["right"] <= box["width"], box
            boxes.append(box)
    return boxes


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Every table sits in its own scrolling box.
    assert page.evaluate(
        "[...document.querySelectorAll('main table')].every("
        "t => t.parentElement.classList.contains('app-table-scroll'))")


def test_spend_chart_draws_provider_names_whole(live_server, page):
    council = f.AuthorityFactory(name="West Sussex County Council", area="West Sussex")
    officer = f.FinanceFactory(organisation=council)
    short = f.ProviderOrgFactory(name=NAME, area="West Sussex")
    long = f.ProviderOrgFactory(name=LONG_NAME, area="Kent")
    make_placement(authority=council, provider=short, start=D(2026, 1, 1), price="700.00")
    make_placement(authority=council, provider=long, start=D(2026, 1, 1), price="5200.00")

    page.goto(f"{live_server.url}/reports/")
    sign_in(page, officer)
    fill_date(page, "From", D(2026, 1, 1))
    fill_date(page, "To", D(2026, 1, 31))
    page.get_by_label("Group by").select_option("provider")
    page.get_by_role("button", name="Show report").click()
    expect(page.locator("svg.app-chart")).to_have_count(1)
    boxes = labels_inside(page)
    texts = [box["text"] for box in boxes]
    assert NAME in texts  # whole, from its first letter
    (cut,) = [box for box in boxes if box["title"] == LONG_NAME]
    assert cut["text"].endswith("…")
    expect(page.locator("#report-table")).to_contain_text(LONG_NAME)  # the table: whole
    assert_accessible(page, "spend by provider")
    page.set_viewport_size({"width": 320, "height": 800})
    no_sideways_scroll(page)


def test_insight_axes_read_distinct_round_amounts_and_tables_scroll(live_server, page):
    market = build_market()
    commissioner = f.UserFactory(organisation=market.a, roles=[Role.COMMISSIONER])
    page.goto(f"{live_server.url}/insight/?lot=tuition")
    sign_in(page, commissioner)
    # No placements on tuition: the price axis still steps by whole pounds.
    prices = page.locator("#chart-prices-title").locator("xpath=..")
    ticks = [t for t in prices.locator("text").all_text_contents() if t.startswith("£")]
    assert ticks == ["£0", "£1"]
    page.goto(f"{live_server.url}/insight/?lot=residential&to_day=31&to_month=3&to_year=2026")
    prices = page.locator("#chart-prices-title").locator("xpath=..")
    ticks = [t for t in prices.locator("text").all_text_contents() if t.startswith("£")]
    assert ticks == ["£0", "£1,000", "£2,000", "£3,000"]  # A's highest: £2,100
    labels_inside(page)
    # The widest table (prices, 9 columns) fits or scrolls in its box: its last column is
    # reachable, not cut off.
    region = page.get_by_role("region", name="Weekly price of new placements")
    expect(region.get_by_role("columnheader", name="Highest")).to_have_count(1)
    assert region.evaluate("""r => {
      r.scrollLeft = r.scrollWidth;
      const cell = [...r.querySelectorAll('th')].find(t => t.textContent.trim() === 'Highest');
      const box = r.getBoundingClientRect(), edge = cell.getBoundingClientRect();
      return edge.left >= box.left - 1 && edge.right <= box.right + 1;
    }""")
    assert_accessible(page, "market insight, residential")
    page.set_viewport_size({"width": 320, "height": 800})
    no_sideways_scroll(page)
    labels_inside(page)


def test_demand_page_charts_history_and_forecast_with_its_table(live_server, page):
    market = build_market()
    Dps.objects.filter(code="children").update(starts_on=D(2024, 4, 1))
    commissioner = f.UserFactory(organisation=market.a, roles=[Role.COMMISSIONER])
    page.goto(f"{live_server.url}/insight/?lot=residential")
    sign_in(page, commissioner)
    page.get_by_role("link", name="demand ahead for this lot").click()
    expect(page).to_have_title(
        f"Demand ahead: {f.lot('residential').name} – Placements DPS")
    expect(page.get_by_role("img", name="Placements started each month")).to_be_visible()
    table = page.get_by_role("table", name="Placements started each month, and the forecast")
    expect(table.locator("tbody tr")).to_have_count(36 + 12)
    expect(page.locator("main")).to_contain_text("Vacancies now")
    labels_inside(page)
    assert_accessible(page, "demand ahead")
    page.set_viewport_size({"width": 320, "height": 800})
    no_sideways_scroll(page)
    assert_accessible(page, "demand ahead at 320 px")
    page.screenshot(path="/tmp/demand-page-320.png", full_page=True)
