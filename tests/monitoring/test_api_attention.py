"""Providers needing attention: red, reassessment overdue or due now, overdue actions, late
returns — in a number of queries that does not grow with the providers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f
from tests.asserts import assert_error
from tests.monitoring import factories as mf
from tests.monitoring.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/attention/"


def test_anonymous_cannot_read_the_attention_list(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory,
                                     f.BudgetHolderFactory])
def test_only_monitoring_staff_read_the_attention_list(api, factory):
    assert_error(api(factory()).get(URL), 403, "forbidden")


def test_an_unknown_reason_is_400(staff):
    assert_error(staff.get(URL, {"reason": "sunny"}), 400, "invalid", fields=["reason"])


def test_each_reason_puts_a_provider_on_the_list(staff, today):
    red = mf.RedAssessmentFactory(provider__name="A Red").provider
    visited = mf.RedAssessmentFactory(provider__name="B Red visited").provider
    mf.PlannedActivityFactory(provider=visited)
    overdue = mf.OverdueAssessmentFactory(provider__name="C Overdue").provider
    triggered = mf.GreenAssessmentFactory(provider__name="D Triggered").provider
    mf.TriggerFactory(provider=triggered)
    mf.TriggerFactory(provider=triggered,
                      cleared_by_assessment=mf.RiskAssessmentFactory(provider=triggered,
                                                                     is_current=False))
    actions = mf.OverdueActionItemFactory(plan__provider__name="E Actions").plan.provider
    late = mf.LateKpiReturnFactory(provider__name="F Late").provider
    fine = mf.GreenAssessmentFactory(provider__name="G Fine").provider
    mf.ActionItemFactory(plan__provider=fine)
    mf.KpiReturnFactory(provider=fine)
    mf.GreenAssessmentFactory(provider=fine, is_current=False, next_due=TODAY
                              - datetime.timedelta(days=9))

    rows = {r["provider"]: r for r in staff.get(URL).json()["results"]}
    assert set(rows) == {red.pk, visited.pk, overdue.pk, triggered.pk, actions.pk, late.pk}
    assert rows[red.pk]["reasons"] == ["red", "red_without_visit"]
    assert rows[visited.pk]["reasons"] == ["red"]
    assert rows[overdue.pk]["reasons"] == ["reassessment_overdue"]
    assert rows[triggered.pk]["reasons"] == ["reassessment_due_now"]
    assert rows[triggered.pk]["open_triggers"] == 1
    assert rows[actions.pk]["reasons"] == ["overdue_actions"]
    assert rows[actions.pk]["rag"] is None
    assert rows[late.pk]["reasons"] == ["late_returns"]

    def ids(reason):
        return {r["provider"] for r in staff.get(URL, {"reason": reason}).json()["results"]}

    assert ids("red") == {red.pk, visited.pk}
    assert ids("red_without_visit") == {red.pk}
    assert ids("late_returns") == {late.pk}


def test_the_reddest_come_first(staff, today):
    amber = mf.RiskAssessmentFactory(next_due=TODAY - datetime.timedelta(days=1)).provider
    red = mf.RedAssessmentFactory().provider
    worst = mf.RedAssessmentFactory(impact=5, probability=5).provider
    unrated = mf.LateKpiReturnFactory().provider
    order = [r["provider"] for r in staff.get(URL).json()["results"]]
    assert order == [worst.pk, red.pk, amber.pk, unrated.pk]


def troubled_providers(count):
    for _ in range(count):
        assessment = mf.RedAssessmentFactory(next_due=TODAY - datetime.timedelta(days=1))
        mf.TriggerFactory(provider=assessment.provider)
        mf.OverdueActionItemFactory(plan__provider=assessment.provider,
                                    escalated_at="2026-03-01T09:00:00Z")
        mf.LateKpiReturnFactory(provider=assessment.provider)
        mf.PlannedActivityFactory(provider=assessment.provider)


def test_the_query_count_does_not_grow_with_the_providers(staff, today,
                                                          django_assert_max_num_queries):
    troubled_providers(3)
    with CaptureQueriesContext(connection) as few:
        body = staff.get(URL).json()
    assert body["count"] == 3
    troubled_providers(27)
    with django_assert_max_num_queries(len(few)):
        body = staff.get(URL).json()
    assert body["count"] == 30
    assert len(few) <= 2  # the page and its count
    row = body["results"][0]
    assert (row["open_triggers"], row["overdue_actions"], row["escalated_actions"],
            row["late_returns"], row["visit_planned"]) == (1, 1, 1, 1, True)
