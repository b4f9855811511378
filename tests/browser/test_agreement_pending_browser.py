"""An awarded placement whose agreement is still being built (finding 7): its page says so in
a GOV.UK inset, passes axe, and offers the download once the agreement is ready."""

import pytest
from playwright.sync_api import expect

from contracts.agreements import issue_first_agreement
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.contracts import factories as pf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_placement_page_says_the_agreement_is_being_prepared(live_server, page):
    authority = f.AuthorityFactory()
    calloff = cf.AwardedCallOffFactory(referral__authority=authority)
    # As the approval leaves it, before the queued agreement has been built.
    placement = pf.PlacementFactory(authority=authority, calloff=calloff)
    commissioner = f.CommissionerFactory(organisation=authority)
    page.goto(f"{live_server.url}/placements/{placement.pk}/")
    sign_in(page, commissioner)
    pending = page.locator("#agreement-pending")
    expect(pending).to_contain_text("The agreement is being prepared")
    expect(page.get_by_role("link", name="Download agreement version 1 (PDF)")).to_have_count(0)
    assert_accessible(page, "placement with its agreement being prepared")

    issue_first_agreement(placement.pk, reason="Awarded through the DPS call-off")
    page.reload()
    expect(page.get_by_role("link", name="Download agreement version 1 (PDF)")).to_be_visible()
    expect(pending).to_have_count(0)
