"""Scale out (issue 19): two real Celery workers and one beat, against Redis and the test
database, drain one queue. Every outbox message is queued once and its task done once — each
e-mail sent once — with both workers taking tasks: the drain claims rows with
`select_for_update(skip_locked)` and the tasks claim their work, so a second worker adds
throughput, never duplicates."""

import datetime
import os
import re
import signal
import subprocess
import sys
import time

import pytest
from django.utils import timezone

from contracts.models import FeeChange
from dps.models import OutboxMessage
from tests.integration.test_celery_worker import ROOT, _worker_env
from tests.integration.test_outbox import (  # noqa: F401 - a fixture
    redis_down,
    request_fee_change_over_the_api,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
MESSAGES = 12
TASK = "contracts.tasks.notify_fee_change_requested"


def _start(args, env, log_path):
    log = open(log_path, "wb")  # noqa: SIM115 - closed by _stop
    process = subprocess.Popen([sys.executable, "-m", "celery", "-A", "dps", *args], cwd=ROOT,
                               env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    process.log = log
    return process


def _stop(processes):
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=120)
        process.log.close()


def _wait(condition, timeout=300):
    """Until condition() holds; the limit only stops a hung run on a loaded machine."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not condition():
        time.sleep(0.5)
    return condition()


def test_two_workers_and_one_beat_deliver_every_outbox_message_exactly_once(
        redis_down, tmp_path):  # noqa: F811
    # Queued while Redis was down: the rows wait in the outbox for the drain.
    changes = [request_fee_change_over_the_api() for _ in range(MESSAGES)]
    assert OutboxMessage.objects.filter(task=TASK, sent_at__isnull=True).count() == MESSAGES

    mailbox = tmp_path / "mail"
    env = _worker_env(tmp_path)
    env.update(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(mailbox))
    worker = ["worker", "-l", "info", "--concurrency", "1", "-Q", env["CELERY_QUEUE"],
              "--without-gossip", "--without-mingle", "--prefetch-multiplier", "1"]
    logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log", tmp_path / "beat.log"]
    processes = [_start([*worker, "-n", "one@%h"], env, logs[0]),
                 _start([*worker, "-n", "two@%h"], env, logs[1])]
    try:
        # Both ready before anything is due, so neither has drained the queue alone.
        assert _wait(lambda: all(b"ready." in path.read_bytes() for path in logs[:2]))
        processes.append(_start(["beat", "-l", "info", "-s", str(tmp_path / "schedule")],
                                env, logs[2]))
        OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
        _wait(lambda: not OutboxMessage.objects.filter(task=TASK, done_at__isnull=True)
              .exists())
        time.sleep(3)  # a double delivery would land in this window
    finally:
        _stop(processes)
    text = [path.read_text(errors="replace") for path in logs]
    messages = OutboxMessage.objects.filter(task=TASK)
    assert all(message.done_at is not None for message in messages), text[0][-3000:]
    # The failed publish with Redis down, then one queueing by the drain: never a third.
    assert sorted(message.attempts for message in messages) == [2] * MESSAGES
    assert all(FeeChange.objects.get(pk=change.pk).request_notified_at for change in changes)
    sent = [path.read_text() for path in mailbox.glob("*.log")]
    assert sum(body.count("Fee change requested on placement") for body in sent) == MESSAGES
    # Both workers took some of the queue.
    done = [len(re.findall(rf"Task {re.escape(TASK)}\[[^\]]+\] succeeded", log))
            for log in text[:2]]
    assert sum(done) == MESSAGES
    assert min(done) >= 1, done
