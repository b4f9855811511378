"""A real Celery worker and beat, against Redis and the test database, close a round on time."""

import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from calloffs.models import CallOff
from dps.models import AuditEntry
from providers import services
from providers.models import AdmissionRound
from tests import factories as f
from tests.calloffs import factories as cf

# serialized_rollback: the migrations' data (the DPS and its lots) survives the flush.
pytestmark = [pytest.mark.postgres, pytest.mark.redis,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]
ROOT = Path(__file__).resolve().parents[2]
# How long after a deadline a freshly started worker may close it: start-up on a loaded machine.
STARTUP_SLACK = datetime.timedelta(minutes=2)


def _worker_env(tmp_path):
    db = connection.settings_dict
    env = os.environ.copy()
    env.update(
        DJANGO_SETTINGS_MODULE="dps.settings",
        SECRET_KEY="celery-integration-test",
        DEBUG="0",
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:"
                     f"{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=os.environ["REDIS_URL"],
        CELERY_TASK_ALWAYS_EAGER="0",
        CELERY_QUEUE=f"test-{uuid.uuid4().hex[:8]}",  # no other worker takes these tasks
        CELERY_BEAT_SCHEDULER="celery.beat:PersistentScheduler",
        SCHEDULE_TICK_SECONDS="1",
        VAR_DIR=str(tmp_path),
    )
    return env


def _run_until(tmp_path, done, timeout=300):
    """Start a real worker and beat; wait until done() is true; return the worker's log.

    The wait ends as soon as done() holds: its limit only stops a hung run, so it allows for a
    loaded machine starting Django and Celery slowly."""
    env = _worker_env(tmp_path)
    celery = [sys.executable, "-m", "celery", "-A", "dps"]
    processes = [
        subprocess.Popen([*celery, "worker", "-l", "info", "--concurrency", "1", "-Q",
                          env["CELERY_QUEUE"], "--without-gossip", "--without-mingle"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        subprocess.Popen([*celery, "beat", "-l", "info", "-s", str(tmp_path / "schedule")],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
    ]
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done():
            time.sleep(0.5)
    finally:
        for process in processes:
            process.terminate()
        logs = [process.communicate(timeout=120)[0].decode(errors="replace")
                for process in processes]
    return logs[0]


def test_worker_and_beat_close_a_calloff_at_its_deadline(tmp_path):
    calloff = cf.OpenCallOffFactory(deadline=timezone.now() + datetime.timedelta(seconds=6))

    def closed():
        calloff.refresh_from_db()
        return calloff.status != CallOff.Status.OPEN

    log = _run_until(tmp_path, closed)
    assert calloff.status == CallOff.Status.CLOSED, log[-3000:]
    # Not before the deadline; the slack after it is the worker's start-up on a loaded machine.
    assert calloff.deadline <= calloff.closed_at <= calloff.deadline + STARTUP_SLACK
    assert "calloffs.tasks.close_due_calloffs" in log


def test_worker_and_beat_close_a_round_on_time(tmp_path, dps_admin):
    now = timezone.now()
    round_ = services.create_round(
        by=dps_admin, dps=f.childrens_dps(), opens_at=now - datetime.timedelta(minutes=5),
        closes_at=now + datetime.timedelta(seconds=6),
    )
    application = f.SubmittedApplicationFactory(round=round_)
    assert round_.status == AdmissionRound.Status.OPEN

    def closed():
        round_.refresh_from_db()
        return round_.status != AdmissionRound.Status.OPEN

    log = _run_until(tmp_path, closed)
    assert round_.status == AdmissionRound.Status.CLOSED, log[-3000:]
    # Not before the deadline; the slack after it is the worker's start-up on a loaded machine.
    assert round_.closes_at <= round_.closed_at <= round_.closes_at + STARTUP_SLACK
    assert "providers.tasks.close_due_rounds" in log
    application.refresh_from_db()
    assert application.evaluation_due is not None
    entry = AuditEntry.objects.get(action="admissionround.close", object_id=round_.pk)
    assert entry.actor is None
    assert (entry.from_state, entry.to_state) == ("open", "closed")
