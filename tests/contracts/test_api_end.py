"""POST /api/v1/placements/{id}/end/ {"end_date", "reason"}: the end closes the fee history."""

from decimal import Decimal

import pytest
from django.core import mail

from contracts import services
from contracts.models import EndReason, Placement
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db


def url(placement):
    return f"/api/v1/placements/{placement.pk}/end/"


BODY = {"end_date": "2026-05-29", "reason": "placement_breakdown"}


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"))


@pytest.fixture
def council(api, placement):
    return api(commissioner_of(placement))


def test_anonymous_cannot_end_a_placement(anon, placement):
    with nothing_changes():
        assert_error(anon.post(url(placement), BODY, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory])
def test_other_authority_roles_cannot_end_a_placement(api, placement, factory):
    client = api(factory(organisation=placement.authority))
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 403, "forbidden")


def test_the_provider_cannot_end_a_placement_here(api, placement):
    client = api(provider_of(placement))
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_gets_not_found(api, placement):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 404, "not_found")


def test_an_ended_placement_cannot_end_again(api, frozen):
    ended = pf.EndedPlacementFactory(start_date=day("2026-01-05"), end_date=day("2026-05-01"))
    client = api(commissioner_of(ended))
    with nothing_changes():
        assert_error(client.post(url(ended), BODY, format="json"), 409, "invalid_transition")


@pytest.mark.parametrize(("changes", "field"), [
    ({"end_date": "2026-01-04"}, "end_date"),
    ({"end_date": ""}, "end_date"),
    ({"reason": "ran_away"}, "reason"),
    ({"reason": ""}, "reason"),
])
def test_invalid_endings_are_refused(council, placement, changes, field):
    with nothing_changes():
        assert_error(council.post(url(placement), {**BODY, **changes}, format="json"), 400,
                     "invalid", fields=[field])


@pytest.mark.parametrize("reason", EndReason.values)
def test_every_listed_reason_ends_a_placement(council, placement, reason):
    response = council.post(url(placement), {**BODY, "reason": reason}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["end_reason"]) == ("ended", reason)


def test_ending_on_the_start_day_is_allowed(council, placement):
    response = council.post(url(placement), {**BODY, "end_date": "2026-01-05"}, format="json")
    assert response.status_code == 200, response.json()


def test_ending_closes_the_open_fee_period_and_tells_the_provider(
        council, placement, django_capture_on_commit_callbacks):
    winner = provider_of(placement)
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(url(placement), {**BODY, "notes": "Moved in an emergency."},
                                format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["end_date"], data["end_reason"], data["end_notes"]) == (
        "ended", "2026-05-29", "placement_breakdown", "Moved in an emergency.")
    [period] = placement.fee_periods.all()
    assert period.effective_to == day("2026-05-29")
    assert services.price_on(placement, day("2026-05-29")) == Decimal("5000.00")
    assert services.price_on(placement, day("2026-05-30")) is None
    assert data["next_review_date"] is None
    assert AuditEntry.objects.filter(action="placement.end", from_state="active",
                                     to_state="ended").exists()
    [message] = mail.outbox
    assert winner.email in message.to
    assert "29 May 2026" in message.body


def test_an_approved_change_after_the_end_never_takes_effect(council, placement):
    services.record_fee_change(placement, by=commissioner_of(placement),
                               new_price=Decimal("5200.00"), effective_from=day("2026-07-01"),
                               reason="Uplift")
    council.post(url(placement), BODY, format="json")
    assert list(placement.fee_periods.values_list("effective_from", "effective_to")) == [
        (day("2026-01-05"), day("2026-05-29"))]
    entry = AuditEntry.objects.get(action="placement.end")
    assert [row["effective_from"] for row in entry.data["dropped_fee_periods"]] == [
        "2026-07-01"]


def test_a_future_end_date_ends_the_placement_on_that_date(council, placement, time_machine):
    response = council.post(url(placement), {**BODY, "end_date": "2026-06-30"}, format="json")
    assert response.json()["status"] == "active"
    assert response.json()["end_date"] == "2026-06-30"
    assert services.end_due_placements(day("2026-06-29")) == 0
    assert services.end_due_placements(day("2026-06-30")) == 1
    assert services.end_due_placements(day("2026-06-30")) == 0
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ENDED


def test_a_scheduled_end_can_move_later_and_the_price_runs_to_it(council, placement):
    council.post(url(placement), {**BODY, "end_date": "2026-06-30"}, format="json")
    response = council.post(url(placement), {**BODY, "end_date": "2026-07-31"}, format="json")
    assert response.json()["end_date"] == "2026-07-31"
    assert services.price_on(placement, day("2026-07-31")) == Decimal("5000.00")
    assert services.price_on(placement, day("2026-08-01")) is None
