"""Queue Celery tasks through the outbox table (dps.models.OutboxMessage): a web request still
succeeds when Redis is down, and what it asked to send goes out once Redis is back."""

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from dps.models import OutboxMessage

log = logging.getLogger(__name__)


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
                   .filter(pk=pk, sent_at__isnull=True).first())
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
        task.apply_async(args=claimed.args, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker failure: keep it for the drain
        OutboxMessage.objects.filter(pk=pk).update(
            sent_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
        log.warning("outbox: could not queue %s (attempt %s): %s", claimed.task,
                    claimed.attempts, exc)
        return False
    return True


def drain(older_than_seconds=30, limit=500):
    """Queue what is still pending (run by beat). Messages younger than `older_than_seconds`
    are left to their own on-commit publish."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lte=cutoff)
                   .order_by("pk").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in pending if publish(pk))
