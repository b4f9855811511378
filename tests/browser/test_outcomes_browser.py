"""Child outcomes in a real browser (issue "A council officer's first week", finding 4): from
the placement page a commissioner finds the outcomes, rates every domain in one submission,
and the trend is back on the placement page."""

import re

import pytest
from playwright.sync_api import expect

from monitoring.models import OutcomeRating
from referrals.models import OutcomeDomain
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_commissioner_rates_every_domain_at_once_from_the_placement_page(live_server, page):
    commissioner = f.CommissionerFactory()
    placement = mf.PlacementFactory(authority=commissioner.organisation)
    page.goto(f"{live_server.url}/placements/{placement.pk}/")
    sign_in(page, commissioner)
    expect(page.get_by_role("heading", name="Child outcomes")).to_be_visible()
    page.get_by_role("link", name="Rate the child's outcomes").click()
    expect(page).to_have_url(re.compile(rf"/monitoring/placements/{placement.pk}/outcomes/$"))
    assert_accessible(page, "outcomes form")
    for domain in OutcomeDomain:
        page.get_by_role("group", name=domain.label, exact=True).get_by_label("4").check()
    page.get_by_label("Note on safety (optional)").fill("Settled at home and at school")
    page.get_by_role("button", name="Record ratings").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "11 outcome ratings recorded")
    assert OutcomeRating.objects.filter(placement=placement).count() == 11
    page.get_by_role("link", name=f"Placement with {placement.provider_name}").first.click()
    expect(page.locator("#outcomes ~ table")).to_contain_text("One rating: 4")
    assert_accessible(page, "placement page with outcomes")
