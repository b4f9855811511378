"""The notices pages in a real browser (Debian's chromium): the dashboard shows an overdue
notice, the list filters by status, the notice page says its content in plain words, a bad
day is refused with the GOV.UK error summary, and the publication is recorded. Every page
passes axe (any impact)."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from notices import services
from notices.models import Kind, Notice
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.contracts import factories as kf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_commissioner_records_an_overdue_notice_as_published(live_server, page):
    today = timezone.localdate()
    council = f.AuthorityFactory(name="West Sussex County Council")
    commissioner = f.CommissionerFactory(organisation=council)
    dps = f.DpsFactory(name="Adults' support dynamic market", regime="pa2023_dynamic_market",
                       lead_authority=council, starts_on=today - dt.timedelta(days=90),
                       ends_on=today + dt.timedelta(days=900))
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    kf.EndedPlacementFactory(authority=council, provider=provider,
                             lot=dps.lots.get(code="residential_care"),
                             start_date=today - dt.timedelta(days=80),
                             end_date=today - dt.timedelta(days=40))
    services.refresh(today)
    termination = Notice.objects.get(kind=Kind.CONTRACT_TERMINATION)
    assert termination.status == Notice.Status.OVERDUE

    page.goto(f"{live_server.url}/dashboard/")
    sign_in(page, commissioner)
    page.goto(f"{live_server.url}/dashboard/")
    notices = page.get_by_role("region", name="Notices to publish")
    expect(notices.get_by_role("link", name="Contract termination notice")).to_be_visible()
    # With the market's intention and establishment notices, never published either.
    expect(notices.get_by_text("overdue since")).to_have_count(3)
    assert_accessible(page, "the dashboard with notices")

    notices.get_by_role("link", name="All notices, due, overdue and published").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Notices to publish")
    assert_accessible(page, "the notices")
    page.get_by_role("navigation", name="Filter by status").get_by_role(
        "link", name="Overdue").click()
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(4)  # the header and the three overdue
    page.get_by_label("Kind of notice").select_option(label="Contract termination notice")
    page.get_by_role("button", name="Show").click()
    expect(rows).to_have_count(2)
    assert_accessible(page, "the notices, filtered")

    page.get_by_role("link", name="Contract termination notice").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contract termination notice")
    expect(page.get_by_text("Awarded to Harbour Lights Care Ltd.")).to_be_visible()
    expect(page.get_by_text("has no Find a Tender account set up")).to_be_visible()
    assert_accessible(page, "a notice")

    page.get_by_label("Find a Tender notice identifier").fill("012345-2026")
    fill_date(page, "Published on", today + dt.timedelta(days=3))
    page.get_by_role("button", name="Record the publication").click()
    expect(page.get_by_role("alert")).to_contain_text("cannot be in the future")
    assert_accessible(page, "a notice, refused")

    fill_date(page, "Published on", today)
    page.get_by_role("button", name="Record the publication").click()
    expect(page.get_by_text("Contract termination notice recorded as published.")) \
        .to_be_visible()
    expect(page.get_by_text("as 012345-2026")).to_be_visible()
    assert_accessible(page, "a notice, published")
    termination.refresh_from_db()
    assert termination.status == Notice.Status.PUBLISHED
