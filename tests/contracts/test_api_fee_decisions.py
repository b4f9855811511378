"""POST /api/v1/fee-changes/{id}/approve/ and /decline/: a commissioner of the same authority
decides what the provider asked."""

from decimal import Decimal

import pytest
from django.core import mail

from contracts import services
from contracts.models import FeeChange
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db


def approve_url(change):
    return f"/api/v1/fee-changes/{change.pk}/approve/"


def decline_url(change):
    return f"/api/v1/fee-changes/{change.pk}/decline/"


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"), planned_end_date=None)


def ask(placement, effective_from="2026-06-15", price="5300.00"):
    return services.request_fee_change(placement, by=provider_of(placement),
                                       new_price=Decimal(price),
                                       effective_from=day(effective_from),
                                       reason="Staffing costs rose")


@pytest.fixture
def change(placement):
    return ask(placement)


@pytest.fixture
def council(api, placement):
    return api(commissioner_of(placement))


# --- 401, 403, 404, 409 -----------------------------------------------------------------------

@pytest.mark.parametrize("path", [approve_url, decline_url])
def test_anonymous_cannot_decide(anon, change, path):
    with nothing_changes():
        assert_error(anon.post(path(change), {"reason": "No"}, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("path", [approve_url, decline_url])
def test_the_provider_cannot_decide_its_own_request(api, placement, change, path):
    client = api(provider_of(placement))
    with nothing_changes():
        assert_error(client.post(path(change), {"reason": "No"}, format="json"), 403,
                     "forbidden")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory])
def test_other_authority_roles_cannot_approve(api, placement, change, factory):
    client = api(factory(organisation=placement.authority))
    with nothing_changes():
        assert_error(client.post(approve_url(change), {}, format="json"), 403, "forbidden")


@pytest.mark.parametrize("path", [approve_url, decline_url])
def test_another_authoritys_commissioner_gets_not_found(api, change, path):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(path(change), {"reason": "No"}, format="json"), 404,
                     "not_found")


@pytest.mark.parametrize("path", [approve_url, decline_url])
@pytest.mark.parametrize("decided", ["approved", "declined"])
def test_a_decided_change_cannot_be_decided_again(council, placement, change, path, decided):
    if decided == "approved":
        services.approve_fee_change(change, by=commissioner_of(placement))
    else:
        services.decline_fee_change(change, by=commissioner_of(placement), reason="No")
    with nothing_changes():
        assert_error(council.post(path(change), {"reason": "No"}, format="json"), 409,
                     "invalid_transition")


def test_a_request_on_a_placement_that_has_ended_cannot_be_approved(council, placement, change):
    services.end_placement(placement, by=commissioner_of(placement), end_date=day("2026-06-01"),
                           reason="planned_move")
    with nothing_changes():
        assert_error(council.post(approve_url(change), {}, format="json"), 409,
                     "invalid_transition")


# --- 400 --------------------------------------------------------------------------------------

def test_decline_needs_a_reason(council, change):
    with nothing_changes():
        assert_error(council.post(decline_url(change), {}, format="json"), 400, "invalid",
                     fields=["reason"])
        assert_error(council.post(decline_url(change), {"reason": " "}, format="json"), 400,
                     "invalid", fields=["reason"])


def test_approval_is_too_soon_after_a_change_approved_meanwhile(council, placement, change):
    # The council recorded an earlier change after the provider asked: twelve months apply.
    FeeChange.objects.filter(pk=change.pk).update(effective_from=day("2027-05-31"))
    services.record_fee_change(placement, by=commissioner_of(placement),
                               new_price=Decimal("5100.00"), effective_from=day("2026-06-01"),
                               reason="Agreed at review")
    with nothing_changes():
        error = assert_error(council.post(approve_url(change), {}, format="json"), 400,
                             "fee_change_too_soon")
    assert error["fields"]["effective_from"] == ["On or after 2027-06-01."]


def test_approval_above_the_cap_needs_the_warning_acknowledged(api, placement):
    change = ask(placement, price="5750.00")
    client = api(commissioner_of(placement))
    with nothing_changes():
        assert_error(client.post(approve_url(change), {}, format="json"), 400,
                     "above_price_cap_unacknowledged", fields=["acknowledge_cap_warning"])


def test_the_cap_is_the_providers_current_one(api, placement):
    change = ask(placement, price="5750.00")
    placement.provider.memberships.update(price_cap=Decimal("6000.00"))
    response = api(commissioner_of(placement)).post(approve_url(change), {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["cap_warning_acknowledged"] is False
    assert_money(response.json()["price_cap"], "6000.00")


# --- Happy paths ------------------------------------------------------------------------------

def test_approval_closes_the_current_period_and_opens_the_next(
        council, placement, change, django_capture_on_commit_callbacks):
    winner = provider_of(placement)
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(approve_url(change), {}, format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == "approved"
    assert_money(data["new_price"], "5300.00")
    assert_money(data["previous_price"], "5000.00")
    periods = list(placement.fee_periods.order_by("effective_from")
                   .values_list("price", "effective_from", "effective_to", "fee_change"))
    assert periods == [(Decimal("5000.00"), day("2026-01-05"), day("2026-06-14"), None),
                       (Decimal("5300.00"), day("2026-06-15"), None, change.pk)]
    assert services.price_on(placement, day("2026-06-14")) == Decimal("5000.00")
    assert services.price_on(placement, day("2026-06-15")) == Decimal("5300.00")
    change.refresh_from_db()
    assert change.decided_by.organisation == placement.authority
    assert change.decided_at is not None
    # Not yet in force: today's price is still the old one.
    assert council.get(f"/api/v1/placements/{placement.pk}/").json()["price"] == "5000.00"
    [message] = mail.outbox
    assert winner.email in message.to
    assert "approved" in message.subject.lower()


def test_approval_above_the_cap_with_the_warning_acknowledged(api, placement):
    change = ask(placement, price="5750.00")
    response = api(commissioner_of(placement)).post(
        approve_url(change), {"acknowledge_cap_warning": True}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["cap_warning_acknowledged"] is True
    assert AuditEntry.objects.get(action="feechange.approve", object_id=change.pk).data[
        "cap_warning_acknowledged"] is True


def test_decline_keeps_the_price_and_tells_the_provider_why(
        council, placement, change, django_capture_on_commit_callbacks):
    winner = provider_of(placement)
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(decline_url(change), {"reason": "Not supported by the review."},
                                format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decline_reason"]) == (
        "declined", "Not supported by the review.")
    assert placement.fee_periods.count() == 1
    assert AuditEntry.objects.filter(action="feechange.decline", from_state="requested",
                                     to_state="declined").exists()
    [message] = mail.outbox
    assert winner.email in message.to
    assert "Not supported by the review." in message.body


def test_the_decision_email_goes_once_however_often_the_task_runs(council, change,
                                                                  django_capture_on_commit_callbacks):
    from contracts import tasks

    with django_capture_on_commit_callbacks(execute=True):
        council.post(decline_url(change), {"reason": "No"}, format="json")
    assert len(mail.outbox) == 1
    assert tasks.notify_fee_change_decided(change.pk) == 0
    assert tasks.notify_fee_change_decided(change.pk) == 0
    assert len(mail.outbox) == 1


def test_a_declined_request_lets_the_provider_ask_again(api, placement, change):
    services.decline_fee_change(change, by=commissioner_of(placement), reason="Too high")
    response = api(provider_of(placement)).post(
        f"/api/v1/placements/{placement.pk}/fee-changes/",
        {"new_price": "5150.00", "effective_from": "2026-06-15", "reason": "Revised"},
        format="json")
    assert response.status_code == 201, response.json()


def test_provider_and_authority_list_fee_changes_in_scope(api, placement, change):
    assert [r["id"] for r in api(provider_of(placement)).get("/api/v1/fee-changes/")
            .json()["results"]] == [change.pk]
    assert [r["id"] for r in api(commissioner_of(placement)).get("/api/v1/fee-changes/")
            .json()["results"]] == [change.pk]
    assert api(f.ProviderUserFactory()).get("/api/v1/fee-changes/").json()["count"] == 0
    assert api(f.CommissionerFactory()).get("/api/v1/fee-changes/").json()["count"] == 0
