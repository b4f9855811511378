"""The provider risk page: current rating, history, and (for staff) what makes it due now."""

import pytest

from tests import factories as f
from tests.asserts import assert_error
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db


def url(provider):
    return f"/api/v1/provider-risk/{provider.pk}/"


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def test_anonymous_cannot_read_a_risk_page(anon, provider):
    assert_error(anon.get(url(provider)), 401, "not_authenticated")


def test_budget_holder_cannot_read_a_risk_page(api, provider):
    assert_error(api(f.BudgetHolderFactory()).get(url(provider)), 403, "forbidden")


def test_provider_cannot_read_another_providers_risk_page(api, provider_user, provider):
    mf.RiskAssessmentFactory(provider=provider)
    assert_error(api(provider_user).get(url(provider)), 404, "not_found")


def test_an_authority_has_no_risk_page(staff):
    assert_error(staff.get(url(f.AuthorityFactory())), 404, "not_found")


def test_staff_see_current_rating_history_and_open_triggers(staff, provider):
    old = mf.GreenAssessmentFactory(provider=provider, is_current=False)
    current = mf.RedAssessmentFactory(provider=provider)
    trigger = mf.TriggerFactory(provider=provider)
    mf.TriggerFactory(provider=provider, cleared_by_assessment=current)
    mf.RiskAssessmentFactory()  # another provider's
    body = staff.get(url(provider)).json()
    assert body["provider"] == provider.pk
    assert body["current"]["id"] == current.pk
    assert body["current"]["rag"] == "red"
    assert [a["id"] for a in body["history"]] == [current.pk, old.pk]
    assert [t["id"] for t in body["open_triggers"]] == [trigger.pk]
    assert body["reassessment_due_now"] is True
    assert body["reassessment_overdue"] is False
    assert body["visit_planned"] is False


def test_page_of_a_provider_never_assessed_is_empty(staff, provider):
    body = staff.get(url(provider)).json()
    assert body["current"] is None
    assert body["history"] == []
    assert body["reassessment_due_now"] is False


def test_provider_sees_its_own_rating_and_history_but_not_triggers_or_notes(api, provider_user):
    provider = provider_user.organisation
    current = mf.RiskAssessmentFactory(provider=provider)
    mf.TriggerFactory(provider=provider)
    body = api(provider_user).get(url(provider)).json()
    assert set(body) == {"provider", "current", "history"}
    assert body["current"]["id"] == current.pk
    assert body["current"]["rag"] == "amber"
    assert "notes" not in body["current"]
