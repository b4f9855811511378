"""On PostgreSQL, racing requests produce one outcome: row locks and constraints, not luck."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from calloffs.models import ExpressionOfInterest
from contracts.models import Placement
from tests import factories as f
from tests.calloffs import factories as cf

# serialized_rollback: the migrations' data (the DPS and its lots) survives the flush.
pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(count, request):
    """Fire `request()` from `count` threads released together; return their status codes."""
    barrier = threading.Barrier(count)
    codes = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            code = request()
            with lock:
                codes.append(code)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # a hang, not a slow machine
    return sorted(codes)


def test_twenty_parallel_approvals_create_exactly_one_placement():
    calloff, _ = cf.awaiting_approval()
    holder = f.BudgetHolderFactory(organisation=calloff.authority,
                                   approval_limit=Decimal("1000000.00"))

    def approve():
        client = APIClient()
        client.force_authenticate(holder)
        return client.post(f"/api/v1/calloffs/{calloff.pk}/approve/", {}, format="json") \
            .status_code

    codes = _race(20, approve)
    assert codes.count(200) == 1
    assert codes.count(409) == 19
    assert Placement.objects.filter(calloff=calloff).count() == 1


def test_twenty_parallel_eois_from_one_provider_make_exactly_one():
    calloff = cf.OpenCallOffFactory()
    membership = cf.admitted_and_invited(calloff)
    user = f.ProviderUserFactory(organisation=membership.provider)
    body = {"price": "5000.00", "proposed_start": str(calloff.referral.placement_start),
            "how_needs_met": "Small home", "outcomes_approach": "Key work"}

    def submit():
        client = APIClient()
        client.force_authenticate(user)
        return client.post(f"/api/v1/opportunities/{calloff.pk}/eois/", body, format="json") \
            .status_code

    codes = _race(20, submit)
    assert codes.count(201) == 1
    assert codes.count(409) == 19
    assert ExpressionOfInterest.objects.filter(calloff=calloff).count() == 1
