"""Admission rounds: create, open, close (POST /api/v1/rounds/…, dps_admin) and the scheduler."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from dps.models import AuditEntry
from providers import services, tasks
from providers.models import AdmissionRound, Application
from tests import factories as f
from tests.asserts import assert_error, nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/rounds/"
LONDON = zoneinfo.ZoneInfo("Europe/London")


def window(opens_in, lasts=datetime.timedelta(days=14)):
    opens_at = timezone.now() + opens_in
    return {"opens_at": opens_at.isoformat(), "closes_at": (opens_at + lasts).isoformat()}


# --- Create ---------------------------------------------------------------------------------

def test_anonymous_cannot_create_a_round(anon):
    with nothing_changes():
        assert_error(anon.post(URL, window(datetime.timedelta(days=1)), format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.CommissionerFactory])
def test_non_admin_cannot_create_a_round(api, factory):
    client = api(factory())
    with nothing_changes():
        response = client.post(URL, window(datetime.timedelta(days=1)), format="json")
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("lasts", [datetime.timedelta(0), -datetime.timedelta(hours=1)])
def test_dps_admin_cannot_create_a_round_that_closes_before_it_opens(api, dps_admin, lasts):
    with nothing_changes():
        response = api(dps_admin).post(URL, window(datetime.timedelta(days=1), lasts),
                                       format="json")
    assert_error(response, 400, "invalid", fields=["closes_at"])


def test_dps_admin_cannot_create_a_round_that_has_already_closed(api, dps_admin):
    with nothing_changes():
        response = api(dps_admin).post(
            URL, window(-datetime.timedelta(days=10), datetime.timedelta(days=5)), format="json")
    assert_error(response, 400, "invalid", fields=["closes_at"])


@pytest.mark.parametrize("existing", [f.ScheduledRoundFactory, f.OpenRoundFactory])
def test_dps_admin_cannot_create_a_round_that_overlaps_another(api, dps_admin, existing):
    other = existing()
    body = {"opens_at": (other.closes_at - datetime.timedelta(hours=1)).isoformat(),
            "closes_at": (other.closes_at + datetime.timedelta(days=7)).isoformat()}
    with nothing_changes():
        response = api(dps_admin).post(URL, body, format="json")
    assert_error(response, 400, "round_overlaps")


@pytest.mark.parametrize(("change", "field"), [
    ({"opens_at": "next tuesday"}, "opens_at"),
    ({"closes_at": None}, "closes_at"),
    ({"dps": "nowhere"}, "dps"),
])
def test_dps_admin_cannot_create_a_round_when_a_field_is_invalid(api, dps_admin, change, field):
    with nothing_changes():
        response = api(dps_admin).post(URL, {**window(datetime.timedelta(days=1)), **change},
                                       format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_a_round_opening_in_the_past_is_open_at_once(api, dps_admin):
    response = api(dps_admin).post(URL, window(-datetime.timedelta(minutes=5)), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open"
    round_ = AdmissionRound.objects.get(pk=response.json()["id"])
    assert round_.opened_at is not None
    assert round_.dps.code == "children"


def test_a_round_opening_in_the_future_is_scheduled(api, dps_admin):
    response = api(dps_admin).post(URL, window(datetime.timedelta(days=3)), format="json")
    assert response.status_code == 201, response.json()
    assert {"id", "status"} <= set(response.json())
    assert response.json()["status"] == "scheduled"


def test_a_round_may_follow_a_closed_one_and_another_dps_may_overlap(api, dps_admin):
    closed = f.ClosedRoundFactory()
    f.OpenRoundFactory()
    f.DpsFactory(code="adults")
    admin = api(dps_admin)
    body = {"opens_at": (closed.opens_at + datetime.timedelta(hours=1)).isoformat(),
            "closes_at": (timezone.now() + datetime.timedelta(days=30)).isoformat()}
    assert admin.post(URL, {**body, "dps": "adults"}, format="json").status_code == 201
    assert admin.post(URL, window(datetime.timedelta(days=20)), format="json").status_code == 201


# --- Close and open now ---------------------------------------------------------------------

def test_anonymous_cannot_close_a_round(anon):
    round_ = f.OpenRoundFactory()
    assert_error(anon.post(f"{URL}{round_.pk}/close/"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.CommissionerFactory])
def test_non_admin_cannot_close_a_round(api, factory):
    round_ = f.OpenRoundFactory()
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(f"{URL}{round_.pk}/close/"), 403, "forbidden")


def test_dps_admin_cannot_close_an_unknown_round(api, dps_admin):
    assert_error(api(dps_admin).post(f"{URL}999999/close/"), 404, "not_found")


@pytest.mark.parametrize("factory", [f.ScheduledRoundFactory, f.ClosedRoundFactory,
                                     f.CompletedRoundFactory])
def test_dps_admin_cannot_close_a_round_that_is_not_open(api, dps_admin, factory):
    round_ = factory()
    with nothing_changes():
        response = api(dps_admin).post(f"{URL}{round_.pk}/close/")
    assert_error(response, 409, "invalid_transition")


@pytest.mark.parametrize("factory", [f.OpenRoundFactory, f.ClosedRoundFactory,
                                     f.CompletedRoundFactory])
def test_dps_admin_cannot_open_a_round_that_is_not_scheduled(api, dps_admin, factory):
    round_ = factory()
    with nothing_changes():
        response = api(dps_admin).post(f"{URL}{round_.pk}/open/")
    assert_error(response, 409, "invalid_transition")


def test_dps_admin_opens_a_scheduled_round_now(api, dps_admin):
    round_ = f.ScheduledRoundFactory()
    response = api(dps_admin).post(f"{URL}{round_.pk}/open/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "open"


def test_closing_sets_the_decision_deadline_on_submitted_applications(api, dps_admin):
    round_ = f.OpenRoundFactory()
    submitted = f.SubmittedApplicationFactory(round=round_)
    withdrawn = f.SubmittedApplicationFactory(round=round_, status=Application.Status.WITHDRAWN)
    draft = f.DraftApplicationFactory()
    closing = datetime.datetime(2026, 12, 17, 12, 0, tzinfo=LONDON)  # a Thursday
    with time_machine.travel(closing, tick=False):
        response = api(dps_admin).post(f"{URL}{round_.pk}/close/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    submitted.refresh_from_db()
    # Ten working days, skipping Christmas Day, the Boxing Day substitute and New Year's Day.
    assert submitted.evaluation_due == datetime.date(2027, 1, 5)
    withdrawn.refresh_from_db()
    draft.refresh_from_db()
    assert withdrawn.evaluation_due is None
    assert draft.evaluation_due is None


def test_the_decision_deadline_counts_from_the_london_date(api, dps_admin):
    round_ = f.OpenRoundFactory()
    application = f.SubmittedApplicationFactory(round=round_)
    # 23:30 UTC on Thursday 2 July is 00:30 on Friday 3 July in London.
    with time_machine.travel(datetime.datetime(2026, 7, 2, 23, 30, tzinfo=datetime.UTC),
                             tick=False):
        api(dps_admin).post(f"{URL}{round_.pk}/close/")
    application.refresh_from_db()
    assert application.evaluation_due == datetime.date(2026, 7, 17)


def test_the_decision_deadline_comes_from_the_dps(api, dps_admin):
    dps = f.DpsFactory(evaluation_working_days=5)
    round_ = f.OpenRoundFactory(dps=dps)
    application = f.SubmittedApplicationFactory(round=round_, dps=dps, lots={})
    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=LONDON), tick=False):
        api(dps_admin).post(f"{URL}{round_.pk}/close/")
    application.refresh_from_db()
    assert application.evaluation_due == datetime.date(2026, 6, 8)


def test_closing_a_round_with_no_applications_completes_it(api, dps_admin):
    round_ = f.OpenRoundFactory()
    response = api(dps_admin).post(f"{URL}{round_.pk}/close/")
    assert response.status_code == 200, response.json()
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.COMPLETED
    assert round_.closed_at is not None
    assert round_.completed_at is not None


# --- Applications waiting for a round (API.md v1.1) -----------------------------------------

def _waiting(dps=None, **kwargs):
    """An application submitted while no round was open or scheduled."""
    extra = {"dps": dps, "lots": {}} if dps else {}
    return f.SubmittedApplicationFactory(round=None, **extra, **kwargs)


def _assert_taken(round_, *applications):
    for application in applications:
        application.refresh_from_db()
        assert application.round_id == round_.pk
        assert application.status == Application.Status.SUBMITTED
        entry = AuditEntry.objects.get(object_id=application.pk,
                                       action="application.joined_round")
        assert entry.data == {"round": round_.pk}
    summary = AuditEntry.objects.get(object_id=round_.pk,
                                     action="round.took_waiting_applications")
    assert sorted(summary.data["applications"]) == sorted(a.pk for a in applications)


def test_opening_a_round_takes_every_waiting_application_and_closing_dates_them(api, dps_admin):
    first, second = _waiting(), _waiting()
    other_dps = f.DpsFactory()
    elsewhere = _waiting(dps=other_dps)
    withdrawn = f.WithdrawnApplicationFactory()
    round_ = f.ScheduledRoundFactory()
    response = api(dps_admin).post(f"{URL}{round_.pk}/open/")
    assert response.status_code == 200, response.json()
    _assert_taken(round_, first, second)
    elsewhere.refresh_from_db()
    withdrawn.refresh_from_db()
    assert elsewhere.round is None  # another arrangement's next round takes that one
    assert withdrawn.round is None

    closing = datetime.datetime(2026, 12, 17, 12, 0, tzinfo=LONDON)  # a Thursday
    with time_machine.travel(closing, tick=False):
        response = api(dps_admin).post(f"{URL}{round_.pk}/close/")
    assert response.json()["status"] == "closed"
    for application in (first, second):
        application.refresh_from_db()
        assert application.evaluation_due == datetime.date(2027, 1, 5)


def test_a_round_created_open_takes_the_waiting_applications_at_once(api, dps_admin):
    waiting = _waiting()
    response = api(dps_admin).post(URL, window(-datetime.timedelta(minutes=5)))
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "open"
    _assert_taken(AdmissionRound.objects.get(pk=response.json()["id"]), waiting)


def test_a_scheduled_round_takes_the_waiting_applications_only_when_it_opens(api, dps_admin):
    waiting = _waiting()
    response = api(dps_admin).post(URL, window(datetime.timedelta(days=3)))
    assert response.json()["status"] == "scheduled"
    waiting.refresh_from_db()
    assert waiting.round is None
    round_ = AdmissionRound.objects.get(pk=response.json()["id"])
    with time_machine.travel(round_.opens_at, tick=False):
        assert services.open_due_rounds() == 1
    _assert_taken(round_, waiting)


def test_the_open_rounds_task_takes_the_waiting_applications():
    with time_machine.travel(datetime.datetime(2026, 9, 1, 9, 0, tzinfo=LONDON), tick=False):
        waiting = _waiting()
        round_ = f.ScheduledRoundFactory(opens_at=timezone.now())
        assert tasks.open_due_rounds.delay().get() == 1
    _assert_taken(round_, waiting)


def test_a_round_that_opens_with_nothing_waiting_records_no_take(api, dps_admin):
    round_ = f.ScheduledRoundFactory()
    api(dps_admin).post(f"{URL}{round_.pk}/open/")
    assert not AuditEntry.objects.filter(action="round.took_waiting_applications").exists()


# --- The scheduler --------------------------------------------------------------------------

def test_the_scheduler_opens_a_round_on_time_and_only_once():
    opens_at = datetime.datetime(2026, 9, 1, 9, 0, tzinfo=LONDON)
    with time_machine.travel(opens_at - datetime.timedelta(days=2), tick=False):
        round_ = f.ScheduledRoundFactory(opens_at=opens_at)
    with time_machine.travel(opens_at - datetime.timedelta(seconds=1), tick=False):
        assert services.open_due_rounds() == 0
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.SCHEDULED

    with time_machine.travel(opens_at, tick=False):
        assert services.open_due_rounds() == 1
        round_.refresh_from_db()
        assert round_.status == AdmissionRound.Status.OPEN
        assert round_.opened_at == opens_at
        with nothing_changes():
            assert services.open_due_rounds() == 0


def test_the_scheduler_closes_a_round_on_time_and_only_once():
    closes_at = datetime.datetime(2026, 12, 17, 17, 0, tzinfo=LONDON)
    with time_machine.travel(closes_at - datetime.timedelta(days=14), tick=False):
        round_ = f.OpenRoundFactory(closes_at=closes_at)
        application = f.SubmittedApplicationFactory(round=round_)
    with time_machine.travel(closes_at - datetime.timedelta(seconds=1), tick=False):
        assert services.close_due_rounds() == 0
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.OPEN

    with time_machine.travel(closes_at + datetime.timedelta(seconds=30), tick=False):
        assert services.close_due_rounds() == 1
        with nothing_changes():
            assert services.close_due_rounds() == 0
    round_.refresh_from_db()
    application.refresh_from_db()
    assert round_.status == AdmissionRound.Status.CLOSED
    assert application.evaluation_due == datetime.date(2027, 1, 5)
    entry = AuditEntry.objects.get(object_id=round_.pk, action="admissionround.close")
    assert entry.actor is None


def test_the_scheduler_tasks_run_the_same_services():
    with time_machine.travel(datetime.datetime(2026, 9, 1, 9, 0, tzinfo=LONDON), tick=False):
        due_to_open = f.ScheduledRoundFactory(opens_at=timezone.now())
        f.ScheduledRoundFactory(dps=f.DpsFactory(),
                                opens_at=timezone.now() + datetime.timedelta(minutes=1))
        assert tasks.open_due_rounds.delay().get() == 1
        assert tasks.open_due_rounds.delay().get() == 0
    due_to_open.refresh_from_db()
    with time_machine.travel(due_to_open.closes_at, tick=False):
        assert tasks.close_due_rounds.delay().get() == 1
        assert tasks.close_due_rounds.delay().get() == 0
    due_to_open.refresh_from_db()
    assert due_to_open.status == AdmissionRound.Status.COMPLETED
