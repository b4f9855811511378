"""On PostgreSQL, invoices racing for the same days give one: row locks, not luck."""

import datetime as dt
import threading
import zoneinfo

import pytest
from django.db import connection
from rest_framework.test import APIClient

from invoicing.models import Invoice, InvoiceLine
from tests.invoicing.factories import D, line, make_world

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _race(count, work):
    barrier = threading.Barrier(count)
    results, lock = [], threading.Lock()

    def run(index):
        try:
            barrier.wait()
            result = work(index)
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return results


@pytest.fixture
def london_noon(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 12, 0, tzinfo=zoneinfo.ZoneInfo(
        "Europe/London")), tick=True)


def _post(user, body):
    client = APIClient()
    client.force_authenticate(user)
    response = client.post("/api/v1/invoices/", body, format="json")
    return response.status_code, response.json().get("code")


def test_ten_identical_invoices_at_once_store_one(london_noon):
    world = make_world()
    body = {"reference": "INV-1", "lines": [
        line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00"),
        line(world.block, D(2026, 5, 1), D(2026, 5, 31), "6200.00")]}
    results = _race(10, lambda i: _post(world.user, body))
    assert results.count((201, None)) == 1
    assert sorted(results)[1:] == [(409, "duplicate_reference")] * 9
    assert Invoice.objects.count() == 1
    assert InvoiceLine.objects.count() == 2


def test_ten_invoices_for_the_same_days_under_different_references_store_one(london_noon):
    world = make_world()

    def send(index):
        return _post(world.user, {"reference": f"INV-{index}", "lines": [
            line(world.support, D(2026, 5, 1 + index), D(2026, 5, 20), "100.00")]})

    results = _race(10, send)
    assert results.count((201, None)) == 1
    assert sorted(results)[1:] == [(409, "already_invoiced")] * 9
    assert InvoiceLine.objects.count() == 1
