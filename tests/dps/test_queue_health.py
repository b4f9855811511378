"""Staff are told when background work stops moving; the demo's supervisor restarts children."""

import io
import sys
import time
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from dps.management.commands.rundemo import Supervisor
from dps.models import OutboxMessage
from reports.models import ExportJob

BANNER = "data-queue-stalled"


@pytest.fixture
def not_eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "memory://"


def _age(model, pk, minutes):
    model.objects.filter(pk=pk).update(created_at=timezone.now() - timedelta(minutes=minutes))


@pytest.mark.django_db
def test_an_outbox_message_waiting_eleven_minutes_shows_staff_a_banner(not_eager, client,
                                                                       commissioner):
    message = OutboxMessage.objects.create(task="dps.tasks.drain_outbox", args=[])
    client.force_login(commissioner)
    assert BANNER not in client.get("/dashboard/").content.decode()  # fresh: nothing to say

    from django.core.cache import cache

    cache.clear()
    _age(OutboxMessage, message.pk, 11)
    page = client.get("/dashboard/").content.decode()
    assert BANNER in page
    assert "messages waiting to be queued" in page


@pytest.mark.django_db
def test_an_export_stuck_in_the_queue_shows_the_banner_until_it_is_done(not_eager, client,
                                                                        commissioner):
    from django.core.cache import cache

    job = ExportJob.objects.create(requested_by=commissioner, kind="spend", format="csv")
    _age(ExportJob, job.pk, 15)
    client.force_login(commissioner)
    assert "exports waiting to be built" in client.get("/dashboard/").content.decode()

    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.DONE)
    cache.clear()
    assert BANNER not in client.get("/dashboard/").content.decode()


@pytest.mark.django_db
def test_providers_are_not_shown_the_operations_banner(not_eager, client, provider_user):
    message = OutboxMessage.objects.create(task="dps.tasks.drain_outbox", args=[])
    _age(OutboxMessage, message.pk, 30)
    client.force_login(provider_user)
    assert BANNER not in client.get("/portal/", follow=True).content.decode()


@pytest.mark.django_db
def test_a_broker_message_nobody_takes_is_noticed(not_eager, settings, tmp_path, client):
    import sqlite3

    path = tmp_path / "broker.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE kombu_message (id INTEGER PRIMARY KEY, visible BOOLEAN, "
                   "timestamp DATETIME, payload TEXT, version SMALLINT, queue_id INTEGER)")
        # kombu stamps rows with a naive datetime.now()
        stamp = datetime.now() - timedelta(minutes=20)  # noqa: DTZ005
        db.execute("INSERT INTO kombu_message (visible, timestamp, payload, version) "
                   "VALUES (1, ?, '{}', 1)", (stamp.isoformat(sep=" "),))
    settings.CELERY_BROKER_URL = f"sqla+sqlite:///{path}"
    from dps import queue_health

    assert queue_health.stalled() == ["tasks waiting for a worker"]


def test_the_supervisor_starts_a_dead_child_again(tmp_path):
    marker = tmp_path / "runs"
    # Each run appends a line, then dies at once: the supervisor must keep starting it.
    script = f"open({str(marker)!r}, 'a').write('x\\n'); import sys; sys.exit(3)"
    out = io.StringIO()
    supervisor = Supervisor({"worker": [sys.executable, "-c", script]},
                            log_path=tmp_path / "restarts.log", out=out)
    supervisor.start()
    try:
        for _ in range(200):
            if marker.exists() and marker.read_text().count("x") >= 2:
                break
            time.sleep(0.1)
    finally:
        supervisor.stop()
    assert marker.read_text().count("x") >= 2
    assert "worker exited with 3" in (tmp_path / "restarts.log").read_text()
    assert supervisor.restarts >= 1


def test_the_embedded_default_uses_a_broker_that_cannot_tear():
    import subprocess

    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE']='dps.settings'; "
            "from django.conf import settings; print(settings.CELERY_BROKER_URL)")
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "1", "SECRET_KEY": "x", "REDIS_URL": "",
           "DATABASE_URL": ""}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, check=True, timeout=300)
    assert result.stdout.strip().startswith("sqla+sqlite:////")
