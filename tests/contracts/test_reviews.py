"""Placement reviews follow the configured schedule; next_review_date shows the one due."""

import pytest

from contracts import rules
from contracts.models import PlacementReview
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db


def url(placement):
    return f"/api/v1/placements/{placement.pk}/reviews/"


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"))


def test_the_first_review_is_twenty_working_days_after_the_start():
    assert rules.review_due_date(day("2026-01-05"), 1) == day("2026-02-02")
    # Bank holidays do not count: Good Friday and Easter Monday 2026 (3 and 6 April).
    assert rules.review_due_date(day("2026-03-30"), 1) == day("2026-04-29")


def test_the_schedule_is_a_setting(settings):
    settings.PLACEMENT_REVIEW_SCHEDULE = {"first_working_days": 10, "second_months": 2,
                                          "then_months": 4}
    assert rules.review_due_date(day("2026-01-05"), 1) == day("2026-01-19")
    assert rules.review_due_date(day("2026-01-05"), 2, previous=day("2026-01-19")) == \
        day("2026-03-19")
    assert rules.review_due_date(day("2026-01-05"), 3, previous=day("2026-03-19")) == \
        day("2026-07-19")


def test_months_are_clamped_to_the_months_end():
    assert rules.add_months(day("2026-08-31"), 6) == day("2027-02-28")
    assert rules.add_months(day("2028-02-29"), 12) == day("2029-02-28")
    assert rules.add_months(day("2027-03-31"), -1) == day("2027-02-28")


def test_anonymous_cannot_record_a_review(anon, placement):
    with nothing_changes():
        assert_error(anon.post(url(placement), {"done_date": "2026-02-02"}, format="json"),
                     401, "not_authenticated")


def test_the_provider_cannot_record_a_review(api, placement):
    client = api(provider_of(placement))
    with nothing_changes():
        assert_error(client.post(url(placement), {"done_date": "2026-02-02"}, format="json"),
                     403, "forbidden")


def test_another_authority_gets_not_found(api, placement):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(placement), {"done_date": "2026-02-02"}, format="json"),
                     404, "not_found")


def test_an_ended_placement_is_not_reviewed(api, frozen):
    ended = pf.EndedPlacementFactory(start_date=day("2026-01-05"))
    client = api(commissioner_of(ended))
    with nothing_changes():
        assert_error(client.post(url(ended), {"done_date": "2026-02-02"}, format="json"),
                     409, "invalid_transition")


@pytest.mark.parametrize("done", ["2026-06-02", "2026-01-04", ""])
def test_a_review_date_in_the_future_or_before_the_start_is_invalid(api, placement, done):
    client = api(commissioner_of(placement))
    with nothing_changes():
        assert_error(client.post(url(placement), {"done_date": done}, format="json"), 400,
                     "invalid", fields=["done_date"])


def test_reviews_follow_the_schedule(api, placement):
    client = api(commissioner_of(placement))
    detail = f"/api/v1/placements/{placement.pk}/"
    assert client.get(detail).json()["next_review_date"] == "2026-02-02"

    response = client.post(url(placement), {"done_date": "2026-02-03", "notes": "Settled."},
                           format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {"sequence": 1, "due_date": "2026-02-02",
                               "done_date": "2026-02-03", "notes": "Settled."}
    assert client.get(detail).json()["next_review_date"] == "2026-05-03"  # 3 months after

    client.post(url(placement), {"done_date": "2026-05-01"}, format="json")
    assert client.get(detail).json()["next_review_date"] == "2026-11-01"  # then every 6
    assert list(PlacementReview.objects.filter(placement=placement)
                .values_list("sequence", "due_date", "done_date")) == [
        (1, day("2026-02-02"), day("2026-02-03")), (2, day("2026-05-03"), day("2026-05-01")),
        (3, day("2026-11-01"), None)]


def test_the_provider_sees_review_dates_without_notes(api, placement):
    client = api(commissioner_of(placement))
    client.post(url(placement), {"done_date": "2026-02-03", "notes": "Private notes"},
                format="json")
    rows = api(provider_of(placement)).get(url(placement)).json()
    assert rows == [{"sequence": 1, "due_date": "2026-02-02", "done_date": "2026-02-03"},
                    {"sequence": 2, "due_date": "2026-05-03", "done_date": None}]
