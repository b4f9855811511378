"""The budget holder's approval: limits, key decisions, awardability, the award itself."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest
from contracts.models import FeePeriod, Placement
from dps import formatting
from dps.models import AuditEntry
from providers.models import Membership
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/calloffs/"


def url(calloff, action="approve"):
    return f"{URL}{calloff.pk}/{action}/"


def holder(calloff, limit="300000.00"):
    return f.BudgetHolderFactory(organisation=calloff.authority, approval_limit=Decimal(limit))


@pytest.fixture
def awaiting(db):
    """Awaiting approval: £5,000 a week for 52 weeks, worth £260,000."""
    calloff, _ = cf.awaiting_approval()
    return calloff


# --- Refusals, in the order 401, 403, 404, 409, 400 ---------------------------------------

def test_anonymous_cannot_approve_an_award(anon, awaiting):
    with nothing_changes():
        assert_error(anon.post(url(awaiting), {}, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.FinanceFactory,
                                     f.DpsAdminFactory])
def test_non_budget_holder_cannot_approve_an_award(api, awaiting, factory):
    client = api(factory(organisation=awaiting.authority))
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"), 403, "forbidden")


def test_provider_cannot_approve_its_own_award(api, awaiting):
    client = api(f.ProviderUserFactory(organisation=awaiting.recommended_eoi.provider))
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"), 403, "forbidden")


# (lot, price, referral settings, value): week = price × weeks; hour = price × hours × weeks;
# year = price × weeks / 52.
VALUES = {
    "week": ("residential", "5000.00", {"referral__duration_weeks": 52}, "260000.00"),
    "hour": ("tuition", "45.50", {"referral__duration_weeks": 39,
                                  "referral__hours_per_week": Decimal("20")}, "35490.00"),
    "year": ("inmss", "65000.00", {"referral__duration_weeks": 38}, "47500.00"),
}


def priced(unit):
    code, price, settings, value = VALUES[unit]
    calloff, _ = cf.awaiting_approval(price=price, price_cap=price,
                                      referral__lot=f.lot(code), **settings)
    return calloff, Decimal(value)


@pytest.mark.parametrize("unit", VALUES)
def test_budget_holder_cannot_approve_an_award_worth_a_penny_more_than_their_limit(api, unit):
    calloff, value = priced(unit)
    client = api(holder(calloff, value - Decimal("0.01")))
    with nothing_changes():
        response = client.post(url(calloff), {}, format="json")
    error = assert_error(response, 403, "approval_limit_exceeded")
    assert f"£{value:,}" in error["detail"]


def test_budget_holder_without_a_limit_cannot_approve(api, awaiting):
    client = api(f.BudgetHolderFactory(organisation=awaiting.authority, approval_limit=None))
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"),
                     403, "approval_limit_exceeded")


def test_budget_holder_of_another_authority_cannot_approve_an_award(api, awaiting):
    client = api(f.BudgetHolderFactory(approval_limit=Decimal("1000000.00")))
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"), 404, "not_found")


@pytest.mark.parametrize("factory", cf.states_except("awaiting_approval"))
def test_budget_holder_cannot_approve_a_calloff_not_awaiting_approval(api, factory):
    calloff = factory()
    client = api(holder(calloff))
    with nothing_changes():
        response = client.post(url(calloff), {}, format="json")
    assert_error(response, 409, "invalid_transition")


def test_budget_holder_cannot_approve_an_award_twice(api, awaiting):
    client = api(holder(awaiting))
    assert client.post(url(awaiting), {}, format="json").status_code == 200
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"), 409, "invalid_transition")
    assert Placement.objects.filter(calloff=awaiting).count() == 1


@pytest.fixture
def key_decision(db):
    """£10,000 a week for 52 weeks: £520,000, above the key decision threshold."""
    calloff, _ = cf.awaiting_approval(price="10000.00", price_cap="10000.00")
    return calloff


@pytest.mark.parametrize("payload", [{}, {"key_decision_reference": "  "}])
def test_budget_holder_cannot_approve_a_key_decision_without_its_reference(
        api, key_decision, payload):
    client = api(holder(key_decision, "1000000.00"))
    with nothing_changes():
        response = client.post(url(key_decision), payload, format="json")
    assert_error(response, 400, "key_decision_required", fields=["key_decision_reference"])


def _suspend(membership):
    Membership.objects.filter(pk=membership.pk).update(
        status="suspended", suspended_from=timezone.localdate(),
        suspended_until=timezone.localdate() + datetime.timedelta(days=30))


def _remove(membership):
    Membership.objects.filter(pk=membership.pk).update(status="removed",
                                                       removed_at=timezone.now())


def _debar(membership):
    f.DebarmentFactory(organisation=membership.provider)


@pytest.mark.parametrize(("change", "code"), [(_suspend, "provider_suspended"),
                                              (_remove, "provider_removed"),
                                              (_debar, "provider_debarred")])
def test_budget_holder_cannot_approve_when_the_provider_is_no_longer_awardable(
        api, awaiting, change, code):
    change(Membership.objects.get(provider=awaiting.recommended_eoi.provider))
    client = api(holder(awaiting))
    with nothing_changes():
        assert_error(client.post(url(awaiting), {}, format="json"), 400, code)


# --- Approvals ------------------------------------------------------------------------------

@pytest.mark.parametrize("unit", VALUES)
def test_budget_holder_approves_an_award_worth_exactly_their_limit(api, unit):
    calloff, value = priced(unit)
    response = api(holder(calloff, value)).post(url(calloff), {}, format="json")
    assert response.status_code == 200, response.json()
    calloff.refresh_from_db()
    assert calloff.award_value == value


def test_budget_holder_approves_a_key_decision_with_its_reference(api, key_decision):
    client = api(holder(key_decision, "1000000.00"))
    response = client.post(url(key_decision), {"key_decision_reference": "KD/2026/014"},
                           format="json")
    assert response.status_code == 200, response.json()
    key_decision.refresh_from_db()
    assert key_decision.key_decision_reference == "KD/2026/014"
    assert key_decision.award_value == Decimal("520000.00")


def test_an_award_of_exactly_500000_is_not_a_key_decision(api):
    calloff, _ = cf.awaiting_approval(price="10000.00", price_cap="10000.00",
                                      referral__duration_weeks=50)
    response = api(holder(calloff, "500000.00")).post(url(calloff), {}, format="json")
    assert response.status_code == 200, response.json()


@pytest.fixture
def contest(db):
    """Three scored offers on one call-off; the best (B) recommended."""
    calloff = cf.ClosedCallOffFactory()
    offers = {}
    for name, price, score in (("A", "4100.00", 50), ("B", "4700.00", 90),
                               ("C", "5300.00", 70)):
        membership = cf.admitted_and_invited(calloff)
        user = f.ProviderUserFactory(organisation=membership.provider)
        eoi = cf.EoiFactory(calloff=calloff, provider=membership.provider,
                            price=Decimal(price), quality_score=score,
                            proposed_start=timezone.localdate() + datetime.timedelta(days=40))
        offers[name] = (eoi, user)
    CallOff.objects.filter(pk=calloff.pk).update(
        status=CallOff.Status.AWAITING_APPROVAL, recommended_eoi=offers["B"][0],
        recommendation_reason="Best value")
    calloff.refresh_from_db()
    return calloff, offers


def test_budget_holder_approves_and_the_placement_is_created(
        api, contest, django_capture_on_commit_callbacks):
    calloff, offers = contest
    approver = holder(calloff)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(approver).post(url(calloff), {}, format="json")
    assert response.status_code == 200, response.json()
    assert set(response.json()) == {"placement"}
    calloff.refresh_from_db()
    assert (calloff.status, calloff.approved_by, calloff.award_value) == (
        "awarded", approver, Decimal("244400.00"))

    winner = offers["B"][0]
    placement = Placement.objects.get(pk=response.json()["placement"])
    assert (placement.route, placement.calloff, placement.eoi, placement.provider) == (
        "dps", calloff, winner, winner.provider)
    assert (placement.price, placement.start_date, placement.child) == (
        winner.price, winner.proposed_start, calloff.referral.child)
    [period] = FeePeriod.objects.filter(placement=placement)
    assert (period.price, period.effective_from, period.effective_to) == (
        Decimal("4700.00"), winner.proposed_start, None)

    # Lowest price 4100, weights 40/60 (by hand):
    # A 40.00 + 30.00 = 70.00; B 34.89 + 54.00 = 88.89; C 30.94 + 42.00 = 72.94.
    expected = {"A": (3, "40.00", "70.00", "unsuccessful"), "B": (1, "34.89", "88.89", "awarded"),
                "C": (2, "30.94", "72.94", "unsuccessful")}
    for name, (eoi, _) in offers.items():
        eoi.refresh_from_db()
        assert (eoi.rank, str(eoi.price_score), str(eoi.total_score), eoi.outcome) == \
            expected[name]

    assert AuditEntry.objects.filter(action="calloff.approve", actor=approver).exists()
    assert AuditEntry.objects.filter(action="placement.created", object_id=placement.pk).exists()


def test_each_bidder_is_told_its_own_rank_and_scores_only(
        api, contest, django_capture_on_commit_callbacks):
    calloff, offers = contest
    with django_capture_on_commit_callbacks(execute=True):
        api(holder(calloff)).post(url(calloff), {}, format="json")
    assert len(mail.outbox) == 3
    ranks = {"A": "Your rank: 3 of 3", "B": "Your rank: 1 of 3", "C": "Your rank: 2 of 3"}
    for name, (eoi, user) in offers.items():
        [message] = [m for m in mail.outbox if user.email in m.to]
        eoi.refresh_from_db()
        assert ranks[name] in message.body
        assert f"Your total: {eoi.total_score}" in message.body
        assert formatting.money(eoi.price) in message.body
        for other, (other_eoi, _) in offers.items():
            if other != name:
                assert formatting.money(other_eoi.price) not in message.body
                assert other_eoi.provider.name not in message.body
                assert f"Your total: {other_eoi.total_score}" not in message.body
        assert cf.child_identifiers_in(message.body + message.subject,
                                       calloff.referral.child) == []


def test_bidders_see_their_result_on_their_eoi_after_the_award(api, contest):
    calloff, offers = contest
    api(holder(calloff)).post(url(calloff), {}, format="json")
    eoi, user = offers["C"]
    result = api(user).get(f"/api/v1/eois/{eoi.pk}/").json()["result"]
    assert result == {"outcome": "unsuccessful", "rank": 2, "quality_score": 70,
                      "price_score": "30.94", "total": "72.94", "feedback": "",
                      "criteria": []}


def test_a_withdrawn_offer_gets_no_outcome(api, contest):
    calloff, offers = contest
    ExpressionOfInterest.objects.filter(pk=offers["A"][0].pk).update(status="withdrawn")
    api(holder(calloff)).post(url(calloff), {}, format="json")
    assert ExpressionOfInterest.objects.get(pk=offers["A"][0].pk).outcome == ""


# --- Reject the recommendation --------------------------------------------------------------

def test_commissioner_cannot_reject_a_recommendation(api, awaiting):
    client = api(f.CommissionerFactory(organisation=awaiting.authority))
    with nothing_changes():
        assert_error(client.post(url(awaiting, "reject-recommendation"), {"reason": "No"},
                                 format="json"), 403, "forbidden")


def test_budget_holder_of_another_authority_cannot_reject_a_recommendation(api, awaiting):
    client = api(f.BudgetHolderFactory())
    with nothing_changes():
        assert_error(client.post(url(awaiting, "reject-recommendation"), {"reason": "No"},
                                 format="json"), 404, "not_found")


@pytest.mark.parametrize("factory", cf.states_except("awaiting_approval"))
def test_budget_holder_cannot_reject_a_recommendation_that_is_not_awaiting(api, factory):
    calloff = factory()
    client = api(holder(calloff))
    with nothing_changes():
        response = client.post(url(calloff, "reject-recommendation"), {"reason": "No"},
                               format="json")
    assert_error(response, 409, "invalid_transition")


def test_budget_holder_cannot_reject_a_recommendation_without_a_reason(api, awaiting):
    client = api(holder(awaiting))
    with nothing_changes():
        response = client.post(url(awaiting, "reject-recommendation"), {"reason": ""},
                               format="json")
    assert_error(response, 400, "invalid", fields=["reason"])


def test_budget_holder_sends_a_recommendation_back(api, awaiting):
    reason = "Ask the family about the second-ranked home first."
    response = api(holder(awaiting)).post(url(awaiting, "reject-recommendation"),
                                          {"reason": reason}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["recommended_eoi"]) == ("closed", None)
    entry = AuditEntry.objects.get(action="calloff.reject_recommendation")
    assert (entry.from_state, entry.to_state, entry.reason) == (
        "awaiting_approval", "closed", reason)
    assert not Placement.objects.exists()
