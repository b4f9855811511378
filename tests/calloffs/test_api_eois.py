"""Expressions of interest: submit, amend, withdraw (provider), and what a provider sees."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest
from dps.models import AuditEntry
from providers.models import Membership
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/eois/"
CAP = "5500.00"


def submit_url(calloff):
    return f"/api/v1/opportunities/{calloff.pk}/eois/"


def url(eoi, action=""):
    return f"{URL}{eoi.pk}/{action + '/' if action else ''}"


def offer(**changes):
    return {"price": "5000.00", "proposed_start": str(timezone.localdate()
                                                      + datetime.timedelta(days=30)),
            "how_needs_met": "Two-bed home, therapeutic model, education on site.",
            "outcomes_approach": "Weekly key work against the outcomes plan."} | changes


@pytest.fixture
def calloff(db):
    return cf.OpenCallOffFactory()


@pytest.fixture
def membership(calloff, provider_user):
    membership = f.AdmittedMembershipFactory(provider=provider_user.organisation,
                                             lot=calloff.lot, price_cap=Decimal(CAP))
    cf.invite(calloff, membership)
    return membership


@pytest.fixture
def provider(api, provider_user, membership):
    return api(provider_user)


@pytest.fixture
def eoi(calloff, membership):
    return cf.EoiFactory(calloff=calloff, provider=membership.provider)


def move_deadline(calloff, **changes):
    CallOff.objects.filter(pk=calloff.pk).update(
        deadline=timezone.now() - datetime.timedelta(minutes=1), **changes)


# --- Submit ---------------------------------------------------------------------------------

def test_anonymous_cannot_express_interest(anon, calloff):
    with nothing_changes():
        assert_error(anon.post(submit_url(calloff), offer(), format="json"),
                     401, "not_authenticated")


def test_commissioner_cannot_express_interest(api, calloff):
    client = api(f.CommissionerFactory(organisation=calloff.authority))
    with nothing_changes():
        assert_error(client.post(submit_url(calloff), offer(), format="json"), 403, "forbidden")


def test_provider_cannot_express_interest_when_not_invited(api, calloff):
    late = f.AdmittedMembershipFactory(lot=calloff.lot)  # admitted after publication
    stranger = api(f.ProviderUserFactory(organisation=late.provider))
    with nothing_changes():
        response = stranger.post(submit_url(calloff), offer(), format="json")
    assert_error(response, 403, "not_invited")


@pytest.mark.parametrize("factory", [f.SuspendedMembershipFactory, f.RemovedMembershipFactory])
def test_provider_cannot_express_interest_when_its_membership_lapsed_after_invitation(
        provider, membership, factory):
    Membership.objects.filter(pk=membership.pk).update(status=factory.status)
    with nothing_changes():
        response = provider.post(submit_url(membership.invitations.get().calloff), offer(),
                                 format="json")
    assert_error(response, 403, "membership_inactive")


def test_provider_cannot_express_interest_in_a_calloff_that_does_not_exist(provider):
    with nothing_changes():
        response = provider.post("/api/v1/opportunities/999999/eois/", offer(), format="json")
    assert_error(response, 404, "not_found")


def test_provider_cannot_express_interest_when_the_calloff_was_cancelled(provider, calloff):
    CallOff.objects.filter(pk=calloff.pk).update(status=CallOff.Status.CANCELLED)
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(), format="json")
    assert_error(response, 409, "invalid_transition")


def test_provider_cannot_express_interest_twice(provider, calloff, eoi):
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(), format="json")
    assert_error(response, 409, "duplicate_eoi")


def test_provider_cannot_express_interest_when_the_deadline_passed_but_it_is_still_open(
        provider, calloff):
    move_deadline(calloff)  # the scheduler has not closed it yet
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(), format="json")
    assert_error(response, 400, "deadline_passed")


def test_provider_cannot_express_interest_when_the_calloff_is_closed(provider, calloff):
    move_deadline(calloff, status=CallOff.Status.CLOSED)
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(), format="json")
    assert_error(response, 400, "deadline_passed")


def test_provider_cannot_express_interest_above_its_price_cap(provider, calloff):
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(price="5500.01"), format="json")
    assert_error(response, 400, "price_above_cap", fields=["price"])


@pytest.mark.parametrize("price", ["0", "-10.00"])
def test_provider_cannot_express_interest_at_no_price(provider, calloff, price):
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(price=price), format="json")
    assert_error(response, 400, "invalid", fields=["price"])


def test_provider_cannot_express_interest_without_saying_how_needs_are_met(provider, calloff):
    with nothing_changes():
        response = provider.post(submit_url(calloff), offer(how_needs_met=""), format="json")
    assert_error(response, 400, "invalid", fields=["how_needs_met"])


def test_provider_expresses_interest_at_exactly_its_cap(provider, provider_user, calloff):
    response = provider.post(submit_url(calloff), offer(price=CAP), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "submitted"
    assert_money(data["price"], CAP)
    assert data["result"] is None
    eoi = ExpressionOfInterest.objects.get(pk=data["id"])
    assert (eoi.provider, eoi.submitted_by, eoi.offered_price) == (
        provider_user.organisation, provider_user, Decimal(CAP))
    assert AuditEntry.objects.filter(action="eoi.submitted", object_id=eoi.pk).exists()


# --- Amend ----------------------------------------------------------------------------------

def test_anonymous_cannot_amend_an_eoi(anon, eoi):
    with nothing_changes():
        assert_error(anon.patch(url(eoi), {"price": "4900.00"}, format="json"),
                     401, "not_authenticated")


def test_commissioner_cannot_amend_an_eoi(api, eoi):
    client = api(f.CommissionerFactory(organisation=eoi.calloff.authority))
    with nothing_changes():
        assert_error(client.patch(url(eoi), {"price": "4900.00"}, format="json"),
                     403, "forbidden")


def test_provider_cannot_amend_another_providers_eoi(api, calloff, eoi):
    other = cf.admitted_and_invited(calloff)
    client = api(f.ProviderUserFactory(organisation=other.provider))
    with nothing_changes():
        assert_error(client.patch(url(eoi), {"price": "4900.00"}, format="json"),
                     404, "not_found")


def test_provider_cannot_amend_a_withdrawn_eoi(provider, eoi):
    ExpressionOfInterest.objects.filter(pk=eoi.pk).update(status="withdrawn")
    with nothing_changes():
        response = provider.patch(url(eoi), {"price": "4900.00"}, format="json")
    assert_error(response, 409, "invalid_transition")


def test_provider_cannot_amend_an_eoi_after_the_deadline(provider, calloff, eoi):
    move_deadline(calloff)
    with nothing_changes():
        response = provider.patch(url(eoi), {"how_needs_met": "Better"}, format="json")
    assert_error(response, 400, "deadline_passed")


def test_provider_cannot_amend_an_eoi_to_a_price_above_its_cap(provider, eoi):
    with nothing_changes():
        response = provider.patch(url(eoi), {"price": "5600.00"}, format="json")
    assert_error(response, 400, "price_above_cap", fields=["price"])


def test_provider_cannot_amend_an_eoi_with_nothing(provider, eoi):
    with nothing_changes():
        assert_error(provider.patch(url(eoi), {}, format="json"), 400, "invalid")


def test_provider_amends_its_eoi_before_the_deadline(provider, eoi):
    response = provider.patch(url(eoi), {"price": "4800.00", "how_needs_met": "Revised"},
                              format="json")
    assert response.status_code == 200, response.json()
    assert_money(response.json()["price"], "4800.00")
    eoi.refresh_from_db()
    assert (eoi.price, eoi.how_needs_met) == (Decimal("4800.00"), "Revised")
    assert AuditEntry.objects.filter(action="eoi.amended", object_id=eoi.pk).exists()


# --- Withdraw -------------------------------------------------------------------------------

def test_provider_cannot_withdraw_another_providers_eoi(api, calloff, eoi):
    other = cf.admitted_and_invited(calloff)
    client = api(f.ProviderUserFactory(organisation=other.provider))
    with nothing_changes():
        assert_error(client.post(url(eoi, "withdraw")), 404, "not_found")


def test_provider_cannot_withdraw_an_eoi_twice(provider, eoi):
    provider.post(url(eoi, "withdraw"))
    with nothing_changes():
        assert_error(provider.post(url(eoi, "withdraw")), 409, "invalid_transition")


def test_provider_cannot_withdraw_an_eoi_after_the_deadline(provider, calloff, eoi):
    move_deadline(calloff)
    with nothing_changes():
        assert_error(provider.post(url(eoi, "withdraw")), 400, "deadline_passed")


def test_provider_withdraws_and_then_may_express_interest_again(provider, calloff, eoi):
    response = provider.post(url(eoi, "withdraw"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    response = provider.post(submit_url(calloff), offer(price="4700.00"), format="json")
    assert response.status_code == 201, response.json()
    assert ExpressionOfInterest.objects.filter(calloff=calloff).count() == 2


# --- What a provider sees -------------------------------------------------------------------

def test_provider_cannot_read_another_providers_eoi(api, calloff, eoi):
    rival = cf.admitted_and_invited(calloff)
    client = api(f.ProviderUserFactory(organisation=rival.provider))
    assert_error(client.get(url(eoi)), 404, "not_found")


def test_provider_lists_only_its_own_eois(provider, calloff, eoi):
    rival = cf.admitted_and_invited(calloff)
    cf.EoiFactory(calloff=calloff, provider=rival.provider, price=Decimal("4321.00"))
    body = provider.get(URL).json()
    assert [row["id"] for row in body["results"]] == [eoi.pk]
    assert "4321" not in str(body)
    assert rival.provider.name not in str(body)


def test_provider_sees_no_rank_or_score_before_the_outcome(provider, calloff, eoi):
    ExpressionOfInterest.objects.filter(pk=eoi.pk).update(quality_score=85)
    CallOff.objects.filter(pk=calloff.pk).update(status=CallOff.Status.CLOSED)
    data = provider.get(url(eoi)).json()
    assert data["result"] is None
    assert not {"quality_score", "rank", "price_score", "total", "evaluation_notes"} & set(data)


def test_provider_sees_its_rank_and_scores_once_told_the_outcome(provider, eoi):
    ExpressionOfInterest.objects.filter(pk=eoi.pk).update(
        quality_score=85, rank=2, price_score=Decimal("36.00"), total_score=Decimal("87.00"),
        outcome="unsuccessful")
    assert provider.get(url(eoi)).json()["result"] == {
        "outcome": "unsuccessful", "rank": 2, "quality_score": 85, "price_score": "36.00",
        "total": "87.00", "feedback": "", "criteria": []}
