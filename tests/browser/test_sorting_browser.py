"""Sortable tables in a real browser (issue 16, finding 9): a header link orders the table by
its column, says so with `aria-sort`, keeps the filters in the URL, and the page passes axe."""

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_commissioner_sorts_the_provider_directory_by_score(live_server, page):
    mf.RedAssessmentFactory(provider=f.ProviderOrgFactory(name="Alder Care Ltd"))
    mf.GreenAssessmentFactory(provider=f.ProviderOrgFactory(name="Birch Homes Ltd"))
    page.goto(f"{live_server.url}/monitoring/providers/?q=Ltd")
    sign_in(page, f.CommissionerFactory())
    rows = page.locator("table tbody tr th")
    expect(rows.first).to_contain_text("Alder Care Ltd")  # by name first
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Provider")

    page.get_by_role("link", name="Score").click()
    expect(page.locator("th[aria-sort='ascending']")).to_contain_text("Score")
    expect(rows.first).to_contain_text("Birch Homes Ltd")  # green scores lowest
    assert "q=Ltd" in page.url
    assert_accessible(page, "provider directory sorted by score")

    page.get_by_role("link", name="Score").click()
    expect(page.locator("th[aria-sort='descending']")).to_contain_text("Score")
    expect(rows.first).to_contain_text("Alder Care Ltd")
    expect(page.get_by_label("Provider name or Companies House number")).to_have_value("Ltd")
