"""Two beat runs of every scheduled task at once double nothing: no state change audited
twice, no e-mail sent twice, no outbox message queued twice. The tasks come from the beat
schedule itself, so a new scheduled task is covered (and must find work in `due_world`)."""

import datetime
import sqlite3
import threading
from collections import Counter

import pytest
from celery import current_app
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu import Connection

from dps.models import AuditEntry, OutboxMessage
from monitoring.models import KpiReturn, ReassessmentTrigger
from referrals.models import Child
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.documents import factories as df
from tests.monitoring import factories as mf
from tests.sufficiency import factories as sv

pytestmark = [pytest.mark.postgres,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TASKS = sorted({entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()})


def due_world():
    """Something due for every scheduled task, with people to tell."""
    now, today = timezone.now(), timezone.localdate()
    authority = f.AuthorityFactory()
    f.CommissionerFactory(organisation=authority, email="commissioner@example.org")
    f.DpsAdminFactory(email="admin@example.org")
    f.RoundFactory(opens_at=now - datetime.timedelta(minutes=1))
    f.OpenRoundFactory(closes_at=now - datetime.timedelta(minutes=1))
    cf.OpenCallOffFactory(deadline=now - datetime.timedelta(minutes=1))
    f.SuspendedMembershipFactory(suspended_until=today - datetime.timedelta(days=1))
    pf.PendingPlacementFactory(authority=authority, start_date=today)
    pf.PlacementFactory(authority=authority, start_date=today - datetime.timedelta(days=40))
    OutboxMessage.objects.create(task="contracts.tasks.apply_placement_dates", args=[])
    OutboxMessage.objects.update(created_at=now - datetime.timedelta(minutes=5))
    old = cf.ChildFactory(authority=authority)
    Child.objects.filter(pk=old.pk).update(created_at=now - datetime.timedelta(days=365 * 12))
    pf.EndedPlacementFactory(child=old, authority=authority,
                             start_date=datetime.date(2014, 1, 1),
                             end_date=datetime.date(2015, 1, 1))
    kpi = mf.KpiFactory()
    f.AdmittedMembershipFactory(lot=kpi.lot)
    mf.LateKpiReturnFactory(lot=kpi.lot)
    mf.OverdueAssessmentFactory()
    mf.OverdueActionItemFactory()
    # An excluded supplier still a member of a dynamic market under the Act (s.37).
    f.DebarmentFactory(organisation=f.AdmittedMembershipFactory().provider)
    # A dynamic market under the Act that ended a month ago: its notices are overdue, so the
    # notices task raises them, marks them overdue and tells the council, once (ADR 0020).
    f.DpsFactory(regime="pa2023_dynamic_market", lead_authority=authority,
                 starts_on=today - datetime.timedelta(days=400),
                 ends_on=today - datetime.timedelta(days=30))
    # Certificates: one expiring within the reminder window, one lapsed.
    for days in (10, -1):
        df.CertificateFactory(expires_on=today + datetime.timedelta(days=days))
    # A vacancy on day 12 of its 14, whose provider is asked to confirm it.
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    f.ProviderUserFactory(organisation=member.provider, email="homes@example.org")
    sv.vacancy(member, confirmed_days_ago=12)


BROKER = {}


def embedded_broker_world(tmp_path, settings):
    """A broker file like the demo's, holding a message delivered two hours ago (kombu writes
    it: a real put, get and ack)."""
    url = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    with Connection(url) as conn:
        queue = conn.SimpleQueue("scheduled-twice")
        queue.put({"task": "done long ago"})
        queue.get(timeout=10).ack()
        queue.close()
    BROKER["path"] = tmp_path / "broker.sqlite3"
    with sqlite3.connect(BROKER["path"]) as db:
        db.execute("UPDATE kombu_message SET timestamp = ?",
                    ((datetime.datetime.now() - datetime.timedelta(hours=2)).isoformat(" "),))
    settings.CELERY_BROKER_URL = url


def _broker_rows():
    if not BROKER.get("path"):
        return 0
    with sqlite3.connect(BROKER["path"]) as db:
        return db.execute("SELECT COUNT(*) FROM kombu_message").fetchone()[0]


def effects():
    return (AuditEntry.objects.count() + len(mail.outbox) + KpiReturn.objects.count()
            + ReassessmentTrigger.objects.count()
            + OutboxMessage.objects.filter(sent_at__isnull=False).count()
            - _broker_rows())  # rows pruned from the embedded broker count as work done


def twice_at_once(task):
    current_app.loader.import_default_modules()  # as a worker does: every app's tasks
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            current_app.tasks[task].apply(throw=True)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)  # a hang, not a slow machine
    assert errors == []


def test_every_scheduled_task_is_listed():
    assert len(TASKS) >= 12


@pytest.mark.parametrize("task", TASKS)
def test_two_runs_at_once_double_nothing(task, tmp_path, settings):
    BROKER.clear()
    due_world()
    embedded_broker_world(tmp_path, settings)
    mail.outbox = []
    before = effects()

    twice_at_once(task)

    assert effects() > before, f"{task} found nothing to do: give it work in due_world()"
    audited = Counter(AuditEntry.objects.values_list(
        "content_type_id", "object_id", "action", "to_state"))
    assert [key for key, n in audited.items() if n > 1] == []
    sent = Counter((tuple(m.to), m.subject, m.body) for m in mail.outbox)
    assert [key[:2] for key, n in sent.items() if n > 1] == []
    assert not OutboxMessage.objects.filter(attempts__gt=1).exists()
