"""What the placement officer's and the budget holder's walk-through found (issue "A council
officer's first week", the final pass; docs/walkthroughs/2026-12-placement-officer-and-budget-
holder.md), in a real browser: each test failed before its fix, and every page passes axe."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from contracts import services
from contracts.models import Approval
from monitoring.models import TriggerKind
from tests import factories as f
from tests.browser.helpers import assert_accessible, sign_in
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_approving_an_award_says_the_agreement_is_coming_and_links_the_placement(
        live_server, page):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"))
    waiting, eoi = cf.awaiting_approval(authority)

    page.goto(f"{live_server.url}/approvals/{waiting.pk}/")
    sign_in(page, holder)
    page.get_by_role("button", name="Approve the award").click()
    page.get_by_role("button", name="Confirm and approve the award").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Its agreement is being prepared")
    assert_accessible(page, "approvals after an approval")
    banner.get_by_role("link", name="the placement's page").click()
    expect(page).to_have_title(f"Placement with {eoi.provider.name} – Placements DPS")
    # (Built at once here: tests run Celery eagerly.) Named without the call-off's number.
    expect(page.get_by_text("Awarded through the DPS call-off").first).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(f"call-off {waiting.pk}")


def test_spot_and_block_approve_pages_show_the_providers_risk(live_server, page):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("900000"))
    listed = pf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING,
                                     provider=f.ProviderOrgFactory(name="Weald Ridge Homes"))
    mf.RedAssessmentFactory(provider=listed.provider)
    mf.TriggerFactory(provider=listed.provider, kind=TriggerKind.PLACEMENT_BREAKDOWN)
    unlisted = pf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)
    block = pf.BlockContractFactory(authority=authority, approval=Approval.AWAITING)
    mf.RedAssessmentFactory(provider=block.provider)

    page.goto(f"{live_server.url}/placements/{listed.pk}/approve/")
    sign_in(page, holder)
    expect(page.get_by_role("heading", name="Provider risk")).to_be_visible()
    expect(page.locator(".govuk-warning-text", has_text="Weald Ridge Homes")).to_contain_text(
        "is rated red, with 1 reassessment trigger open")
    assert_accessible(page, "spot approval with provider risk")

    page.goto(f"{live_server.url}/placements/{unlisted.pk}/approve/")
    expect(page.locator("#unlisted-provider")).to_contain_text(
        "Harbour Lights Care Ltd is not a provider on the DPS")
    assert_accessible(page, "spot approval, provider not on the DPS")

    page.goto(f"{live_server.url}/blocks/{block.pk}/approve/")
    expect(page.locator(".govuk-warning-text", has_text=block.provider.name)).to_contain_text(
        "is rated red")
    assert_accessible(page, "block approval with provider risk")


def test_a_purchase_recorded_today_reads_as_waiting_less_than_a_working_day(live_server, page):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"))
    pf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)

    page.goto(f"{live_server.url}/dashboard/")
    sign_in(page, holder)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Waiting less than a working day; not counted as spend")
    expect(main).not_to_contain_text("0 working days")
    assert_accessible(page, "budget holder's dashboard")


def test_an_empty_block_list_says_where_blocks_come_from(live_server, page):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority)

    page.goto(f"{live_server.url}/blocks/")
    sign_in(page, holder)
    empty = page.locator("#no-blocks")
    expect(empty).to_contain_text("Commissioners buy blocks of beds")
    empty.get_by_role("link", name="your approvals").click()
    expect(page).to_have_title("Approvals – Placements DPS")
    page.goto(f"{live_server.url}/blocks/")
    assert_accessible(page, "empty block list")


def test_placements_are_named_by_case_reference_not_by_number(live_server, page):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    calloff = cf.AwardedCallOffFactory(referral__authority=authority)
    placement = pf.PlacementFactory(authority=authority, calloff=calloff,
                                    child=calloff.referral.child)
    reference = placement.child.case_reference
    change = services.record_fee_change(
        placement, by=commissioner, new_price=Decimal("5100.00"),
        effective_from=timezone.localdate(), reason="Annual uplift.",
        acknowledge_cap_warning=True)

    page.goto(f"{live_server.url}/placements/{placement.pk}/")
    sign_in(page, commissioner)
    history = page.locator("table", has_text="Annual uplift.")
    expect(history).to_contain_text("Fee change approved")
    expect(history).not_to_contain_text(f"Fee change {change.pk}")
    case = page.locator("#case-reference")
    expect(case).to_contain_text(f"Case reference {reference}")
    assert_accessible(page, "placement with its case reference")
    case.get_by_role("link", name=f"referral {reference}").click()
    expect(page).to_have_title(f"Referral {reference} – Placements DPS")

    page.goto(f"{live_server.url}/monitoring/placements/{placement.pk}/outcomes/")
    expect(page).to_have_title(f"Child outcomes: placement {reference} – Placements DPS")
    crumbs = page.locator(".govuk-breadcrumbs")
    expect(crumbs).not_to_contain_text(f"Placement {placement.pk}")
    expect(page.locator(".govuk-caption-l")).not_to_contain_text(f"Placement {placement.pk}")
    assert_accessible(page, "outcomes named by case reference")

    page.goto(f"{live_server.url}/monitoring/providers/{placement.provider_id}/profile/")
    expect(page.get_by_role("link", name=re.compile(f"^Placement {reference} for"))) \
        .to_be_visible()
    expect(page.get_by_role("link", name=f"Placement {placement.pk}", exact=True)) \
        .to_have_count(0)
    assert_accessible(page, "provider profile placements")

    page.goto(f"{live_server.url}/dashboard/?q={reference}")
    results = page.get_by_role("main")
    expect(results.get_by_role("link", name=f"Referral {reference}", exact=True)).to_be_visible()
    expect(results).not_to_contain_text(f"Referral {calloff.referral.pk}:")
    assert_accessible(page, "search results")


def test_the_recommend_form_says_a_reason_is_always_given_and_scored_offers_fold_away(
        live_server, page):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    closed = cf.ClosedCallOffFactory(referral__authority=authority)
    scored = cf.EoiFactory(calloff=closed, quality_score=75)
    unscored = cf.EoiFactory(calloff=closed)

    page.goto(f"{live_server.url}/call-offs/{closed.pk}/")
    sign_in(page, commissioner)
    # The scored offer's form is folded under its score; the unscored one is open.
    fold = page.get_by_text(f"{scored.provider.name}: scored 75 out of 100. Change the scores")
    expect(fold).to_be_visible()
    expect(page.get_by_role("button", name=f"Save score for {scored.provider.name}")) \
        .to_be_hidden()
    expect(page.get_by_role("button", name=f"Save score for {unscored.provider.name}")) \
        .to_be_visible()
    fold.click()
    expect(page.get_by_role("button", name=f"Save score for {scored.provider.name}")) \
        .to_be_visible()
    expect(page.get_by_text("Give your reason below whichever you choose")).to_be_visible()
    assert_accessible(page, "call-off with a scored offer folded")


def test_an_award_passed_on_says_so_in_the_queue_instead_of_asking_again(live_server, page):
    calloff, _ = cf.awaiting_approval()  # £260,000
    holder = f.BudgetHolderFactory(organisation=calloff.authority,
                                   approval_limit=Decimal("100000"))
    f.BudgetHolderFactory(organisation=calloff.authority, approval_limit=Decimal("300000"),
                          first_name="Dee", last_name="Puty")
    page.goto(f"{live_server.url}/approvals/{calloff.pk}/")
    sign_in(page, holder)
    page.get_by_label("Dee Puty, approval limit £300,000.00").check()
    page.get_by_role("button", name="Pass to this approver").click()

    expect(page).to_have_title("Approvals – Placements DPS")
    passed = page.locator("#passed-to")
    expect(passed).to_contain_text("It was passed to Dee Puty on")
    expect(page.get_by_role("main").locator(".govuk-summary-card")).not_to_contain_text(
        "to approve it instead")
    assert_accessible(page, "approvals with an award passed on")
    page.goto(f"{live_server.url}/approvals/{calloff.pk}/")
    expect(page.locator("#passed-to")).to_contain_text("It was passed to Dee Puty on")


def test_approving_a_spot_placement_checks_first_as_an_award_does(live_server, page):
    # The walk-through: approving a spot placement was one click while an award has a check
    # page. Now the same check-your-answers step, then the approval.
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("900000"))
    placement = pf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING,
                                        provider=f.ProviderOrgFactory(name="Weald Ridge Homes"))

    page.goto(f"{live_server.url}/placements/{placement.pk}/approve/")
    sign_in(page, holder)
    page.get_by_role("button", name="Approve the placement").click()
    expect(page.get_by_role("heading", name="Check the spot placement before you approve it")
           ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Weald Ridge Homes")
    assert_accessible(page, "check the spot placement")
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING
    page.get_by_role("button", name="Confirm and approve the spot placement").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Placement with Weald Ridge Homes approved")
    placement.refresh_from_db()
    assert placement.approval == Approval.APPROVED
