"""The pages of spot-placement and block approval: the budget holder's queue (with how long each
has waited, red from 5 working days, bank holidays excluded), the approve pages (with the key
decision reference above £500,000), and the budget holder's dashboard flag."""

import datetime
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts import services
from contracts.models import Approval, BlockContract, Placement
from dps.models import Role
from tests import factories as f
from tests.contracts import factories as pf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
APPROVALS = reverse("calloffs:approvals")
DASHBOARD = reverse("dashboard")


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=LONDON)


@pytest.fixture
def commissioner(db):
    return f.CommissionerFactory()


@pytest.fixture
def holder(commissioner):
    return f.BudgetHolderFactory(organisation=commissioner.organisation,
                                 approval_limit=Decimal("300000.00"))


def spot(commissioner, price="2000.00", weeks=12):
    start = datetime.date.today()
    return services.record_spot_placement(
        by=commissioner, provider_name="Harbour Lights Care Ltd", lot=f.lot("residential"),
        price=Decimal(price), start_date=start,
        planned_end_date=start + datetime.timedelta(weeks=weeks, days=-1),
        exception_reason="No DPS provider could offer a bed within 48 hours.")


def red(html):
    return bool(re.search(r'govuk-tag--red">Awaiting approval', html))


def test_the_queue_lists_spot_placements_awaiting_approval_red_after_5_working_days(
        as_user, commissioner, holder, time_machine):
    # Wednesday 20 May 2026; Monday 25 May is a bank holiday.
    time_machine.move_to(at(datetime.date(2026, 5, 20)), tick=False)
    placement = spot(commissioner)
    approved = pf.PlacementFactory(authority=commissioner.organisation,
                                   route=Placement.Route.SPOT)

    time_machine.move_to(at(datetime.date(2026, 5, 27)), tick=False)  # 4 working days on
    response = as_user(holder).get(APPROVALS)
    html, page = response.content.decode(), text(response)
    assert response.status_code == 200
    assert reverse("contracts:approve-placement", args=[placement.pk]) in html
    assert reverse("contracts:approve-placement", args=[approved.pk]) not in html
    assert "Spot placement with Harbour Lights Care Ltd" in page
    assert "£24,000.00" in page
    assert "No DPS provider could offer a bed within 48 hours." in page
    assert "Waiting 4 working days" in page
    assert not red(html)

    time_machine.move_to(at(datetime.date(2026, 5, 28)), tick=False)  # the 5th working day
    response = as_user(holder).get(APPROVALS)
    assert "Waiting 5 working days" in text(response)
    assert red(response.content.decode())


def test_the_budget_holder_approves_on_the_approve_page(as_user, commissioner, holder):
    placement = spot(commissioner)
    url = reverse("contracts:approve-placement", args=[placement.pk])
    client = as_user(holder)

    page = text(client.get(url))
    assert "£24,000.00" in page
    assert "Your approval limit £300,000.00" in page
    assert "Key decision reference" not in page

    response = client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == APPROVALS
    assert "Placement with Harbour Lights Care Ltd approved at £24,000.00" in banner(response)
    placement.refresh_from_db()
    assert (placement.approval, placement.approved_by) == (Approval.APPROVED, holder)
    assert reverse("contracts:approve-placement", args=[placement.pk]) not in \
        response.content.decode()
    assert "there is nothing to approve" in text(client.get(url))


def test_a_key_decision_asks_for_its_reference(as_user, commissioner):
    director = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                     approval_limit=Decimal("2000000.00"))
    placement = spot(commissioner, price="45000.00")  # £540,000
    url = reverse("contracts:approve-placement", args=[placement.pk])
    client = as_user(director)
    assert "Key decision reference" in text(client.get(url))

    response = client.post(url, {"key_decision_reference": ""})

    assert response.status_code == 200
    assert "Enter the key decision reference" in error_summary(response)
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING
    client.post(url, {"key_decision_reference": "KD-2026-041"})
    placement.refresh_from_db()
    assert (placement.approval, placement.key_decision_reference) == (Approval.APPROVED,
                                                                      "KD-2026-041")


def test_above_the_limit_the_page_says_so_and_offers_no_button(as_user, commissioner, holder):
    placement = spot(commissioner, price="30000.00")  # £360,000
    url = reverse("contracts:approve-placement", args=[placement.pk])
    client = as_user(holder)
    response = client.get(url)
    assert "above your approval limit of £300,000.00" in text(response)
    assert "Approve the placement</button>" not in response.content.decode()
    assert "Above your limit" in text(client.get(APPROVALS))
    client.post(url)
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING


def test_the_approve_page_is_for_the_authoritys_budget_holders(as_user, commissioner):
    placement = spot(commissioner)
    url = reverse("contracts:approve-placement", args=[placement.pk])
    assert as_user(commissioner).get(url).status_code == 403
    stranger = f.BudgetHolderFactory(approval_limit=Decimal("9000000.00"))
    assert as_user(stranger).get(url).status_code == 404
    assert as_user(stranger).post(url).status_code == 404
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING


def test_a_block_is_approved_from_the_queue(as_user, commissioner, time_machine):
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)
    block = pf.BlockContractFactory(authority=commissioner.organisation,
                                    approval=Approval.AWAITING)  # £469,285.71
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("500000.00"))
    client = as_user(holder)
    url = reverse("contracts:approve-block", args=[block.pk])
    queue = client.get(APPROVALS)
    assert url in queue.content.decode()
    assert "£469,285.71" in text(queue)

    response = client.post(url, follow=True)

    assert "Block purchase from " + block.provider.name in banner(response)
    block.refresh_from_db()
    assert block.approval == Approval.APPROVED
    assert "No spot placement or block purchase is waiting" in text(response)


def test_the_budget_holders_dashboard_flags_unapproved_purchases_and_links_approval(
        as_user, commissioner, holder, time_machine):
    time_machine.move_to(at(datetime.date(2026, 6, 1)), tick=False)  # a Monday
    placement = spot(commissioner)
    block = pf.BlockContractFactory(authority=commissioner.organisation,
                                    approval=Approval.AWAITING)
    approved = spot(f.BudgetHolderFactory(organisation=commissioner.organisation,
                                          roles=[Role.COMMISSIONER, Role.BUDGET_HOLDER]))
    elsewhere = spot(f.CommissionerFactory())

    time_machine.move_to(at(datetime.date(2026, 6, 5)), tick=False)  # 4 working days
    response = as_user(holder).get(DASHBOARD)
    html = response.content.decode()
    section = html.split('id="unapproved-heading"')[1].split("</section>")[0]
    assert reverse("contracts:approve-placement", args=[placement.pk]) in section
    assert reverse("contracts:approve-block", args=[block.pk]) in section
    assert reverse("contracts:approve-placement", args=[approved.pk]) not in section
    assert reverse("contracts:approve-placement", args=[elsewhere.pk]) not in section
    assert "not counted as spend until approved" in section
    assert not red(section)
    # The commissioner who recorded it cannot approve it: not on their dashboard.
    assert 'id="unapproved-heading"' not in as_user(commissioner).get(DASHBOARD).content.decode()

    time_machine.move_to(at(datetime.date(2026, 6, 8)), tick=False)  # 5 working days
    section = as_user(holder).get(DASHBOARD).content.decode().split(
        'id="unapproved-heading"')[1].split("</section>")[0]
    assert red(section)
    assert "Waiting 5 working days" in section


def test_the_placement_page_shows_the_approval_and_links_the_budget_holder(
        as_user, commissioner, holder):
    placement = spot(commissioner)
    detail = reverse("contracts:detail", args=[placement.pk])
    approve = reverse("contracts:approve-placement", args=[placement.pk])
    page = as_user(commissioner).get(detail)
    assert "Awaiting approval" in text(page)
    assert "Value £24,000.00" in text(page)
    assert approve not in page.content.decode()
    assert approve in as_user(holder).get(detail).content.decode()
    listed = as_user(commissioner).get(reverse("contracts:list"), {"approval": "awaiting"})
    assert detail in listed.content.decode()


def test_the_spot_page_says_it_awaits_approval(as_user, commissioner):
    response = as_user(commissioner).post(reverse("contracts:spot"), {
        "provider_name": "Harbour Lights Care Ltd", "lot": str(f.lot("residential").pk),
        "price": "2000.00", "start_date_day": "1", "start_date_month": "6",
        "start_date_year": "2026", "exception_reason": "No bed on the DPS within 48 hours.",
    }, follow=True)
    assert "awaits a budget holder's approval" in banner(response)
    assert Placement.objects.get().approval == Approval.AWAITING
    assert BlockContract.objects.count() == 0


def test_approving_a_spot_placement_checks_first(as_user, commissioner, holder):
    # As an award's approval (finding 6): the approve form posts to a check page that changes
    # nothing; its button posts the answers, unchanged, to the approval itself.
    placement = spot(commissioner)
    url = reverse("contracts:approve-placement", args=[placement.pk])
    check = reverse("contracts:approve-placement-check", args=[placement.pk])
    client = as_user(holder)
    assert f'action="{check}"' in client.get(url).content.decode()

    page = client.post(check)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Check the spot placement before you approve it" in text(page)
    assert "Harbour Lights Care Ltd" in text(page)
    assert "£24,000.00" in text(page)
    assert f'action="{url}"' in html
    placement.refresh_from_db()
    assert placement.approval == Approval.AWAITING
    client.post(url)
    placement.refresh_from_db()
    assert placement.approval == Approval.APPROVED


def test_the_spot_check_sends_bad_answers_and_strangers_back(as_user, commissioner, holder):
    director = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                     approval_limit=Decimal("2000000.00"))
    big = spot(commissioner, price="45000.00")  # £540,000: a key decision
    check = reverse("contracts:approve-placement-check", args=[big.pk])
    response = as_user(director).post(check, {"key_decision_reference": ""})
    assert "Enter the key decision reference" in error_summary(response)
    assert "Check the spot placement" not in text(response)
    above = as_user(holder).post(check)  # £540,000 is above this holder's £300,000
    assert "Check the spot placement" not in text(above)
    assert "above your approval limit" in text(above)
    assert as_user(commissioner).post(check).status_code == 403
    assert as_user(f.BudgetHolderFactory()).post(check).status_code == 404
    assert as_user(director).get(check).status_code == 405
    big.refresh_from_db()
    assert big.approval == Approval.AWAITING


def test_approving_a_block_checks_first(as_user, commissioner):
    block = pf.BlockContractFactory(authority=commissioner.organisation,
                                    approval=Approval.AWAITING)
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("900000.00"))
    check = reverse("contracts:approve-block-check", args=[block.pk])
    client = as_user(holder)
    assert f'action="{check}"' in client.get(
        reverse("contracts:approve-block", args=[block.pk])).content.decode()
    page = text(client.post(check))
    assert "Check the block purchase before you approve it" in page
    assert block.provider.name in page
    block.refresh_from_db()
    assert block.approval == Approval.AWAITING
