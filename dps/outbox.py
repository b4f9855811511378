"""Queue Celery tasks through the outbox table (dps.models.OutboxMessage): a web request still
succeeds when Redis is down, and what it asked to send goes out once Redis is back.

Each message is queued under the task id `outbox-<pk>-<attempt>`; when a worker finishes it
(success, or failure for good) `mark_done` stamps `done_at`. A message queued but never
finished — its worker was killed mid-task — is queued again by `drain` once it has waited
`OUTBOX_REDELIVER_AFTER` seconds, at most `OUTBOX_MAX_ATTEMPTS` times. Redis hands such a task
out again by itself (acks_late and its visibility timeout); kombu's SQLAlchemy transport, the
embedded default, never does, so without this a killed worker lost the task. The tasks are
idempotent (each claims what it sends), so a second delivery sends nothing twice.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dps.models import OutboxMessage

log = logging.getLogger(__name__)

TASK_ID_PREFIX = "outbox-"


def enqueue(task, *args):
    """Inside the caller's transaction: record the task, and queue it right after commit."""
    message = OutboxMessage.objects.create(task=task.name, args=list(args))
    transaction.on_commit(lambda: publish(message.pk))
    return message


def publish(pk):
    """Queue one message now if it is still pending; on a broker failure put it back.

    The row is claimed (sent_at set) in its own short transaction first, so two publishers
    never both queue it, and the broker call runs outside any transaction."""
    with transaction.atomic():
        claimed = (OutboxMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, sent_at__isnull=True, done_at__isnull=True).first())
        if claimed is None:
            return False
        claimed.sent_at = timezone.now()
        claimed.attempts += 1
        claimed.save(update_fields=["sent_at", "attempts"])
    try:
        # No publish retries here: a down broker must not hold the web request; the drain
        # task retries.
        task = current_app.tasks.get(claimed.task)
        if task is None:  # a process that has not imported every app's tasks yet
            current_app.loader.import_default_modules()
            task = current_app.tasks[claimed.task]
        task.apply_async(args=claimed.args, retry=False,
                         task_id=f"{TASK_ID_PREFIX}{claimed.pk}-{claimed.attempts}")
    except Exception as exc:  # noqa: BLE001 - any broker failure: keep it for the drain
        OutboxMessage.objects.filter(pk=pk).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("outbox: could not queue %s (attempt %s): %s", claimed.task,
                    claimed.attempts, exc)
        return False
    return True


def message_id(task_id):
    """The outbox row a task id names, or None for a task queued some other way."""
    if not task_id or not str(task_id).startswith(TASK_ID_PREFIX):
        return None
    pk, _sep, _attempt = str(task_id).removeprefix(TASK_ID_PREFIX).partition("-")
    return int(pk) if pk.isdigit() else None


def mark_done(task_id):
    """A worker finished the task (Celery's task_postrun, dps/apps.py)."""
    pk = message_id(task_id)
    if pk is not None:
        OutboxMessage.objects.filter(pk=pk, done_at__isnull=True).update(done_at=timezone.now())


def redeliver(older_than_seconds=None, limit=500):
    """Put back, for `drain`, the messages queued long ago and never finished."""
    wait = settings.OUTBOX_REDELIVER_AFTER if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=wait)
    stale = Q(sent_at__lte=cutoff, done_at__isnull=True)
    pks = list(OutboxMessage.objects.filter(stale, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
               .order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in pks:
        if OutboxMessage.objects.filter(stale, pk=pk).update(sent_at=None):
            log.warning("outbox: message %s was queued but never finished; queueing it again",
                        pk)
    return pks


def drain(older_than_seconds=30, limit=500):
    """Queue what is still pending (run by beat), and again what was queued but never
    finished. Messages younger than `older_than_seconds` are left to their own on-commit
    publish."""
    redelivered = redeliver(limit=limit)
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(OutboxMessage.objects.filter(
        Q(created_at__lte=cutoff) | Q(pk__in=redelivered), sent_at__isnull=True,
        done_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in pending if publish(pk))
