"""Faults on the embedded broker (kombu's SQLAlchemy transport, what `make demo` runs): a worker
killed in the middle of a task leaves the message taken (`visible = 0`) for good — this
transport never hands an unacknowledged task out again, unlike Redis. The outbox does: the
task was queued but never finished, so the drain queues it again, and a new worker sends the
e-mail once. The worker's own `task_postrun` marks each finished message done."""

import datetime
import sqlite3
import time
import uuid

import pytest
from celery import current_app
from django.test import override_settings

from dps import embedded_broker as broker_file
from dps import outbox
from dps.models import OutboxMessage
from tests.integration.test_celery_worker import _worker_env
from tests.integration.test_outbox import _fresh_connections, request_fee_change_over_the_api
from tests.integration.test_worker_killed import SilentMailServer, kill, start

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def embedded_broker(tmp_path):
    """This process publishes for real to a broker file in tmp_path, as the demo's web does."""
    (tmp_path / "broker").mkdir()
    url = f"sqla+sqlite:///{tmp_path / 'broker' / 'broker.sqlite3'}"
    conf = current_app.conf
    names = ("task_always_eager", "broker_url", "broker_transport_options",
             "task_default_queue")
    saved = [conf[name] for name in names]
    _fresh_connections()
    queue = f"test-{uuid.uuid4().hex[:8]}"  # no other worker takes these tasks
    conf.update(dict(zip(names, (False, url, {}, queue), strict=True)))
    with override_settings(CELERY_BROKER_URL=url):
        yield url, queue
    conf.update(dict(zip(names, saved, strict=True)))
    _fresh_connections()


def _messages(url):
    with sqlite3.connect(url.removeprefix("sqla+sqlite:///")) as db:
        return db.execute("SELECT visible FROM kombu_message ORDER BY id").fetchall()


def test_a_task_lost_with_its_killed_worker_is_queued_again_and_done_once(
        embedded_broker, tmp_path):
    url, queue = embedded_broker
    change = request_fee_change_over_the_api()
    message = OutboxMessage.objects.get(task="contracts.tasks.notify_fee_change_requested")
    assert message.sent_at is not None  # queued at commit
    assert message.attempts == 1
    assert _messages(url) == [(1,)]

    # 1. A worker on the embedded broker takes it and hangs talking to the mail server.
    env = _worker_env(tmp_path)
    env.update(REDIS_URL="", CELERY_BROKER_URL=url, CELERY_QUEUE=queue,
               EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
               EMAIL_HOST="127.0.0.1", EMAIL_TIMEOUT="0")
    server = SilentMailServer()
    env["EMAIL_PORT"] = str(server.port)
    first = start(env, tmp_path, beat=False)
    try:
        assert server.connected.wait(180), "the worker never reached the mail server"
    finally:
        logs = kill(first)
        server.close()
    assert _messages(url) == [(0,)], logs[0][-2000:]  # taken, never acked

    # 2. A new worker with a working mailer: the broker never hands the task out again.
    mailbox = tmp_path / "mail"
    env.update(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(mailbox))
    second = start(env, tmp_path, beat=False)
    try:
        time.sleep(8)  # time enough for the new worker to take anything the broker offers
        change.refresh_from_db()
        assert change.request_notified_at is None
        message.refresh_from_db()
        assert message.done_at is None

        # 3. The drain sees it was queued and never finished, and queues it again.
        with override_settings(OUTBOX_REDELIVER_AFTER=0):
            assert outbox.drain() == 1
        deadline = time.monotonic() + 300  # ends when done
        while time.monotonic() < deadline:
            message.refresh_from_db()
            if message.done_at is not None:
                break
            time.sleep(0.5)
        time.sleep(2)  # a double delivery would land in this window
        with override_settings(OUTBOX_REDELIVER_AFTER=0):
            assert outbox.drain() == 0  # done: never queued again
    finally:
        logs = kill(second)
    assert message.done_at is not None, logs[0][-3000:]
    assert message.attempts == 2
    change.refresh_from_db()
    assert change.request_notified_at is not None
    sent = [path.read_text() for path in mailbox.glob("*.log")]
    assert len(sent) == 1
    assert sent[0].count("Fee change requested on placement") == 1
    # Delivered messages stay in the file until pruned.
    assert sorted(_messages(url)) == [(0,), (0,)]
    assert broker_file.prune(older_than=datetime.timedelta(0)) == 2
    assert _messages(url) == []
