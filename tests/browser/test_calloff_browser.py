"""Referral to placement through a real browser (Debian's chromium): a commissioner publishes a
referral once its text no longer names the child, a provider responds and asks a question, the
commissioner closes, scores and recommends, and a budget holder approves. The referral form,
call-off page, opportunity page and approval page pass axe with no serious or critical
violations."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from calloffs.models import CallOff, ExpressionOfInterest, Question
from contracts.models import Placement
from tests import factories as f
from tests.browser.helpers import assert_accessible, fill_date, sign_in
from tests.calloffs.factories import (
    CHILD,
    ChildFactory,
    EoiFactory,
    OpenCallOffFactory,
    admitted_and_invited,
    child_identifiers_in,
)

# The live server answers from another thread, so the data must be committed (transaction=True);
# serialized_rollback restores the migrations' data (see conftest.py here).
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SCREENSHOTS = "/tmp"
def test_commissioner_publishes_once_the_summary_no_longer_names_the_child(live_server, page):
    commissioner = f.CommissionerFactory()
    for _ in range(2):
        f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("5500"))

    page.goto(f"{live_server.url}/referrals/new/")
    sign_in(page, commissioner)
    expect(page).to_have_title("New referral – Placements DPS")
    page.get_by_label("Residential children's homes", exact=True).check()
    page.get_by_role("button", name="Continue").click()

    assert_accessible(page, "referral form")
    page.get_by_label("First name").fill(CHILD["first_name"])
    page.get_by_label("Last name").fill(CHILD["last_name"])
    fill_date(page, "Date of birth", CHILD["date_of_birth"])
    page.get_by_label("Case reference").fill(CHILD["case_reference"])
    page.get_by_label("Home postcode (optional)").fill(CHILD["postcode"])
    page.get_by_label("Social, emotional and mental health (SEMH)").check()
    page.get_by_label("Autism (ASD)").check()
    page.get_by_label("Safety", exact=True).check()
    page.get_by_label("Summary for providers").fill(
        f"{CHILD['first_name']} needs a calm home with waking night staff.")
    fill_date(page, "When should the placement start?",
              timezone.localdate() + datetime.timedelta(days=28))
    page.get_by_label("How many weeks is the placement for?").fill("52")
    page.get_by_label("Where should the placement be?").select_option("West Sussex")
    page.get_by_label("Urgent (within a week)").check()
    page.get_by_label("Ceiling").check()
    page.get_by_label("Budget (optional)").fill("5,200")
    page.get_by_label("In-house children's homes").check()
    page.screenshot(path=f"{SCREENSHOTS}/referral-form.png", full_page=True)
    page.get_by_role("button", name="Save referral").click()

    expect(page).to_have_title(f"Referral {CHILD['case_reference']} – Placements DPS")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referral saved as a draft")
    fill_date(page, "When do responses close?",
              timezone.localdate() + datetime.timedelta(days=3), "12:00")
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page).to_have_title(re.compile(r"^Error: Referral"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Summary: contains the child's first name.")
    expect(summary).to_be_focused()
    page.screenshot(path=f"{SCREENSHOTS}/referral-identifiers-error.png", full_page=True)
    assert not CallOff.objects.exists()

    summary.get_by_role("link", name="Summary: contains the child's first name.").click()
    expect(page).to_have_title(f"Change referral {CHILD['case_reference']} – Placements DPS")
    page.get_by_label("Summary for providers").fill(
        "Needs a calm home with waking night staff.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referral updated.")
    fill_date(page, "When do responses close?",
              timezone.localdate() + datetime.timedelta(days=3), "12:00")
    page.get_by_role("button", name="Publish", exact=True).click()

    expect(page).to_have_title(f"Call-off for {CHILD['case_reference']} – Placements DPS")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Referral published. 2 providers on Residential children's homes were invited")
    calloff = CallOff.objects.get()
    assert calloff.invited_count == 2
    assert calloff.referral.summary == "Needs a calm home with waking night staff."
    page.get_by_role("link", name="Referrals", exact=True).click()
    expect(page.locator("table")).to_contain_text("0 responses")
    page.screenshot(path=f"{SCREENSHOTS}/referrals-list.png", full_page=True)
    page.get_by_role("link", name="Call-offs", exact=True).click()
    expect(page.locator("table")).to_contain_text(CHILD["case_reference"])
    page.screenshot(path=f"{SCREENSHOTS}/calloffs-list.png", full_page=True)


def test_provider_responds_and_asks_a_question(live_server, page):
    authority = f.AuthorityFactory()
    child = ChildFactory(authority=authority, case_reference=CHILD["case_reference"])
    calloff = OpenCallOffFactory(referral__authority=authority, referral__child=child,
                                 referral__budget_kind="ceiling",
                                 referral__budget_amount=Decimal("5123.00"))
    membership = admitted_and_invited(calloff, price_cap="5500.00")
    provider = f.ProviderUserFactory(organisation=membership.provider)

    page.goto(f"{live_server.url}/opportunities/")
    sign_in(page, provider)
    expect(page).to_have_title("Opportunities – Placements DPS")
    page.screenshot(path=f"{SCREENSHOTS}/opportunities-list.png", full_page=True)
    page.get_by_role("link", name=re.compile(r"^Residential children's homes")).click()

    expect(page).to_have_title("Residential children's homes, age 13 – Placements DPS")
    assert_accessible(page, "opportunity page")
    price = page.get_by_label("Your price, £ per week")
    expect(page.locator("#price-hint")).to_contain_text(
        "Your price cap for this lot is £5,500.00 per week")
    price.fill("5,250")
    fill_date(page, "When could the placement start?",
              timezone.localdate() + datetime.timedelta(days=30))
    page.get_by_label("How would you meet the child's needs?").fill(
        "A two-bed home with waking night staff and a teacher on site.")
    page.get_by_role("button", name="Send expression of interest").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Expression of interest sent")

    page.get_by_label("Your question").fill("Can the child keep a pet?")
    page.get_by_role("button", name="Send question").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Question sent")
    expect(page.locator("#main-content")).to_contain_text("Your question: waiting for an answer")
    page.screenshot(path=f"{SCREENSHOTS}/opportunity-page.png", full_page=True)

    eoi = ExpressionOfInterest.objects.get()
    assert (eoi.price, eoi.provider_id) == (Decimal("5250.00"), provider.organisation_id)
    assert Question.objects.get().text == "Can the child keep a pet?"
    assert child_identifiers_in(page.content()) == []
    assert "5,123" not in page.content()  # the budget is the council's


def test_commissioner_scores_and_recommends_and_a_budget_holder_approves(live_server, page):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"))
    calloff = OpenCallOffFactory(referral__authority=authority)
    offers = []
    for price in ("5000.00", "5400.00"):
        membership = admitted_and_invited(calloff, price_cap="5500.00")
        offers.append(EoiFactory(calloff=calloff, provider=membership.provider,
                                 price=Decimal(price)))
    case = calloff.referral.child.case_reference

    page.goto(f"{live_server.url}/call-offs/{calloff.pk}/")
    sign_in(page, commissioner)
    expect(page).to_have_title(f"Call-off for {case} – Placements DPS")
    assert_accessible(page, "call-off page while open")
    page.get_by_role("button", name="Close now").click()
    expect(page).to_have_title("Close the call-off now? – Placements DPS")
    assert_accessible(page, "close the call-off: confirm")
    page.get_by_role("button", name="Close the call-off now").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Call-off closed")

    for eoi, score in zip(offers, ("70", "85"), strict=True):
        name = eoi.provider.name
        page.get_by_label(f"Quality score for {name}").fill(score)
        page.get_by_role("button", name=f"Save score for {name}").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            f"Quality score saved for {name}")
    ranking = page.locator("#ranking")
    expect(ranking).to_contain_text("Price score")
    assert_accessible(page, "call-off page with the ranking")
    page.screenshot(path=f"{SCREENSHOTS}/calloff-page.png", full_page=True)

    chosen = offers[1]
    page.get_by_label(re.compile(rf"^{re.escape(chosen.provider.name)}: ranked")).check()
    page.get_by_label("Reason for the recommendation").fill(
        "Highest total; the family prefers the home near the child's school.")
    page.get_by_role("button", name="Recommend for approval").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"You recommended {chosen.provider.name}")
    page.get_by_role("button", name="Sign out").click()

    page.goto(f"{live_server.url}/")
    sign_in(page, holder)
    expect(page).to_have_title("Approvals – Placements DPS")
    page.screenshot(path=f"{SCREENSHOTS}/approvals-queue.png", full_page=True)
    page.get_by_role("link", name=f"Review the award for {case}").click()
    expect(page).to_have_title(f"Approve the award for {case} – Placements DPS")
    assert_accessible(page, "approval page")
    page.screenshot(path=f"{SCREENSHOTS}/approval-page.png", full_page=True)
    page.get_by_role("button", name="Approve the award").click()
    expect(page).to_have_title("Check the award before you approve it – Placements DPS")
    assert_accessible(page, "approval: check")
    page.get_by_role("button", name="Confirm and approve the award").click()

    expect(page).to_have_title("Approvals – Placements DPS")
    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text(
        f"Award approved. A placement was created with {chosen.provider.name}")
    page.screenshot(path=f"{SCREENSHOTS}/approval-done.png", full_page=True)
    placement = Placement.objects.get()
    assert (placement.eoi_id, placement.price) == (chosen.pk, Decimal("5400.00"))


def test_provider_responds_and_commissioner_scores_with_javascript_switched_off(live_server,
                                                                               browser):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    calloff = OpenCallOffFactory(referral__authority=authority)
    membership = admitted_and_invited(calloff, price_cap="5500.00")
    provider = f.ProviderUserFactory(organisation=membership.provider)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/opportunities/{calloff.pk}/")
        sign_in(page, provider)
        page.get_by_label("Your price, £ per week").fill("6000")
        page.get_by_role("button", name="Send expression of interest").click()
        # Without JavaScript the summary still lists the problems and the fields show them.
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter the date the placement could start")
        fill_date(page, "When could the placement start?",
                  timezone.localdate() + datetime.timedelta(days=30))
        page.get_by_label("How would you meet the child's needs?").fill("Small home.")
        page.get_by_role("button", name="Send expression of interest").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Your price is above your cap for this lot")
        expect(page.locator("#price-error")).to_be_visible()
        page.get_by_label("Your price, £ per week").fill("5000")
        page.get_by_role("button", name="Send expression of interest").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Expression of interest sent")
        # The change form sits in a <details>: it opens without a script.
        page.get_by_text("Change your expression of interest").click()
        page.get_by_label("Your price, £ per week").fill("4900")
        page.get_by_role("button", name="Save changes").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "Expression of interest updated")
        page.get_by_role("button", name="Sign out").click()

        page.goto(f"{live_server.url}/call-offs/{calloff.pk}/")
        sign_in(page, commissioner)
        page.get_by_role("button", name="Close now").click()
        page.get_by_role("button", name="Close the call-off now").click()
        name = membership.provider.name
        page.get_by_label(f"Quality score for {name}").fill("75")
        page.get_by_role("button", name=f"Save score for {name}").click()
        expect(page.locator("#ranking")).to_contain_text("£4,900.00 per week")
        page.get_by_text("No suitable offer").click()
        page.get_by_label("Why was no offer suitable?").fill("The home is too far away.")
        page.get_by_role("button", name="End without an award").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            "ended without an award")
    finally:
        context.close()
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.NO_AWARD


def test_commissioner_scores_two_offers_on_each_published_criterion(live_server, page):
    """ADR 0026: each offer scored on each criterion with a note; the quality score is their
    weighted result, and the ranking shows each criterion's score and note."""
    from calloffs.models import Criterion

    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    calloff = OpenCallOffFactory(referral__authority=authority)
    for position, (name, weight) in enumerate((("Therapeutic care", 60), ("Education", 40))):
        Criterion.objects.create(calloff=calloff, name=name, weight=weight, position=position)
    offers = []
    for price in ("5000.00", "5200.00"):
        membership = admitted_and_invited(calloff, price_cap="5500.00")
        offers.append(EoiFactory(calloff=calloff, provider=membership.provider,
                                 price=Decimal(price)))

    page.goto(f"{live_server.url}/call-offs/{calloff.pk}/")
    sign_in(page, commissioner)
    expect(page.locator(".govuk-summary-list")).to_contain_text("Therapeutic care: 60%")
    page.get_by_role("button", name="Close now").click()
    page.get_by_role("button", name="Close the call-off now").click()
    assert_accessible(page, "call-off page: score per criterion")

    # 71×60% + 70×40% = 70.6 → 71; 90×60% + 85×40% = 88.
    for eoi, (care, education) in zip(offers, (("71", "70"), ("90", "85")), strict=True):
        name = eoi.provider.name
        page.get_by_label(f"Therapeutic care score for {name}").fill(care)
        page.get_by_label(f"Note on therapeutic care for {name} (optional)").fill(
            f"Care plan scored {care}.")
        page.get_by_label(f"Education score for {name}").fill(education)
        page.get_by_role("button", name=f"Save score for {name}").click()
        expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
            f"Quality score saved for {name}")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("88 out of 100")
    table = page.locator("#criteria-scores")
    expect(table).to_contain_text("Care plan scored 90.")
    expect(table).to_contain_text("Education (40%)")
    assert_accessible(page, "call-off page: ranking by criterion")
    page.screenshot(path=f"{SCREENSHOTS}/calloff-criteria.png", full_page=True)
    assert [e.quality_score for e in ExpressionOfInterest.objects.order_by("price")] == [71, 88]

    # A score above 100 is refused on the page and nothing changes.
    name = offers[0].provider.name
    # A scored offer's form is folded away under its score.
    page.get_by_text(f"{name}: scored 71 out of 100. Change the scores").click()
    page.get_by_label(f"Education score for {name}").fill("170")
    page.get_by_role("button", name=f"Save score for {name}").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        f"Enter the education score for {name} from 0 to 100")
    assert_accessible(page, "call-off page: score error")
    assert ExpressionOfInterest.objects.get(pk=offers[0].pk).quality_score == 71
