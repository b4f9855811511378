"""Information between assessments makes the provider's reassessment due now."""

import pytest

from dps.models import AuditEntry
from monitoring.models import ReassessmentTrigger
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db

URL = "/api/v1/reassessment-triggers/"


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def raise_(provider, kind="safeguarding_concern", **extra):
    return {"provider": provider.pk, "kind": kind,
            "details": "Concern raised by the child's social worker.", **extra}


def risk(client, provider):
    return client.get(f"/api/v1/provider-risk/{provider.pk}/").json()


def test_anonymous_cannot_raise_a_trigger(anon, provider):
    with nothing_changes():
        assert_error(anon.post(URL, raise_(provider), format="json"), 401, "not_authenticated")


def test_provider_cannot_raise_or_read_triggers(api, provider_user, provider):
    client = api(provider_user)
    mf.TriggerFactory(provider=provider_user.organisation)
    with nothing_changes():
        assert_error(client.post(URL, raise_(provider), format="json"), 403, "forbidden")
    assert_error(client.get(URL), 403, "forbidden")


def test_late_returns_are_raised_by_the_scheduler_not_by_hand(staff, provider):
    with nothing_changes():
        assert_error(staff.post(URL, raise_(provider, "late_kpi_return"), format="json"), 400,
                     "invalid", fields=["kind"])


def test_a_trigger_says_what_happened(staff, provider):
    with nothing_changes():
        assert_error(staff.post(URL, raise_(provider, details=""), format="json"), 400,
                     "invalid", fields=["details"])


def test_a_breakdown_names_a_placement_with_that_provider(staff, commissioner, provider):
    elsewhere = mf.PlacementFactory(authority=commissioner.organisation)
    with nothing_changes():
        assert_error(staff.post(URL, raise_(provider, "placement_breakdown",
                                            placement=elsewhere.pk), format="json"),
                     400, "invalid", fields=["placement"])


def test_another_authoritys_placement_cannot_be_named(staff, provider):
    theirs = mf.PlacementFactory(provider=provider)
    with nothing_changes():
        body = assert_error(staff.post(URL, raise_(provider, "placement_breakdown",
                                                   placement=theirs.pk), format="json"),
                            400, "invalid", fields=["placement"])
    assert "does not exist" in body["fields"]["placement"][0]


@pytest.mark.parametrize("kind", ["safeguarding_concern", "regulator_downgrade",
                                  "placement_breakdown"])
def test_each_kind_makes_the_reassessment_due_now(staff, commissioner, provider, kind):
    mf.GreenAssessmentFactory(provider=provider)
    assert risk(staff, provider)["reassessment_due_now"] is False
    extra = {}
    if kind == "placement_breakdown":
        extra["placement"] = mf.PlacementFactory(provider=provider,
                                                 authority=commissioner.organisation).pk
    response = staff.post(URL, raise_(provider, kind, **extra), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["kind"], body["is_open"], body["raised_by"]) == (kind, True,
                                                                  commissioner.username)
    page = risk(staff, provider)
    assert page["reassessment_due_now"] is True
    assert [t["id"] for t in page["open_triggers"]] == [body["id"]]
    assert AuditEntry.objects.filter(action="reassessmenttrigger.raised",
                                     object_id=body["id"]).exists()


def test_the_next_assessment_clears_open_triggers(staff, provider):
    first = mf.TriggerFactory(provider=provider)
    second = mf.TriggerFactory(provider=provider, kind="regulator_downgrade")
    others = mf.TriggerFactory()
    response = staff.post("/api/v1/risk-assessments/", {
        "provider": provider.pk, "impact": 4, "probability": 4}, format="json")
    assert response.status_code == 201
    assessment = response.json()["id"]
    assert set(ReassessmentTrigger.objects.filter(cleared_by_assessment=assessment)
               .values_list("pk", flat=True)) == {first.pk, second.pk}
    others.refresh_from_db()
    assert others.is_open
    assert risk(staff, provider)["reassessment_due_now"] is False


def test_staff_filter_triggers(staff, provider):
    open_ = mf.TriggerFactory(provider=provider)
    cleared = mf.TriggerFactory(provider=provider,
                                cleared_by_assessment=mf.RiskAssessmentFactory(provider=provider))
    mf.TriggerFactory(kind="regulator_downgrade")

    def ids(**params):
        return {t["id"] for t in staff.get(URL, params).json()["results"]}

    assert ids(provider=provider.pk) == {open_.pk, cleared.pk}
    assert ids(provider=provider.pk, open="true") == {open_.pk}
    assert len(ids(kind="regulator_downgrade")) == 1
