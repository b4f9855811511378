"""The outbox knows which queued tasks a worker finished (dps/outbox.py): a finished one is
never queued again; one queued long ago and never finished (its worker was killed) is, a few
times at most. Tasks run eagerly here, through Celery's tracer, so its task_postrun fires as in
a worker (tests/integration/test_embedded_broker_redelivery.py does it with a real one)."""

import datetime

import pytest
from celery import shared_task
from celery.signals import task_postrun
from django.test import override_settings
from django.utils import timezone

from dps import outbox
from dps.models import OutboxMessage

pytestmark = pytest.mark.django_db

RUNS = []


@shared_task(name="tests.outbox.record")
def record(value):
    RUNS.append(value)
    return value


@shared_task(name="tests.outbox.fail")
def fail(value):
    RUNS.append(value)
    raise RuntimeError("the mail server refused it")


@pytest.fixture(autouse=True)
def _runs():
    RUNS.clear()
    yield
    RUNS.clear()


def _queued_long_ago(message, minutes=60):
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now() - datetime.timedelta(minutes=minutes), done_at=None)


def test_a_task_run_to_the_end_is_done_under_its_outbox_task_id():
    message = OutboxMessage.objects.create(task=record.name, args=[7])
    assert outbox.publish(message.pk)
    message.refresh_from_db()
    assert RUNS == [7]
    assert message.attempts == 1
    assert message.done_at is not None
    assert outbox.message_id(f"outbox-{message.pk}-1") == message.pk


def test_a_failed_task_is_done_too_so_it_is_not_queued_for_ever():
    message = OutboxMessage.objects.create(task=fail.name, args=[1], attempts=1,
                                           sent_at=timezone.now())
    # As a worker runs it: the failure is recorded, not raised into the caller.
    result = fail.apply(args=[1], task_id=f"outbox-{message.pk}-1", throw=False)
    assert result.failed()
    message.refresh_from_db()
    assert RUNS == [1]
    assert message.done_at is not None
    _queued_long_ago(message)
    OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())
    with override_settings(OUTBOX_REDELIVER_AFTER=0):
        assert outbox.drain() == 0
    assert RUNS == [1]


def test_a_task_that_will_be_retried_is_not_done_yet():
    message = OutboxMessage.objects.create(task=record.name, args=[3], attempts=1,
                                           sent_at=timezone.now())
    task_id = f"outbox-{message.pk}-1"
    task_postrun.send(sender=record, task_id=task_id, task=record, args=[3], kwargs={},
                      retval=None, state="RETRY")
    message.refresh_from_db()
    assert message.done_at is None
    task_postrun.send(sender=record, task_id=task_id, task=record, args=[3], kwargs={},
                      retval=3, state="SUCCESS")
    message.refresh_from_db()
    assert message.done_at is not None


def test_queued_and_never_finished_is_queued_again_once_it_has_waited_long_enough():
    message = OutboxMessage.objects.create(task=record.name, args=[5])
    # Queued by a publisher; the worker died before finishing (no task_postrun).
    OutboxMessage.objects.filter(pk=message.pk).update(
        sent_at=timezone.now() - datetime.timedelta(seconds=30), attempts=1)
    with override_settings(OUTBOX_REDELIVER_AFTER=600):
        assert outbox.drain() == 0  # not yet: it may still be running
    assert RUNS == []
    _queued_long_ago(message, minutes=11)
    with override_settings(OUTBOX_REDELIVER_AFTER=600):
        assert outbox.drain() == 1
    message.refresh_from_db()
    assert RUNS == [5]
    assert message.attempts == 2
    assert message.done_at is not None
    with override_settings(OUTBOX_REDELIVER_AFTER=0):
        assert outbox.drain() == 0  # done: never again


def test_redelivery_stops_after_the_last_attempt():
    message = OutboxMessage.objects.create(task=record.name, args=[9])
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=5)
    _queued_long_ago(message)
    with override_settings(OUTBOX_REDELIVER_AFTER=0, OUTBOX_MAX_ATTEMPTS=5):
        assert outbox.drain() == 0
    assert RUNS == []
    message.refresh_from_db()
    assert message.sent_at is not None  # left as it is, for an operator to look at


def test_a_task_queued_some_other_way_is_not_the_outboxs():
    assert outbox.message_id("0b0e7c1e-5c1f-4a43-9c7e-1234567890ab") is None
    assert outbox.message_id(None) is None
    outbox.mark_done("outbox-notanumber-1")  # ignored, no error
