"""Closing, evaluation, ranking, negotiation, recommendation, no award and cancellation."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from calloffs import services, tasks
from calloffs.models import CallOff, ExpressionOfInterest
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/calloffs/"


def url(calloff, action=""):
    return f"{URL}{calloff.pk}/{action + '/' if action else ''}"


def eoi_url(eoi, action):
    return f"/api/v1/eois/{eoi.pk}/{action}/"


@pytest.fixture
def closed(db):
    return cf.ClosedCallOffFactory()


@pytest.fixture
def council(api, closed):
    return api(f.CommissionerFactory(organisation=closed.authority))


def bid(calloff, price, score=None):
    """An invited provider's EoI (scored when `score` is given) and that provider's user."""
    membership = cf.admitted_and_invited(calloff)
    eoi = cf.EoiFactory(calloff=calloff, provider=membership.provider, price=Decimal(price),
                        quality_score=score)
    return eoi, f.ProviderUserFactory(organisation=membership.provider)


# --- Close ----------------------------------------------------------------------------------

def test_anonymous_cannot_close_a_calloff(anon):
    calloff = cf.OpenCallOffFactory()
    with nothing_changes():
        assert_error(anon.post(url(calloff, "close")), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.BudgetHolderFactory])
def test_non_commissioner_cannot_close_a_calloff(api, factory):
    calloff = cf.OpenCallOffFactory()
    client = api(factory(**({} if factory is f.ProviderUserFactory
                            else {"organisation": calloff.authority})))
    with nothing_changes():
        assert_error(client.post(url(calloff, "close")), 403, "forbidden")


def test_another_authoritys_commissioner_cannot_close_a_calloff(api):
    calloff = cf.OpenCallOffFactory()
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(calloff, "close")), 404, "not_found")


@pytest.mark.parametrize("factory", cf.states_except("open"))
def test_commissioner_cannot_close_a_calloff_that_is_not_open(api, factory):
    calloff = factory()
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        assert_error(client.post(url(calloff, "close")), 409, "invalid_transition")


def test_commissioner_closes_an_open_calloff_now(api):
    calloff = cf.OpenCallOffFactory()
    commissioner = f.CommissionerFactory(organisation=calloff.authority)
    response = api(commissioner).post(url(calloff, "close"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    calloff.refresh_from_db()
    assert calloff.closed_at is not None
    entry = AuditEntry.objects.get(action="calloff.close", object_id=calloff.pk)
    assert (entry.actor, entry.from_state, entry.to_state) == (commissioner, "open", "closed")


def test_the_scheduler_closes_only_calloffs_whose_deadline_has_passed():
    now = timezone.now()
    due = cf.OpenCallOffFactory(deadline=now + datetime.timedelta(hours=1))
    later = cf.OpenCallOffFactory(deadline=now + datetime.timedelta(days=3))
    cancelled = cf.CancelledCallOffFactory(deadline=now - datetime.timedelta(days=1))
    with time_machine.travel(now + datetime.timedelta(hours=2), tick=False):
        assert tasks.close_due_calloffs() == 1
        statuses = dict(CallOff.objects.values_list("pk", "status"))
        assert statuses == {due.pk: "closed", later.pk: "open", cancelled.pk: "cancelled"}
        # A second run changes nothing more.
        with nothing_changes():
            assert services.close_due_calloffs() == 0


def test_the_scheduler_closes_a_calloff_at_its_deadline_exactly():
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    calloff = cf.OpenCallOffFactory(deadline=deadline)
    with time_machine.travel(deadline - datetime.timedelta(seconds=1), tick=False):
        assert services.close_due_calloffs() == 0
    with time_machine.travel(deadline, tick=False):
        assert services.close_due_calloffs() == 1
    calloff.refresh_from_db()
    assert calloff.status == "closed"
    assert AuditEntry.objects.get(action="calloff.close").actor is None


# --- Evaluate -------------------------------------------------------------------------------

def test_anonymous_cannot_evaluate_an_eoi(anon, closed):
    eoi, _ = bid(closed, "5000.00")
    with nothing_changes():
        assert_error(anon.post(eoi_url(eoi, "evaluate"), {"quality_score": 70}, format="json"),
                     401, "not_authenticated")


def test_provider_cannot_evaluate_its_own_eoi(api, closed):
    eoi, user = bid(closed, "5000.00")
    with nothing_changes():
        assert_error(api(user).post(eoi_url(eoi, "evaluate"), {"quality_score": 100},
                                    format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_cannot_evaluate_an_eoi(api, closed):
    eoi, _ = bid(closed, "5000.00")
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(eoi_url(eoi, "evaluate"), {"quality_score": 70},
                                 format="json"), 404, "not_found")


def test_commissioner_cannot_evaluate_while_the_calloff_is_open(api):
    calloff = cf.OpenCallOffFactory()
    eoi, _ = bid(calloff, "5000.00")
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        assert_error(client.post(eoi_url(eoi, "evaluate"), {"quality_score": 70},
                                 format="json"), 409, "invalid_transition")


def test_commissioner_cannot_evaluate_a_withdrawn_eoi(council, closed):
    eoi, _ = bid(closed, "5000.00")
    ExpressionOfInterest.objects.filter(pk=eoi.pk).update(status="withdrawn")
    with nothing_changes():
        assert_error(council.post(eoi_url(eoi, "evaluate"), {"quality_score": 70},
                                  format="json"), 409, "invalid_transition")


@pytest.mark.parametrize("score", [101, -1, "good"])
def test_commissioner_cannot_score_quality_outside_0_to_100(council, closed, score):
    eoi, _ = bid(closed, "5000.00")
    with nothing_changes():
        response = council.post(eoi_url(eoi, "evaluate"), {"quality_score": score},
                                format="json")
    assert_error(response, 400, "invalid", fields=["quality_score"])


def test_commissioner_scores_an_eoi(council, closed):
    eoi, _ = bid(closed, "5000.00")
    response = council.post(eoi_url(eoi, "evaluate"), {"quality_score": 100, "notes": "Strong"},
                            format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["quality_score"] == 100
    eoi.refresh_from_db()
    assert (eoi.quality_score, eoi.evaluation_notes) == (100, "Strong")
    assert AuditEntry.objects.filter(action="eoi.evaluated", object_id=eoi.pk).exists()


# --- Ranking --------------------------------------------------------------------------------

def test_provider_cannot_see_the_ranking(api, closed):
    _, user = bid(closed, "5000.00", 70)
    assert_error(api(user).get(url(closed, "ranking")), 403, "forbidden")


def test_another_authority_cannot_see_the_ranking(api, closed):
    bid(closed, "5000.00", 70)
    assert_error(api(f.CommissionerFactory()).get(url(closed, "ranking")), 404, "not_found")


def test_ranking_follows_the_published_formula_with_custom_weights(
        api, django_capture_on_commit_callbacks):
    """Three offers, quality 70 / price 30 set at publication. By hand, lowest price 4000:

    A 4000.00, quality 60: price 4000/4000 × 30 = 30.00, quality 60/100 × 70 = 42.00, 72.00
    B 5000.00, quality 90: price 4000/5000 × 30 = 24.00, quality 90/100 × 70 = 63.00, 87.00
    C 4500.00, quality 75: price 4000/4500 × 30 = 26.666… = 26.67, quality 52.50, 79.17
    """
    commissioner = f.CommissionerFactory()
    council = api(commissioner)
    referral = cf.ReferralFactory(authority=commissioner.organisation)
    users = [f.ProviderUserFactory(organisation=f.AdmittedMembershipFactory(
        lot=referral.lot, price_cap="6000.00").provider) for _ in range(3)]
    response = council.post(f"/api/v1/referrals/{referral.pk}/publish/", {
        "deadline": (timezone.now() + datetime.timedelta(days=2)).isoformat(),
        "quality_weight": 70, "price_weight": 30}, format="json")
    calloff = response.json()["calloff"]
    eois = []
    for user, price in zip(users, ("4000.00", "5000.00", "4500.00"), strict=True):
        response = api(user).post(f"/api/v1/opportunities/{calloff}/eois/", {
            "price": price, "proposed_start": str(referral.placement_start),
            "how_needs_met": "Small home"}, format="json")
        assert response.status_code == 201, response.json()
        eois.append(response.json()["id"])
    council.post(f"{URL}{calloff}/close/")
    for eoi, score in zip(eois, (60, 90, 75), strict=True):
        council.post(f"/api/v1/eois/{eoi}/evaluate/", {"quality_score": score}, format="json")

    detail = council.get(f"{URL}{calloff}/").json()
    assert (detail["quality_weight"], detail["price_weight"]) == (70, 30)
    rows = council.get(f"{URL}{calloff}/ranking/").json()
    a, b, c = eois
    a_org, b_org, c_org = (u.organisation_id for u in users)
    assert [{k: row[k] for k in ("eoi", "provider", "price", "quality_score", "price_score",
                                 "total", "rank")} for row in rows] == [
        {"eoi": b, "provider": b_org, "price": "5000.00", "quality_score": 90,
         "price_score": "24.00", "total": "87.00", "rank": 1},
        {"eoi": c, "provider": c_org, "price": "4500.00", "quality_score": 75,
         "price_score": "26.67", "total": "79.17", "rank": 2},
        {"eoi": a, "provider": a_org, "price": "4000.00", "quality_score": 60,
         "price_score": "30.00", "total": "72.00", "rank": 3},
    ]


def test_unscored_offers_rank_after_scored_ones_without_a_total(council, closed):
    unscored, _ = bid(closed, "3000.00")
    scored, _ = bid(closed, "6000.00", 10)
    rows = council.get(url(closed, "ranking")).json()
    assert [(row["eoi"], row["total"]) for row in rows] == [(scored.pk, "26.00"),
                                                            (unscored.pk, None)]
    assert_money(rows[1]["price_score"], "40.00")


def test_withdrawn_offers_are_not_ranked(council, closed):
    live, _ = bid(closed, "5000.00", 50)
    gone, _ = bid(closed, "1000.00", 90)
    ExpressionOfInterest.objects.filter(pk=gone.pk).update(status="withdrawn")
    rows = council.get(url(closed, "ranking")).json()
    assert [(row["eoi"], row["price_score"]) for row in rows] == [(live.pk, "40.00")]


# --- Negotiation ----------------------------------------------------------------------------

def until(hours=24):
    return {"until": (timezone.now() + datetime.timedelta(hours=hours)).isoformat()}


def test_provider_cannot_open_a_negotiation(api, closed):
    _, user = bid(closed, "5000.00")
    with nothing_changes():
        assert_error(api(user).post(url(closed, "negotiation"), until(), format="json"),
                     403, "forbidden")


def test_commissioner_cannot_negotiate_while_the_calloff_is_open(api):
    calloff = cf.OpenCallOffFactory()
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        assert_error(client.post(url(calloff, "negotiation"), until(), format="json"),
                     409, "invalid_transition")


def test_commissioner_cannot_open_a_negotiation_ending_in_the_past(council, closed):
    with nothing_changes():
        response = council.post(url(closed, "negotiation"), until(-1), format="json")
    assert_error(response, 400, "invalid", fields=["until"])


def test_provider_cannot_revise_another_providers_price(api, council, closed):
    eoi, _ = bid(closed, "5000.00")
    _, rival = bid(closed, "5200.00")
    council.post(url(closed, "negotiation"), until(), format="json")
    with nothing_changes():
        response = api(rival).post(eoi_url(eoi, "revise-price"), {"price": "4000.00"},
                                   format="json")
    assert_error(response, 404, "not_found")


def test_provider_cannot_revise_a_price_outside_a_negotiation(api, closed):
    eoi, user = bid(closed, "5000.00")
    with nothing_changes():
        response = api(user).post(eoi_url(eoi, "revise-price"), {"price": "4500.00"},
                                  format="json")
    assert_error(response, 409, "invalid_transition")


def test_provider_cannot_revise_a_price_after_the_negotiation_ended(api, council, closed):
    eoi, user = bid(closed, "5000.00")
    council.post(url(closed, "negotiation"), until(1), format="json")
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)), nothing_changes():
        response = api(user).post(eoi_url(eoi, "revise-price"), {"price": "4500.00"},
                                  format="json")
    assert_error(response, 409, "invalid_transition")


@pytest.mark.parametrize("price", ["5000.01", "5000.00"])
def test_provider_cannot_raise_its_price_in_a_negotiation(api, council, closed, price):
    eoi, user = bid(closed, "5000.00")
    council.post(url(closed, "negotiation"), until(), format="json")
    with nothing_changes():
        response = api(user).post(eoi_url(eoi, "revise-price"), {"price": price},
                                  format="json")
    assert_error(response, 400, "price_increase", fields=["price"])


def test_provider_lowers_its_price_in_a_negotiation(api, council, closed):
    eoi, user = bid(closed, "5000.00")
    response = council.post(url(closed, "negotiation"), until(), format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["negotiation_until"] is not None
    response = api(user).post(eoi_url(eoi, "revise-price"), {"price": "4750.00"},
                              format="json")
    assert response.status_code == 200, response.json()
    assert_money(response.json()["price"], "4750.00")
    assert_money(response.json()["offered_price"], "5000.00")
    entry = AuditEntry.objects.get(action="eoi.price_revised", object_id=eoi.pk)
    assert entry.data == {"from": "5000.00", "to": "4750.00"}


# --- Recommend ------------------------------------------------------------------------------

def test_provider_cannot_recommend(api, closed):
    eoi, user = bid(closed, "5000.00", 70)
    with nothing_changes():
        assert_error(api(user).post(url(closed, "recommend"), {"eoi": eoi.pk, "reason": "Me"},
                                    format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_cannot_recommend(api, closed):
    eoi, _ = bid(closed, "5000.00", 70)
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(closed, "recommend"), {"eoi": eoi.pk, "reason": "Best"},
                                 format="json"), 404, "not_found")


@pytest.mark.parametrize("factory", cf.states_except("closed"))
def test_commissioner_cannot_recommend_unless_the_calloff_is_closed(api, factory):
    calloff = factory()
    eoi, _ = bid(calloff, "5000.00", 70)
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        response = client.post(url(calloff, "recommend"), {"eoi": eoi.pk, "reason": "Best"},
                               format="json")
    assert_error(response, 409, "invalid_transition")


def test_commissioner_cannot_recommend_before_every_offer_is_scored(council, closed):
    eoi, _ = bid(closed, "5000.00", 70)
    bid(closed, "5200.00")
    with nothing_changes():
        response = council.post(url(closed, "recommend"), {"eoi": eoi.pk, "reason": "Best"},
                                format="json")
    assert_error(response, 400, "evaluation_incomplete")


@pytest.mark.parametrize("payload", [{}, {"reason": ""}])
def test_commissioner_cannot_recommend_without_a_reason(council, closed, payload):
    eoi, _ = bid(closed, "5000.00", 70)
    with nothing_changes():
        response = council.post(url(closed, "recommend"), {"eoi": eoi.pk} | payload,
                                format="json")
    assert_error(response, 400, "invalid", fields=["reason"])


def test_commissioner_cannot_recommend_an_offer_made_to_another_calloff(council, closed):
    bid(closed, "5000.00", 70)
    elsewhere, _ = bid(cf.ClosedCallOffFactory(referral__authority=closed.authority),
                       "4000.00", 90)
    with nothing_changes():
        response = council.post(url(closed, "recommend"), {"eoi": elsewhere.pk,
                                                           "reason": "Best"}, format="json")
    assert_error(response, 400, "invalid", fields=["eoi"])


def test_commissioner_cannot_recommend_a_withdrawn_offer(council, closed):
    bid(closed, "5000.00", 70)
    gone, _ = bid(closed, "4000.00", 90)
    ExpressionOfInterest.objects.filter(pk=gone.pk).update(status="withdrawn")
    with nothing_changes():
        response = council.post(url(closed, "recommend"), {"eoi": gone.pk, "reason": "Best"},
                                format="json")
    assert_error(response, 400, "invalid", fields=["eoi"])


def test_commissioner_recommends_the_first_ranked_offer(council, closed):
    first, _ = bid(closed, "5000.00", 90)
    bid(closed, "5000.00", 60)
    response = council.post(url(closed, "recommend"), {"eoi": first.pk, "reason": "Best"},
                            format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["recommended_eoi"], data["recommendation_reason"]) == (
        "awaiting_approval", first.pk, "Best")
    entry = AuditEntry.objects.get(action="calloff.recommend", object_id=closed.pk)
    assert entry.data == {"eoi": first.pk, "ranked_first": True}


def test_recommending_an_offer_not_ranked_first_is_recorded(council, closed):
    bid(closed, "5000.00", 90)
    preferred, _ = bid(closed, "5000.00", 60)
    reason = "The child and family prefer the home nearer school."
    response = council.post(url(closed, "recommend"), {"eoi": preferred.pk, "reason": reason},
                            format="json")
    assert response.status_code == 200, response.json()
    entry = AuditEntry.objects.get(action="calloff.recommend", object_id=closed.pk)
    assert entry.data == {"eoi": preferred.pk, "ranked_first": False}
    assert entry.reason == reason
    assert (entry.from_state, entry.to_state) == ("closed", "awaiting_approval")


# --- No award and cancellation --------------------------------------------------------------

@pytest.mark.parametrize("factory", cf.states_except("closed"))
def test_commissioner_cannot_declare_no_award_unless_the_calloff_is_closed(api, factory):
    calloff = factory()
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        response = client.post(url(calloff, "no-award"), {"reason": "None suitable"},
                               format="json")
    assert_error(response, 409, "invalid_transition")


def test_commissioner_cannot_declare_no_award_without_a_reason(council, closed):
    with nothing_changes():
        assert_error(council.post(url(closed, "no-award"), {"reason": ""}, format="json"),
                     400, "invalid", fields=["reason"])


def test_commissioner_declares_no_award_and_bidders_are_told(
        council, closed, django_capture_on_commit_callbacks):
    bidders = [bid(closed, price, 50)[1] for price in ("5000.00", "5200.00")]
    withdrawn, _ = bid(closed, "4000.00")
    ExpressionOfInterest.objects.filter(pk=withdrawn.pk).update(status="withdrawn")
    reason = "No offer could meet the child's health needs."
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(url(closed, "no-award"), {"reason": reason}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["ended_reason"]) == ("no_award", reason)
    assert sorted(a for m in mail.outbox for a in m.to) == sorted(u.email for u in bidders)
    for message in mail.outbox:
        assert "ended without an award" in message.body
        assert cf.child_identifiers_in(message.body) == []


@pytest.mark.parametrize("factory", cf.states_except("open", "closed"))
def test_commissioner_cannot_cancel_a_calloff_that_has_moved_on(api, factory):
    calloff = factory()
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        response = client.post(url(calloff, "cancel"), {"reason": "Child went home"},
                               format="json")
    assert_error(response, 409, "invalid_transition")


def test_commissioner_cannot_cancel_without_a_reason(council, closed):
    with nothing_changes():
        assert_error(council.post(url(closed, "cancel"), {}, format="json"),
                     400, "invalid", fields=["reason"])


@pytest.mark.parametrize("factory", [cf.OpenCallOffFactory, cf.ClosedCallOffFactory])
def test_commissioner_cancels_a_calloff(api, factory):
    calloff = factory()
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    response = client.post(url(calloff, "cancel"), {"reason": "The child returned home."},
                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert AuditEntry.objects.get(action="calloff.cancel").reason == "The child returned home."
