"""POST /api/v1/placements/{id}/support-items/: a review date is required, within start..end."""

from decimal import Decimal

import pytest

from contracts.models import SupportItem
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day, provider_of

pytestmark = pytest.mark.django_db

BODY = {"description": "Waking night support worker", "weekly_cost": "850.00",
        "start_date": "2026-06-08", "review_date": "2026-09-07", "end_date": "2026-12-06"}


def url(placement):
    return f"/api/v1/placements/{placement.pk}/support-items/"


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"))


@pytest.fixture
def council(api, placement):
    return api(commissioner_of(placement))


def test_anonymous_cannot_add_support(anon, placement):
    with nothing_changes():
        assert_error(anon.post(url(placement), BODY, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory])
def test_other_authority_roles_cannot_add_support(api, placement, factory):
    client = api(factory(organisation=placement.authority))
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 403, "forbidden")


def test_the_provider_cannot_add_support(api, placement):
    client = api(provider_of(placement))
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_gets_not_found(api, placement):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(url(placement), BODY, format="json"), 404, "not_found")


def test_no_support_is_added_to_an_ended_placement(api, frozen):
    ended = pf.EndedPlacementFactory(start_date=day("2026-01-05"), end_date=day("2026-05-31"))
    client = api(commissioner_of(ended))
    with nothing_changes():
        assert_error(client.post(url(ended), {**BODY, "start_date": "2026-02-01",
                                             "review_date": "2026-03-01",
                                             "end_date": "2026-04-01"}, format="json"),
                     409, "invalid_transition")


@pytest.mark.parametrize(("changes", "field"), [
    ({"review_date": None}, "review_date"),
    ({"review_date": ""}, "review_date"),
    ({"review_date": "2026-06-07"}, "review_date"),  # the day before the start
    ({"review_date": "2026-12-07"}, "review_date"),  # the day after the end
    ({"end_date": "2026-06-07"}, "end_date"),  # ends before it starts
    ({"start_date": "2026-01-04", "review_date": "2026-02-01"}, "start_date"),  # before placement
    ({"weekly_cost": "0.00"}, "weekly_cost"),
    ({"weekly_cost": "12.345"}, "weekly_cost"),
    ({"description": ""}, "description"),
])
def test_invalid_support_is_refused(council, placement, changes, field):
    with nothing_changes():
        assert_error(council.post(url(placement), {**BODY, **changes}, format="json"), 400,
                     "invalid", fields=[field])


def test_a_missing_review_date_is_refused(council, placement):
    body = {key: value for key, value in BODY.items() if key != "review_date"}
    with nothing_changes():
        assert_error(council.post(url(placement), body, format="json"), 400, "invalid",
                     fields=["review_date"])


def test_support_cannot_run_past_the_placements_end(api, frozen):
    ending = pf.PlacementFactory(start_date=day("2026-01-05"), end_date=day("2026-10-31"))
    client = api(commissioner_of(ending))
    with nothing_changes():
        assert_error(client.post(url(ending), BODY, format="json"), 400, "invalid",
                     fields=["end_date"])


@pytest.mark.parametrize("review", ["2026-06-08", "2026-12-06"])
def test_the_review_may_fall_on_the_first_or_last_day(council, placement, review):
    response = council.post(url(placement), {**BODY, "review_date": review}, format="json")
    assert response.status_code == 201, response.json()


def test_commissioner_adds_support_and_a_new_agreement_version_is_issued(council, placement,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        response = council.post(url(placement), BODY, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["description"], data["start_date"], data["review_date"], data["end_date"]) == (
        "Waking night support worker", "2026-06-08", "2026-09-07", "2026-12-06")
    assert_money(data["weekly_cost"], "850.00")
    item = SupportItem.objects.get()
    assert item.weekly_cost == Decimal("850.00")
    assert AuditEntry.objects.filter(action="supportitem.added", object_id=item.pk).exists()
    [version] = placement.agreement_versions.all()
    assert version.reason == f"Support item {item.pk} added"


def test_both_sides_list_the_support_items(api, council, placement):
    council.post(url(placement), BODY, format="json")
    for client in (council, api(provider_of(placement))):
        [row] = client.get(url(placement)).json()
        assert_money(row["weekly_cost"], "850.00")
    assert_error(api(f.ProviderUserFactory()).get(url(placement)), 404, "not_found")


def test_recording_the_review_sets_the_next_date_and_resets_reminders(api, council, placement):
    item_id = council.post(url(placement), BODY, format="json").json()["id"]
    SupportItem.objects.filter(pk=item_id).update(review_reminder_sent_at="2026-05-25T09:00Z")
    response = council.post(f"/api/v1/support-items/{item_id}/review/",
                            {"reviewed_on": "2026-06-01", "next_review_date": "2026-10-01"},
                            format="json")
    assert response.status_code == 200, response.json()
    item = SupportItem.objects.get(pk=item_id)
    assert (item.review_date, item.reviewed_on, item.review_reminder_sent_at) == (
        day("2026-10-01"), None, None)
    assert_error(api(provider_of(placement)).post(f"/api/v1/support-items/{item_id}/review/",
                                                  {"reviewed_on": "2026-06-01"},
                                                  format="json"), 403, "forbidden")


def test_a_review_without_a_next_date_closes_the_reviews(council, placement):
    item_id = council.post(url(placement), BODY, format="json").json()["id"]
    response = council.post(f"/api/v1/support-items/{item_id}/review/",
                            {"reviewed_on": "2026-06-01"}, format="json")
    assert response.json()["reviewed_on"] == "2026-06-01"
    assert response.json()["review_date"] == "2026-09-07"
