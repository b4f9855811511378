"""Spot placements need a budget holder's approval like awards (issue 13, item 9; API.md v1.1).

The defect: a commissioner could record a spot placement worth £9,999,999,999 a week and it
counted as spend at once. Now it waits, counts nothing until approved, and the approval takes
the award's rules: the approver's limit, a key decision reference above £500,000, one approval.
"""

import datetime
from decimal import Decimal

import pytest

from contracts.models import Approval, Placement
from dps.models import AuditEntry, Role
from reports.spend import spend
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf

pytestmark = pytest.mark.django_db

SPOT = "/api/v1/placements/spot/"
# 3 June to 25 August 2026: 84 days, 12 weeks → £2,000 × 12 = £24,000.
BODY = {"provider_name": "Harbour Lights Care Ltd", "lot": "residential", "price": "2000.00",
        "start_date": "2026-06-03", "planned_end_date": "2026-08-25",
        "exception_reason": "No DPS provider could offer a bed within 48 hours."}
JUNE = (datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))


def approve_url(placement_id):
    return f"/api/v1/placements/{placement_id}/approve/"


def june_spend(authority):
    return spend(date_from=JUNE[0], date_to=JUNE[1], authority=authority).total


@pytest.fixture
def commissioner(frozen):
    return f.CommissionerFactory()


@pytest.fixture
def authority(commissioner):
    return commissioner.organisation


@pytest.fixture
def holder(authority):
    return f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("300000.00"))


def record(api, user, **changes):
    response = api(user).post(SPOT, {**BODY, **changes}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


# --- The defect -----------------------------------------------------------------------------

def test_a_huge_spot_placement_by_a_commissioner_awaits_approval_and_is_not_spend(
        api, commissioner, authority):
    data = record(api, commissioner, price="9999999999.00", planned_end_date=None)

    assert data["approval"] == "awaiting"
    assert_money(data["value"], "519999999948.00")  # open-ended: 52 weeks
    placement = Placement.objects.get(pk=data["id"])
    assert placement.approval == Approval.AWAITING
    assert june_spend(authority) == Decimal("0.00")
    finance = f.FinanceFactory(organisation=authority)
    body = api(finance).get("/api/v1/reports/spend/",
                            {"from": "2026-06-01", "to": "2026-06-30"}).json()
    assert_money(body["total"], "0.00")
    assert body["rows"] == [] or all(Decimal(row["amount"]) == 0 for row in body["rows"])


def test_approved_by_a_budget_holder_within_their_limit_it_counts_as_spend(
        api, commissioner, authority, holder):
    data = record(api, commissioner)
    assert (data["approval"], data["value"]) == ("awaiting", "24000.00")
    assert june_spend(authority) == Decimal("0.00")

    response = api(holder).post(approve_url(data["id"]), {}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["approval"], body["approved_by"]) == ("approved", holder.pk)
    assert_money(body["value"], "24000.00")
    placement = Placement.objects.get(pk=data["id"])
    assert (placement.approval, placement.approved_by, placement.key_decision_reference) == (
        Approval.APPROVED, holder, "")
    assert placement.approved_at is not None
    # 3 to 30 June: 28 days × £2,000 / 7.
    assert june_spend(authority) == Decimal("8000.00")
    entry = AuditEntry.objects.get(action="placement.approve", object_id=placement.pk)
    assert (entry.actor, entry.from_state, entry.to_state) == (holder, "awaiting", "approved")
    assert entry.data["value"] == "24000.00"


def test_above_the_approvers_limit_is_refused_and_nothing_changes(api, commissioner, holder):
    data = record(api, commissioner, price="30000.00")  # 12 weeks: £360,000
    with nothing_changes():
        assert_error(api(holder).post(approve_url(data["id"]), {}, format="json"), 403,
                     "approval_limit_exceeded")
    assert june_spend(holder.organisation) == Decimal("0.00")


def test_exactly_the_limit_may_be_approved(api, commissioner, authority):
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("24000.00"))
    data = record(api, commissioner)
    assert api(holder).post(approve_url(data["id"]), {}, format="json").status_code == 200


def test_above_500000_is_a_key_decision_needing_its_reference(api, commissioner, authority):
    director = f.BudgetHolderFactory(organisation=authority,
                                     approval_limit=Decimal("2000000.00"))
    data = record(api, commissioner, price="45000.00")  # 12 weeks: £540,000
    with nothing_changes():
        assert_error(api(director).post(approve_url(data["id"]), {}, format="json"), 400,
                     "key_decision_required", fields=["key_decision_reference"])
        assert_error(api(director).post(approve_url(data["id"]),
                                        {"key_decision_reference": "   "}, format="json"),
                     400, "key_decision_required")

    response = api(director).post(approve_url(data["id"]),
                                  {"key_decision_reference": "KD-2026-041"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["key_decision_reference"] == "KD-2026-041"
    assert Placement.objects.get(pk=data["id"]).key_decision_reference == "KD-2026-041"


def test_a_second_approval_is_an_invalid_transition(api, commissioner, holder):
    data = record(api, commissioner)
    assert api(holder).post(approve_url(data["id"]), {}, format="json").status_code == 200
    with nothing_changes():
        assert_error(api(holder).post(approve_url(data["id"]), {}, format="json"), 409,
                     "invalid_transition")


def test_a_dps_placement_is_approved_with_its_award(api, awarded):
    assert (awarded.approval, awarded.value) == (Approval.APPROVED,
                                                 awarded.calloff.award_value)
    holder = f.BudgetHolderFactory(organisation=awarded.authority)
    with nothing_changes():
        assert_error(api(holder).post(approve_url(awarded.pk), {}, format="json"), 409,
                     "invalid_transition")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.FinanceFactory,
                                     f.DpsAdminFactory])
def test_only_a_budget_holder_approves(api, commissioner, authority, factory):
    data = record(api, commissioner)
    user = factory(organisation=authority)
    with nothing_changes():
        assert_error(api(user).post(approve_url(data["id"]), {}, format="json"), 403,
                     "forbidden")


def test_the_provider_cannot_approve_its_own_placement(api, commissioner):
    provider = f.ProviderOrgFactory()
    data = record(api, commissioner, provider=provider.pk, provider_name="")
    user = f.ProviderUserFactory(organisation=provider)
    with nothing_changes():
        assert_error(api(user).post(approve_url(data["id"]), {}, format="json"), 403,
                     "forbidden")


def test_another_authoritys_budget_holder_does_not_find_it(api, commissioner):
    data = record(api, commissioner)
    stranger = f.BudgetHolderFactory(approval_limit=Decimal("9000000.00"))
    with nothing_changes():
        assert_error(api(stranger).post(approve_url(data["id"]), {}, format="json"), 404,
                     "not_found")


def test_anonymous_is_refused(anon, api, commissioner):
    data = record(api, commissioner)
    with nothing_changes():
        assert_error(anon.post(approve_url(data["id"]), {}, format="json"), 401,
                     "not_authenticated")


# --- Recorded by a budget holder -------------------------------------------------------------

@pytest.fixture
def commissioning_holder(authority):
    return f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("600000.00"),
                                 roles=[Role.COMMISSIONER, Role.BUDGET_HOLDER])


def test_a_budget_holder_recording_within_their_limit_approves_it_at_once(
        api, commissioning_holder, authority):
    data = record(api, commissioning_holder)
    assert data["approval"] == "approved"
    placement = Placement.objects.get(pk=data["id"])
    assert placement.approved_by == commissioning_holder
    assert june_spend(authority) == Decimal("8000.00")
    assert AuditEntry.objects.filter(action="placement.approve", object_id=placement.pk,
                                     from_state="awaiting", to_state="approved").exists()


def test_a_budget_holder_recording_above_their_limit_leaves_it_awaiting(
        api, commissioning_holder):
    data = record(api, commissioning_holder, price="60000.00")  # £720,000
    assert data["approval"] == "awaiting"


def test_a_key_decision_recorded_by_a_budget_holder_needs_its_reference(
        api, commissioning_holder):
    data = record(api, commissioning_holder, price="45000.00")  # £540,000
    assert data["approval"] == "awaiting"
    data = record(api, commissioning_holder, price="45000.00",
                  key_decision_reference="KD-2026-050")
    assert (data["approval"], data["key_decision_reference"]) == ("approved", "KD-2026-050")


# --- Values and what waits ---------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "value"), [
    ({}, "24000.00"),  # 12 weeks × £2,000
    ({"planned_end_date": None}, "104000.00"),  # open-ended: 52 weeks
    ({"planned_end_date": "2026-06-05"}, "857.14"),  # 3 days × £2,000 / 7
    ({"lot": "tuition", "price": "40.00", "hours_per_week": "10.00"}, "4800.00"),
    ({"lot": "inmss", "price": "52000.00"}, "12000.00"),  # a year price: × 12 / 52
])
def test_the_value_is_the_price_over_the_term_by_the_award_rules(api, commissioner, changes,
                                                                 value):
    assert_money(record(api, commissioner, **changes)["value"], value)


def test_the_fee_cannot_change_before_approval(api, commissioner, holder):
    data = record(api, commissioner)
    with nothing_changes():
        assert_error(api(commissioner).post(
            f"/api/v1/placements/{data['id']}/fee-changes/",
            {"new_price": "9000000.00", "effective_from": "2026-06-10", "reason": "Uplift"},
            format="json"), 409, "invalid_transition")
    assert api(holder).post(approve_url(data["id"]), {}, format="json").status_code == 200
    assert api(commissioner).post(
        f"/api/v1/placements/{data['id']}/fee-changes/",
        {"new_price": "2100.00", "effective_from": "2026-06-10", "reason": "Uplift"},
        format="json").status_code == 201


def test_every_placement_output_carries_approval_and_value(api, commissioner, authority):
    data = record(api, commissioner)
    detail = api(commissioner).get(f"/api/v1/placements/{data['id']}/").json()
    assert (detail["approval"], detail["value"]) == ("awaiting", "24000.00")
    listed = api(commissioner).get("/api/v1/placements/", {"approval": "awaiting"}).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    approved = pf.PlacementFactory(authority=authority)
    listed = api(commissioner).get("/api/v1/placements/", {"approval": "approved"}).json()
    assert [row["id"] for row in listed["results"]] == [approved.pk]


def test_the_provider_sees_whether_its_placement_is_approved(api, commissioner):
    provider = f.ProviderOrgFactory()
    data = record(api, commissioner, provider=provider.pk, provider_name="")
    seen = api(f.ProviderUserFactory(organisation=provider)).get(
        f"/api/v1/placements/{data['id']}/").json()
    assert (seen["approval"], seen["value"]) == ("awaiting", "24000.00")
    assert "approved_by" not in seen
    assert "key_decision_reference" not in seen


def test_the_openapi_schema_has_the_approve_routes(api, commissioner):
    schema = api(commissioner).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert "post" in schema["paths"]["/api/v1/placements/{id}/approve/"]
    assert "post" in schema["paths"]["/api/v1/blocks/{id}/approve/"]
    fields = schema["components"]["schemas"]["AuthorityPlacement"]["properties"]
    assert {"approval", "value"} <= set(fields)
