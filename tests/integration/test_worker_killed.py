"""Faults: a worker killed in the middle of a task (here: stuck sending an e-mail to a mail
server that never answers) loses nothing and doubles nothing. Tasks are acks_late, so the
broker hands the task out again after the visibility timeout; the restarted worker sends the
e-mail once, because the claim that marks it sent rolled back with the killed transaction."""

import datetime
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.utils import timezone

from dps.models import OutboxMessage
from tests.integration.test_celery_worker import ROOT, _worker_env
from tests.integration.test_outbox import (  # noqa: F401 - a fixture
    redis_down,
    request_fee_change_over_the_api,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


class SilentMailServer:
    """Accepts SMTP connections and never says a word: the sender waits."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.connected = threading.Event()
        self.held = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(connection)
            self.connected.set()

    def close(self):
        for connection in self.held:
            connection.close()
        self.sock.close()


def start(env, tmp_path, beat=True):
    celery = [sys.executable, "-m", "celery", "-A", "dps"]
    processes = [subprocess.Popen(
        [*celery, "worker", "-l", "info", "--concurrency", "1", "-Q", env["CELERY_QUEUE"],
         "--without-gossip", "--without-mingle"], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)]
    if beat:
        processes.append(subprocess.Popen(
            [*celery, "beat", "-l", "info", "-s", str(tmp_path / "schedule")], cwd=ROOT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True))
    return processes


def kill(processes):
    for process in processes:
        os.killpg(process.pid, signal.SIGKILL)  # the worker and its pool child, no goodbye
    return [process.communicate(timeout=120)[0].decode(errors="replace")
            for process in processes]


def test_a_worker_killed_mid_task_finishes_it_on_restart_once(redis_down, tmp_path):  # noqa: F811
    change = request_fee_change_over_the_api()
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))

    # 1. Beat drains the outbox; the worker takes the task and hangs talking to the server.
    server = SilentMailServer()
    env = _worker_env(tmp_path)
    env.update(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
               EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(server.port), EMAIL_TIMEOUT="0",
               CELERY_VISIBILITY_TIMEOUT="4")
    first = start(env, tmp_path)
    try:
        assert server.connected.wait(300), "the worker never reached the mail server"
    finally:
        logs = kill(first)
        server.close()
    change.refresh_from_db()
    assert change.request_notified_at is None, logs[0][-2000:]  # the claim rolled back

    # 2. Once the visibility timeout (4 s here) has passed, a new worker — no beat, so nothing
    # but the broker can hand the task out again — finds it at start-up, with a working mailer.
    time.sleep(5)
    mailbox = tmp_path / "mail"
    env.update(EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
               EMAIL_FILE_PATH=str(mailbox))
    second = start(env, tmp_path, beat=False)
    try:
        deadline = time.monotonic() + 300  # ends when notified
        while time.monotonic() < deadline:
            change.refresh_from_db()
            if change.request_notified_at is not None:
                break
            time.sleep(0.5)
        time.sleep(2)  # a double delivery would land in this window
    finally:
        logs = kill(second)
    assert change.request_notified_at is not None, logs[0][-3000:]
    sent = [path.read_text() for path in mailbox.glob("*.log")]
    assert len(sent) == 1
    assert sent[0].count("Fee change requested on placement") == 1
