"""POST /api/v1/risk-assessments/ exactly as API.md, and who reads which assessments."""

import datetime

import pytest

from dps.models import AuditEntry
from monitoring.models import RiskAssessment
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf
from tests.monitoring.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/risk-assessments/"
SIX_MONTHS = datetime.date(2026, 9, 10)


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def assess(provider, impact=3, probability=3, **extra):
    return {"provider": provider.pk, "impact": impact, "probability": probability,
            "notes": "Ofsted good in January; two complaints.", **extra}


# --- Refusals -------------------------------------------------------------------------------

def test_anonymous_cannot_record_an_assessment(anon, provider, today):
    with nothing_changes():
        assert_error(anon.post(URL, assess(provider), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory])
def test_only_commissioners_and_the_dps_admin_record_assessments(api, provider, today, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, assess(provider), format="json"), 403, "forbidden")


@pytest.mark.parametrize("field", ["impact", "probability"])
@pytest.mark.parametrize("value", [0, 6, "high", None])
def test_impact_and_probability_are_1_to_5(staff, provider, today, field, value):
    with nothing_changes():
        assert_error(staff.post(URL, assess(provider, **{field: value}), format="json"), 400,
                     "invalid", fields=[field])


def test_next_due_cannot_be_later_than_six_months_on(staff, provider, today):
    late = SIX_MONTHS + datetime.timedelta(days=1)
    with nothing_changes():
        body = assert_error(staff.post(URL, assess(provider, next_due=late.isoformat()),
                                       format="json"), 400, "invalid", fields=["next_due"])
    assert "10 September 2026" in body["fields"]["next_due"][0]


@pytest.mark.parametrize("days", [0, -1])
def test_next_due_must_be_after_today(staff, provider, today, days):
    due = TODAY + datetime.timedelta(days=days)
    with nothing_changes():
        assert_error(staff.post(URL, assess(provider, next_due=due.isoformat()), format="json"),
                     400, "invalid", fields=["next_due"])


def test_only_provider_organisations_are_assessed(staff, today):
    authority = f.AuthorityFactory()
    with nothing_changes():
        assert_error(staff.post(URL, assess(authority), format="json"), 400, "invalid",
                     fields=["provider"])


def test_evidence_is_validated(staff, provider, today):
    with nothing_changes():
        assert_error(staff.post(URL, assess(provider, regulator_rating="brilliant",
                                            complaints=-1), format="json"),
                     400, "invalid", fields=["regulator_rating", "complaints"])


# --- Happy paths ----------------------------------------------------------------------------

@pytest.mark.parametrize(("impact", "probability", "score", "rag", "monitoring"), [
    (2, 3, 6, "green", "issue_based"),
    (2, 4, 8, "amber", "distance"),
    (4, 3, 12, "amber", "distance"),
    (5, 3, 15, "red", "full_visit"),
])
def test_assessment_is_scored_banded_and_due_in_six_months(staff, provider, today, impact,
                                                           probability, score, rag, monitoring):
    response = staff.post(URL, assess(provider, impact, probability), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["score"], body["rag"], body["monitoring"], body["next_due"]) == (
        score, rag, monitoring, "2026-09-10")
    assert body["provider"] == provider.pk
    assert body["is_current"] is True


def test_assessor_may_choose_a_sooner_next_due_or_exactly_six_months(admin, provider, today):
    sooner = admin.post(URL, assess(provider, next_due="2026-06-01"), format="json")
    assert sooner.status_code == 201
    assert sooner.json()["next_due"] == "2026-06-01"
    limit = admin.post(URL, assess(provider, next_due=SIX_MONTHS.isoformat()), format="json")
    assert limit.status_code == 201
    assert limit.json()["next_due"] == "2026-09-10"


def test_new_assessment_becomes_current_and_the_audit_records_the_change(staff, provider,
                                                                         today):
    old = mf.GreenAssessmentFactory(provider=provider)
    body = staff.post(URL, assess(provider, 5, 4, regulator_rating="inadequate",
                                  regulator_rating_date="2026-02-20", safeguarding_concerns=2,
                                  staff_turnover="35.50"), format="json").json()
    old.refresh_from_db()
    assert not old.is_current
    new = RiskAssessment.objects.get(pk=body["id"])
    assert new.is_current
    assert new.rag == "red"
    assert (new.regulator_rating, str(new.staff_turnover)) == ("inadequate", "35.50")
    entry = AuditEntry.objects.get(action="riskassessment.recorded", object_id=new.pk)
    assert (entry.from_state, entry.to_state, entry.data["score"]) == ("green", "red", 20)


# --- Reading --------------------------------------------------------------------------------

def test_anonymous_cannot_list_assessments(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_finance_cannot_read_assessments(api):
    assert_error(api(f.FinanceFactory()).get(URL), 403, "forbidden")


def test_provider_cannot_see_another_providers_assessment(api, provider_user):
    other = mf.RiskAssessmentFactory()
    assert_error(api(provider_user).get(f"{URL}{other.pk}/"), 404, "not_found")


def test_provider_lists_only_its_own_assessments_without_the_assessors_notes(
        api, provider_user, other_provider_user):
    mine = mf.RiskAssessmentFactory(provider=provider_user.organisation)
    mf.RiskAssessmentFactory(provider=other_provider_user.organisation)
    client = api(provider_user)
    body = client.get(URL).json()
    assert [a["id"] for a in body["results"]] == [mine.pk]
    assert client.get(URL, {"provider": other_provider_user.organisation_id}).json()[
        "results"] == []
    detail = client.get(f"{URL}{mine.pk}/").json()
    assert (detail["score"], detail["rag"], detail["monitoring"]) == (9, "amber", "distance")
    assert "notes" not in detail
    assert "assessed_by" not in detail


def test_staff_filter_assessments_by_provider_rag_and_current(staff):
    provider = f.ProviderOrgFactory()
    old = mf.GreenAssessmentFactory(provider=provider, is_current=False)
    current = mf.RedAssessmentFactory(provider=provider)
    other = mf.RiskAssessmentFactory()

    def ids(**params):
        response = staff.get(URL, params)
        assert response.status_code == 200, response.json()
        return {a["id"] for a in response.json()["results"]}

    assert ids() == {old.pk, current.pk, other.pk}
    assert ids(provider=provider.pk) == {old.pk, current.pk}
    assert ids(current="true") == {current.pk, other.pk}
    assert ids(rag="red") == {current.pk}
    detail = staff.get(f"{URL}{current.pk}/").json()
    assert detail["notes"] == current.notes


def test_malformed_filters_are_400(staff):
    assert_error(staff.get(URL, {"provider": "sunrise"}), 400, "invalid", fields=["provider"])
    assert_error(staff.get(URL, {"rag": "purple"}), 400, "invalid", fields=["rag"])
