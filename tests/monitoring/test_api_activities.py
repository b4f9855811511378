"""Monitoring activities: full visits, distance monitoring and issue-based reviews."""

import datetime

import pytest

from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf
from tests.monitoring.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring-activities/"


def url(activity, action=""):
    return f"{URL}{activity.pk}/{action + '/' if action else ''}"


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def plan(provider, kind="full_visit", planned_date="2026-03-24", **extra):
    return {"provider": provider.pk, "kind": kind, "planned_date": planned_date, **extra}


# --- Schedule -------------------------------------------------------------------------------

def test_anonymous_cannot_schedule_an_activity(anon, provider, today):
    with nothing_changes():
        assert_error(anon.post(URL, plan(provider), format="json"), 401, "not_authenticated")


def test_provider_cannot_schedule_an_activity(api, provider_user, today):
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(URL, plan(provider_user.organisation), format="json"), 403,
                     "forbidden")


def test_an_activity_cannot_be_planned_in_the_past(staff, provider, today):
    with nothing_changes():
        assert_error(staff.post(URL, plan(provider, planned_date="2026-03-09"), format="json"),
                     400, "invalid", fields=["planned_date"])


def test_an_activity_has_a_known_kind(staff, provider, today):
    with nothing_changes():
        assert_error(staff.post(URL, plan(provider, kind="coffee"), format="json"), 400,
                     "invalid", fields=["kind"])


def test_an_activity_follows_an_assessment_of_the_same_provider(staff, provider, today):
    elsewhere = mf.RiskAssessmentFactory()
    with nothing_changes():
        assert_error(staff.post(URL, plan(provider, assessment=elsewhere.pk), format="json"),
                     400, "invalid", fields=["assessment"])


@pytest.mark.parametrize("kind", ["full_visit", "distance", "issue_based"])
def test_staff_schedule_each_kind_of_activity(staff, provider, today, kind):
    assessment = mf.RedAssessmentFactory(provider=provider)
    response = staff.post(URL, plan(provider, kind, assessment=assessment.pk), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["status"], body["planned_date"], body["assessment"]) == (
        kind, "planned", "2026-03-24", assessment.pk)


def test_a_planned_visit_shows_on_the_risk_page(staff, provider, today):
    mf.RedAssessmentFactory(provider=provider)
    staff.post(URL, plan(provider), format="json")
    assert staff.get(f"/api/v1/provider-risk/{provider.pk}/").json()["visit_planned"] is True


# --- Complete and cancel --------------------------------------------------------------------

def test_provider_cannot_complete_its_own_activity(api, provider_user, today):
    activity = mf.PlannedActivityFactory(provider=provider_user.organisation)
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(url(activity, "complete"), {"findings": "Fine"},
                                 format="json"), 403, "forbidden")


@pytest.mark.parametrize("factory", [mf.DoneActivityFactory, mf.CancelledActivityFactory])
def test_only_a_planned_activity_can_be_completed_or_cancelled(staff, today, factory):
    activity = factory()
    with nothing_changes():
        assert_error(staff.post(url(activity, "complete"), {"findings": "Fine"}, format="json"),
                     409, "invalid_transition")
        assert_error(staff.post(url(activity, "cancel"), {"reason": "No"}, format="json"),
                     409, "invalid_transition")


def test_completion_records_findings_and_not_a_future_date(staff, today):
    activity = mf.PlannedActivityFactory()
    with nothing_changes():
        assert_error(staff.post(url(activity, "complete"), {"findings": ""}, format="json"),
                     400, "invalid", fields=["findings"])
        assert_error(staff.post(url(activity, "complete"), {
            "findings": "Fine", "done_date": "2026-03-11"}, format="json"),
            400, "invalid", fields=["done_date"])


def test_staff_complete_an_activity_with_findings(staff, commissioner, today):
    activity = mf.PlannedActivityFactory()
    response = staff.post(url(activity, "complete"), {
        "findings": "Two bedrooms need redecoration.", "done_date": "2026-03-09"},
        format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["done_date"], body["done_by"]) == (
        "done", "2026-03-09", commissioner.username)
    entry = AuditEntry.objects.get(action="monitoringactivity.complete", object_id=activity.pk)
    assert (entry.from_state, entry.to_state) == ("planned", "done")


def test_staff_cancel_an_activity_with_a_reason(staff, today):
    activity = mf.PlannedActivityFactory()
    with nothing_changes():
        assert_error(staff.post(url(activity, "cancel"), {"reason": " "}, format="json"), 400,
                     "invalid", fields=["reason"])
    body = staff.post(url(activity, "cancel"), {"reason": "Home closed"}, format="json").json()
    assert (body["status"], body["cancelled_reason"]) == ("cancelled", "Home closed")


# --- Reading --------------------------------------------------------------------------------

def test_provider_sees_only_its_own_activities(api, provider_user, other_provider_user, today):
    mine = mf.DoneActivityFactory(provider=provider_user.organisation)
    theirs = mf.PlannedActivityFactory(provider=other_provider_user.organisation)
    client = api(provider_user)
    assert [a["id"] for a in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(url(mine)).json()["findings"] == mine.findings
    assert_error(client.get(url(theirs)), 404, "not_found")


def test_staff_filter_activities(staff, provider, today):
    visit = mf.PlannedActivityFactory(provider=provider)
    mf.DoneActivityFactory(provider=provider, kind="distance",
                           planned_date=TODAY - datetime.timedelta(days=3))
    mf.PlannedActivityFactory()
    results = staff.get(URL, {"provider": provider.pk, "kind": "full_visit",
                              "status": "planned"}).json()["results"]
    assert [a["id"] for a in results] == [visit.pk]
