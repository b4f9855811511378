"""On PostgreSQL, racing writes about one provider leave one current assessment, one answer
to an action and one late-return trigger."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from monitoring import tasks
from monitoring.models import ActionItem, ReassessmentTrigger, RiskAssessment
from tests import factories as f
from tests.monitoring import factories as mf

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(count, call):
    barrier = threading.Barrier(count)
    results = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # a hang, not a slow machine
    return results


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_parallel_assessments_leave_exactly_one_current():
    provider = f.ProviderOrgFactory()
    mf.TriggerFactory(provider=provider)
    commissioner = f.CommissionerFactory()

    def assess():
        return _client(commissioner).post("/api/v1/risk-assessments/", {
            "provider": provider.pk, "impact": 3, "probability": 4}, format="json").status_code

    assert _race(10, assess) == [201] * 10
    assert RiskAssessment.objects.filter(provider=provider).count() == 10
    assert RiskAssessment.objects.filter(provider=provider, is_current=True).count() == 1
    assert not ReassessmentTrigger.objects.filter(cleared_by_assessment__isnull=True).exists()


def test_parallel_answers_to_one_action_record_one():
    user = f.ProviderUserFactory()
    item = mf.ActionItemFactory(plan__provider=user.organisation)

    def answer():
        return _client(user).post(f"/api/v1/action-items/{item.pk}/respond/", {
            "provider_response": "Done", "evidence": ""}, format="json").status_code

    codes = sorted(_race(10, answer))
    assert codes.count(200) == 1
    assert codes.count(409) == 9
    item.refresh_from_db()
    assert item.status == ActionItem.Status.RESPONDED


def test_parallel_late_return_detection_raises_one_trigger():
    for _ in range(5):
        mf.LateKpiReturnFactory()
    raised = _race(6, tasks.detect_late_kpi_returns)
    assert sum(raised) == 5
    assert ReassessmentTrigger.objects.count() == 5
