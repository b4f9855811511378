"""One whole placement through all four front doors, in order, in a real browser (Debian's
chromium), using only clicks and typing as people would:

a provider applies to join, the DPS administrator admits it, a commissioner publishes a referral,
two providers respond, the commissioner scores and recommends, the budget holder approves, the
provider sees the award and the agreement, and finance downloads the spend. Every page visited
passes axe with no serious or critical violations."""

import datetime
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import expect

from calloffs.models import CallOff, ExpressionOfInterest
from contracts.models import Placement
from providers.models import Membership
from tests import factories as f
from tests.calloffs.factories import CHILD

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "correct-horse-battery"
VISITED = []


def checked(page, name):
    """axe on the page in view: no serious or critical violations."""
    results = Axe().run(page)
    bad = [violation for violation in results.response["violations"]
           if violation.get("impact") in {"serious", "critical"}]
    assert not bad, f"{name}: axe found serious or critical problems:\n" + \
        results.generate_report()
    VISITED.append(name)


def sign_in(page, live_server, user, door_title):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_title("Sign in – Placements DPS")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title(f"{door_title} – Placements DPS")
    checked(page, f"{door_title} ({user.username})")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in – Placements DPS")


def success(page, text):
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(text)


def fill_date(page, group, day, time=None):
    fieldset = page.get_by_role("group", name=group)
    fieldset.get_by_label("Day").fill(str(day.day))
    fieldset.get_by_label("Month").fill(str(day.month))
    fieldset.get_by_label("Year").fill(str(day.year))
    if time:
        fieldset.get_by_label("Time").fill(time)


def respond(page, live_server, user, price):
    sign_in(page, live_server, user, "Your supplier portal")
    new = page.locator("section[aria-labelledby='new-heading']")
    new.get_by_role("link", name=re.compile(r"^Residential children.s homes for a")).click()
    expect(page).to_have_title(re.compile(r"^Residential children's homes, age \d+ –"))
    checked(page, f"opportunity ({user.username})")
    page.get_by_label("Your price, £ per week").fill(price)
    fill_date(page, "When could the placement start?",
              timezone.localdate() + datetime.timedelta(days=28))
    page.get_by_label("How would you meet the child's needs?").fill(
        "A two-bed home with waking night staff and a teacher on site.")
    page.get_by_role("button", name="Send expression of interest").click()
    success(page, "Expression of interest sent")
    checked(page, f"opportunity after responding ({user.username})")
    sign_out(page)


def test_one_placement_through_all_four_front_doors(live_server, page):
    VISITED.clear()
    f.OpenRoundFactory()
    council = f.AuthorityFactory(name="West Sussex County Council", area="West Sussex")
    commissioner = f.CommissionerFactory(organisation=council, first_name="Priya",
                                         last_name="Shah")
    holder = f.BudgetHolderFactory(organisation=council, approval_limit=Decimal("400000"))
    finance = f.FinanceFactory(organisation=council)
    admin = f.DpsAdminFactory()
    harbour = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    applicant = f.ProviderUserFactory(organisation=harbour, is_org_admin=True)
    downs = f.AdmittedMembershipFactory(
        provider=f.ProviderOrgFactory(name="Downs View Homes Ltd"), lot=f.lot("residential"),
        price_cap=Decimal("5500.00")).provider
    rival = f.ProviderUserFactory(organisation=downs)

    # 1. A provider applies to join.
    sign_in(page, live_server, applicant, "Your supplier portal")
    page.get_by_role("link", name="Apply to join the DPS").click()
    expect(page).to_have_title("Apply to join – Placements DPS")
    checked(page, "apply")
    page.get_by_label("Residential children's homes", exact=True).check()
    page.get_by_label("Your price cap for Residential children's homes, £ per week").fill(
        "5,500")
    page.get_by_label("Ofsted unique reference number (URN)").fill("SC123456")
    for checkbox in page.get_by_role("group", name="Declarations").get_by_role(
            "checkbox").all():
        checkbox.check()
    page.get_by_role("button", name="Submit application").click()
    expect(page).to_have_title("My applications – Placements DPS")
    success(page, "Application submitted")
    checked(page, "my applications")
    sign_out(page)

    # 2. The DPS administrator closes the round and admits it.
    sign_in(page, live_server, admin, "Dashboard")
    expect(page.locator("section[aria-labelledby='applications-heading']")).to_contain_text(
        "Harbour Lights Care Ltd")
    page.get_by_role("link", name="Admission rounds").click()
    checked(page, "admission rounds")
    page.get_by_role("button", name=re.compile("^Close now")).first.click()
    checked(page, "close the round: confirm")
    page.get_by_role("button", name="Close the round now").click()
    success(page, "Round closed")
    page.get_by_role("link", name=re.compile("^View")).first.click()
    checked(page, "round")
    page.get_by_role("link", name="Decide the application from Harbour Lights Care Ltd").click()
    expect(page).to_have_title("Decide the application from Harbour Lights Care Ltd – "
                               "Placements DPS")
    checked(page, "decide")
    page.get_by_role("group", name="Decision for Residential children's homes").get_by_label(
        "Admitted").check()
    page.get_by_role("button", name="Save decisions").click()
    success(page, "Harbour Lights Care Ltd admitted to Residential children's homes")
    checked(page, "round after deciding")
    sign_out(page)
    assert Membership.objects.filter(provider=harbour, status="admitted").exists()

    # 3. A commissioner publishes a referral.
    sign_in(page, live_server, commissioner, "Dashboard")
    page.get_by_role("link", name="Referrals", exact=True).click()
    checked(page, "referrals")
    page.get_by_role("button", name="New referral").click()
    page.get_by_label("Residential children's homes", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    checked(page, "referral form")
    page.get_by_label("First name").fill(CHILD["first_name"])
    page.get_by_label("Last name").fill(CHILD["last_name"])
    fill_date(page, "Date of birth", CHILD["date_of_birth"])
    page.get_by_label("Case reference").fill(CHILD["case_reference"])
    page.get_by_label("Social, emotional and mental health (SEMH)").check()
    page.get_by_label("Safety", exact=True).check()
    page.get_by_label("Summary for providers").fill("Needs a calm home with waking night staff.")
    fill_date(page, "When should the placement start?",
              timezone.localdate() + datetime.timedelta(days=28))
    page.get_by_label("How many weeks is the placement for?").fill("52")
    page.get_by_label("Where should the placement be?").select_option("West Sussex")
    page.get_by_label("Urgent (within a week)").check()
    page.get_by_label("Ceiling").check()
    page.get_by_label("Budget (optional)").fill("5,500")
    page.get_by_label("In-house children's homes").check()
    page.get_by_role("button", name="Save referral").click()
    success(page, "Referral saved as a draft")
    checked(page, "referral")
    fill_date(page, "When do responses close?",
              timezone.localdate() + datetime.timedelta(days=3), "12:00")
    page.get_by_role("button", name="Publish", exact=True).click()
    case = CHILD["case_reference"]
    expect(page).to_have_title(f"Call-off for {case} – Placements DPS")
    success(page, "2 providers on Residential children's homes were invited")
    checked(page, "call-off (open)")
    sign_out(page)

    # 4. Two providers respond.
    respond(page, live_server, applicant, "5,200")
    respond(page, live_server, rival, "5,400")
    assert ExpressionOfInterest.objects.count() == 2

    # 5. The commissioner finds the call-off from the dashboard, scores and recommends.
    sign_in(page, live_server, commissioner, "Dashboard")
    page.get_by_role("searchbox", name="Search").fill(case)
    page.get_by_role("button", name="Search", exact=True).click()
    checked(page, "dashboard search")
    page.get_by_role("link", name=re.compile(rf"^Call-off {case} for")).click()
    expect(page).to_have_title(f"Call-off for {case} – Placements DPS")
    page.get_by_role("button", name="Close now").click()
    checked(page, "close the call-off: confirm")
    page.get_by_role("button", name="Close the call-off now").click()
    success(page, "Call-off closed")
    # Scored on each of the lot's published criteria (ADR 0026): the weighted result is the
    # quality score (85 and 70 here, every criterion alike).
    for name, score in (("Harbour Lights Care Ltd", "85"), ("Downs View Homes Ltd", "70")):
        for criterion in ("How the child's needs are met", "Approach to outcomes",
                          "Location and stability", "Staffing"):
            page.get_by_label(f"{criterion} score for {name}").fill(score)
        page.get_by_role("button", name=f"Save score for {name}").click()
        success(page, f"Quality score saved for {name}: {score} out of 100")
    checked(page, "call-off with the ranking")
    page.get_by_label(re.compile(r"^Harbour Lights Care Ltd: ranked")).check()
    page.get_by_label("Reason for the recommendation").fill(
        "Highest total and lowest price; near the child's school.")
    page.get_by_role("button", name="Recommend for approval").click()
    success(page, "You recommended Harbour Lights Care Ltd")
    checked(page, "call-off (recommended)")
    sign_out(page)

    # 6. The budget holder approves.
    sign_in(page, live_server, holder, "Approvals")
    page.get_by_role("link", name=f"Review the award for {case}").click()
    expect(page).to_have_title(f"Approve the award for {case} – Placements DPS")
    checked(page, "approval")
    page.get_by_role("button", name="Approve the award").click()
    checked(page, "approval: check")
    page.get_by_role("button", name="Confirm and approve the award").click()
    success(page, "Award approved. A placement was created with Harbour Lights Care Ltd")
    checked(page, "approvals after approving")
    sign_out(page)
    placement = Placement.objects.get()
    assert placement.price == Decimal("5200.00")
    assert CallOff.objects.get().status == CallOff.Status.AWARDED

    # 7. The provider sees the award and the agreement.
    sign_in(page, live_server, applicant, "Your supplier portal")
    responses = page.locator("section[aria-labelledby='responses-heading']")
    expect(responses).to_contain_text("Awarded")
    # Named by the child it cares for (the awarded provider may know the name), not a number.
    page.locator("section[aria-labelledby='placements-heading']").get_by_role(
        "link", name=f"{CHILD['first_name']} {CHILD['last_name']}: ").click()
    checked(page, "my placement")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^Download agreement version 1")).click()
    agreement = download_info.value
    assert agreement.suggested_filename.endswith(".pdf")
    with open(agreement.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    sign_out(page)

    # 8. Finance looks at the placement's first four weeks: two clicks from signing in. They
    # have not happened yet, so they are a commitment, never spend (issue: spend is honest).
    sign_in(page, live_server, finance, "Finance workspace")
    page.get_by_role("link", name="Spend", exact=True).click()
    expect(page).to_have_title("Spend – Placements DPS")
    fill_date(page, "From", placement.start_date)
    fill_date(page, "To", placement.start_date + datetime.timedelta(days=27))
    page.get_by_label("Group by").select_option("provider")
    page.get_by_role("button", name="Show report").click()
    checked(page, "spend")
    # Four weeks at £5,200 a week, for the provider that won: committed, not spent.
    expect(page.locator(".govuk-inset-text")).to_contain_text("is not spend yet")
    expect(page.locator(".govuk-inset-text")).to_contain_text("£20,800.00")
    expect(page.get_by_role("link", name=re.compile("^Download CSV"))).to_have_count(0)
    assert len(VISITED) >= 25
