"""Block purchases need a budget holder's approval at their value (price per bed × beds over
the term), by the award's rules, and count as spend (and voids) only once approved."""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Approval, BlockContract
from dps.models import AuditEntry, Role
from reports.spend import spend
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf

pytestmark = pytest.mark.django_db

URL = "/api/v1/blocks/"
# 2 beds × £1,000 a week, 1 June to 23 August 2026 (84 days, 12 weeks): £24,000.
BODY = {"lot": "residential", "beds": 2, "price_per_bed": "1000.00",
        "start_date": "2026-06-01", "end_date": "2026-08-23", "reference": "BLK-SUMMER"}


def approve_url(block_id):
    return f"/api/v1/blocks/{block_id}/approve/"


def june(authority):
    return spend(date_from=datetime.date(2026, 6, 1), date_to=datetime.date(2026, 6, 30),
                 authority=authority)


@pytest.fixture
def commissioner(frozen):
    return f.CommissionerFactory()


@pytest.fixture
def provider(db):
    provider = f.ProviderOrgFactory()
    f.AdmittedMembershipFactory(provider=provider, lot=f.lot("residential"),
                                price_cap=Decimal("5500.00"))
    return provider


@pytest.fixture
def holder(commissioner):
    return f.BudgetHolderFactory(organisation=commissioner.organisation)


def buy(api, user, provider, **changes):
    response = api(user).post(URL, {**BODY, "provider": provider.pk, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_block_bought_by_a_commissioner_awaits_approval_and_is_not_spend(
        api, commissioner, provider):
    data = buy(api, commissioner, provider, price_per_bed="9999999999.00",
               acknowledge_cap_warning=True)
    assert data["approval"] == "awaiting"
    assert_money(data["value"], "239999999976.00")  # 2 beds × 12 weeks
    report = june(commissioner.organisation)
    assert (report.total, report.voids, report.void_bed_days) == (Decimal("0.00"),
                                                                  Decimal("0.00"), 0)


def test_approved_within_the_limit_the_block_and_its_voids_count(api, commissioner, provider,
                                                                  holder):
    data = buy(api, commissioner, provider)
    assert_money(data["value"], "24000.00")

    response = api(holder).post(approve_url(data["id"]), {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["approval"] == "approved"
    block = BlockContract.objects.get(pk=data["id"])
    assert (block.approval, block.approved_by) == (Approval.APPROVED, holder)
    report = june(commissioner.organisation)
    # 2 beds × 30 days × £1,000 / 7, all void (nobody placed).
    assert report.total == Decimal("8571.43")
    assert report.void_bed_days == 60
    entry = AuditEntry.objects.get(action="blockcontract.approve", object_id=block.pk)
    assert (entry.from_state, entry.to_state, entry.actor) == ("awaiting", "approved", holder)


def test_above_the_limit_is_refused(api, commissioner, provider):
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("23999.99"))
    data = buy(api, commissioner, provider)
    with nothing_changes():
        assert_error(api(holder).post(approve_url(data["id"]), {}, format="json"), 403,
                     "approval_limit_exceeded")


def test_a_key_decision_block_needs_its_reference(api, commissioner, provider):
    director = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                     approval_limit=Decimal("5000000.00"))
    data = buy(api, commissioner, provider, beds=50)  # £600,000
    with nothing_changes():
        assert_error(api(director).post(approve_url(data["id"]), {}, format="json"), 400,
                     "key_decision_required", fields=["key_decision_reference"])
    response = api(director).post(approve_url(data["id"]), {"key_decision_reference": "KD-7"},
                                  format="json")
    assert (response.status_code, response.json()["approval"]) == (200, "approved")


def test_a_second_approval_is_an_invalid_transition(api, commissioner, provider, holder):
    data = buy(api, commissioner, provider)
    assert api(holder).post(approve_url(data["id"]), {}, format="json").status_code == 200
    with nothing_changes():
        assert_error(api(holder).post(approve_url(data["id"]), {}, format="json"), 409,
                     "invalid_transition")


def test_others_cannot_approve(api, commissioner, provider):
    data = buy(api, commissioner, provider)
    provider_user = f.ProviderUserFactory(organisation=provider)
    stranger = f.BudgetHolderFactory(approval_limit=Decimal("9000000.00"))
    with nothing_changes():
        assert_error(api(commissioner).post(approve_url(data["id"]), {}, format="json"), 403,
                     "forbidden")
        assert_error(api(provider_user).post(approve_url(data["id"]), {}, format="json"), 403,
                     "forbidden")
        assert_error(api(stranger).post(approve_url(data["id"]), {}, format="json"), 404,
                     "not_found")


def test_a_budget_holder_buying_within_their_limit_approves_at_once(api, commissioner,
                                                                    provider):
    buyer = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                  roles=[Role.COMMISSIONER, Role.BUDGET_HOLDER])
    data = buy(api, buyer, provider)
    assert data["approval"] == "approved"
    assert june(commissioner.organisation).total == Decimal("8571.43")


def test_a_placement_into_a_block_awaiting_approval_may_start(api, commissioner, provider):
    data = buy(api, commissioner, provider)
    response = api(commissioner).post(f"/api/v1/blocks/{data['id']}/placements/",
                                      {"start_date": "2026-06-01"}, format="json")
    assert response.status_code == 201, response.content
    # The bed is the block's purchase: no approval of its own, and no spend until the block's.
    assert response.json()["approval"] == "approved"
    assert june(commissioner.organisation).total == Decimal("0.00")


def test_a_factory_block_is_approved_as_before_approvals_existed(db):
    block = pf.BlockContractFactory()
    assert block.approval == Approval.APPROVED
