"""Faults: with Redis down a web request still succeeds, and the e-mail it asked for goes out
once Redis is back — the outbox row written in the request's transaction is queued by the
beat-driven drain in a real worker."""

import datetime

import pytest
from celery import current_app
from django.utils import timezone
from kombu import pools
from rest_framework.test import APIClient

from contracts.models import FeeChange
from dps.models import OutboxMessage
from tests import factories as f
from tests.contracts import factories as pf
from tests.integration.test_celery_worker import _run_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DOWN = "redis://127.0.0.1:9/0"  # nothing listens on port 9: refused at once


@pytest.fixture
def redis_down():
    """This process's Celery publishes for real, to a broker that is not there."""
    conf = current_app.conf
    saved = conf.task_always_eager, conf.broker_url
    _fresh_connections()
    conf.task_always_eager, conf.broker_url = False, DOWN
    yield
    conf.task_always_eager, conf.broker_url = saved
    _fresh_connections()


def _fresh_connections():
    """Drop the connection and producer pools, so the next publish uses the broker now
    configured (even eager tasks take a producer, for serialisation)."""
    current_app.pool.force_close_all()
    current_app._pool = None
    current_app.amqp._producer_pool = None
    pools.reset()  # kombu's process-wide producer pools, keyed by connection


def request_fee_change_over_the_api():
    """A provider asks for a fee change through the API: the request that queues an e-mail to
    the commissioner through the outbox, which the fault tests follow. The change, once 201."""
    today = timezone.localdate()
    placement = pf.PlacementFactory(start_date=today - datetime.timedelta(days=400))
    provider = f.ProviderUserFactory(organisation=placement.provider)
    f.CommissionerFactory(organisation=placement.authority, email="commissioner@example.org")
    client = APIClient()
    client.force_authenticate(provider)
    response = client.post(f"/api/v1/placements/{placement.pk}/fee-changes/", {
        "new_price": "5200.00", "effective_from": today.isoformat(),
        "reason": "Staffing costs rose with the new pay award."}, format="json")
    assert response.status_code == 201, response.json()
    return FeeChange.objects.get(pk=response.json()["id"])


def test_a_request_succeeds_with_redis_down_and_its_email_goes_out_when_it_is_back(
        redis_down, tmp_path):
    change = request_fee_change_over_the_api()
    message = OutboxMessage.objects.get(task="contracts.tasks.notify_fee_change_requested")
    assert message.args == [change.pk]
    assert message.sent_at is None
    assert "Error" in message.last_error or "refused" in message.last_error.lower()
    assert change.request_notified_at is None

    # Redis is back: a real worker and beat (drain_outbox every tick) deliver it.
    OutboxMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=5))

    def delivered():
        change.refresh_from_db()
        return change.request_notified_at is not None

    log = _run_until(tmp_path, delivered)
    assert change.request_notified_at is not None, log[-3000:]
    message.refresh_from_db()
    assert message.sent_at is not None
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
