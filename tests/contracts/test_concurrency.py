"""On PostgreSQL, racing requests and workers give one outcome: row locks, not luck."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from contracts import reminders
from contracts.models import FeeChange, SupportItem
from tests import factories as f
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of

# serialized_rollback: the migrations' data (the DPS and its lots) survives the flush.
pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(count, work):
    """Run `work(i)` from `count` threads released together; return their results."""
    barrier = threading.Barrier(count)
    results = []
    lock = threading.Lock()

    def run(index):
        try:
            barrier.wait()
            result = work(index)
            with lock:
                results.append(result)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # a hang, not a slow machine
    return results


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ten_parallel_fee_changes_within_twelve_months_approve_exactly_one():
    today = timezone.localdate()
    placement = pf.PlacementFactory(start_date=today - datetime.timedelta(days=60))
    user = commissioner_of(placement)

    def record(index):
        body = {"new_price": f"{5100 + index}.00", "reason": "Uplift",
                "effective_from": str(today + datetime.timedelta(days=index + 1))}
        response = _client(user).post(f"/api/v1/placements/{placement.pk}/fee-changes/", body,
                                      format="json")
        return response.status_code, response.json()["code"] if response.status_code >= 400 \
            else None

    results = _race(10, record)
    assert results.count((201, None)) == 1
    # The rest are refused: too soon after the winner, or dated before the winner's change.
    assert {code for status, code in results if status != 201} <= {
        "fee_change_too_soon", "invalid"}
    assert len([status for status, _ in results if status == 400]) == 9
    assert FeeChange.objects.filter(placement=placement, status="approved").count() == 1
    assert placement.fee_periods.count() == 2
    assert placement.agreement_versions.count() == 1


def test_parallel_endings_end_a_placement_once():
    placement = pf.PlacementFactory()
    user = commissioner_of(placement)
    body = {"end_date": str(timezone.localdate()), "reason": "planned_move"}

    def end(index):
        return _client(user).post(f"/api/v1/placements/{placement.pk}/end/", body,
                                  format="json").status_code

    assert sorted(_race(8, end)) == [200] + [409] * 7


def test_four_reminder_workers_send_each_reminder_once():
    today = timezone.localdate()
    placement = pf.PlacementFactory(start_date=today)
    f.CommissionerFactory(organisation=placement.authority)
    for n in range(30):
        SupportItem.objects.create(
            placement=placement, description=f"Support {n}", weekly_cost=Decimal("100.00"),
            start_date=today, review_date=today + datetime.timedelta(days=3),
            end_date=today + datetime.timedelta(days=90))
    mail.outbox = []
    sent = _race(4, lambda index: reminders.send_support_reminders(today))
    assert sum(sent) == 30
    assert len(mail.outbox) == 30
    assert len({m.body for m in mail.outbox}) == 30
    assert not SupportItem.objects.filter(review_reminder_sent_at__isnull=True).exists()


def test_parallel_placements_into_a_one_bed_block_place_exactly_one():
    today = timezone.localdate()
    block = pf.BlockContractFactory(beds=1, start_date=today - datetime.timedelta(days=10),
                                    end_date=today + datetime.timedelta(days=355))
    user = f.CommissionerFactory(organisation=block.authority)

    def place(index):
        body = {"start_date": str(today + datetime.timedelta(days=index))}
        response = _client(user).post(f"/api/v1/blocks/{block.pk}/placements/", body,
                                      format="json")
        return response.status_code, response.json().get("code")

    results = _race(8, place)
    assert sorted(results) == [(201, None)] + [(400, "block_full")] * 7
    assert block.placements.count() == 1


# --- Approving a spot placement or a block (contracts.approvals) -----------------------------

def _approve_race(path, holder):
    def approve(_index):
        client = APIClient()
        client.force_authenticate(holder)
        return client.post(path, {}, format="json").status_code
    return sorted(_race(10, approve))


def test_ten_parallel_approvals_of_a_spot_placement_approve_it_once():
    from contracts.models import Approval, Placement
    from dps.models import AuditEntry

    placement = pf.PlacementFactory(route=Placement.Route.SPOT, provider=None,
                                    provider_name="Harbour Lights Care Ltd",
                                    approval=Approval.AWAITING, cap=False)
    holder = f.BudgetHolderFactory(organisation=placement.authority)

    codes = _approve_race(f"/api/v1/placements/{placement.pk}/approve/", holder)

    assert codes == [200] + [409] * 9
    placement.refresh_from_db()
    assert placement.approval == Approval.APPROVED
    assert AuditEntry.objects.filter(action="placement.approve",
                                     object_id=placement.pk).count() == 1


def test_ten_parallel_approvals_of_a_block_approve_it_once():
    from contracts.models import Approval
    from dps.models import AuditEntry

    block = pf.BlockContractFactory(approval=Approval.AWAITING)  # worth £469,285.71
    holder = f.BudgetHolderFactory(organisation=block.authority,
                                   approval_limit=Decimal("500000.00"))

    codes = _approve_race(f"/api/v1/blocks/{block.pk}/approve/", holder)

    assert codes == [200] + [409] * 9
    assert AuditEntry.objects.filter(action="blockcontract.approve",
                                     object_id=block.pk).count() == 1
