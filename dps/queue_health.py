"""Is the background work moving? Staff see a banner when queued work has waited too long.

A dead worker or broker is otherwise silent: exports stay "Queued 0%", invitations "waiting to
be sent" and deadlines do not close. Each probe returns the oldest item still waiting (or None);
apps register their own probes (the kernel imports no app), e.g. reports' export jobs.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)

STALL_AFTER = timedelta(minutes=10)
CACHE_KEY = "dps:queue-health"
CACHE_SECONDS = 60  # one cheap look a minute per process, not per page

_probes = {}


def register(label, probe):
    """`probe()` returns the time the oldest waiting item was queued, or None."""
    _probes[label] = probe


def _oldest_outbox():
    from dps.models import OutboxMessage

    return (OutboxMessage.objects.filter(sent_at__isnull=True).order_by("created_at")
            .values_list("created_at", flat=True).first())


def _oldest_broker_message():
    """The embedded broker (kombu's SQLAlchemy transport): a message nobody has taken."""
    from dps import embedded_broker

    return embedded_broker.oldest_waiting()


register("messages waiting to be queued", _oldest_outbox)
register("tasks waiting for a worker", _oldest_broker_message)


def stalled(now=None):
    """The labels of the kinds of work that have waited longer than STALL_AFTER."""
    if settings.CELERY_TASK_ALWAYS_EAGER:  # tasks run in the request: nothing can wait
        return []
    now = now or timezone.now()
    found = []
    for label, probe in _probes.items():
        try:
            oldest = probe()
        except Exception:  # noqa: BLE001 - a probe must never break a page
            log.exception("queue health: probe %r failed", label)
            continue
        if oldest is not None and now - oldest > STALL_AFTER:
            found.append(label)
    return found


def stalled_cached():
    found = cache.get(CACHE_KEY)
    if found is None:
        found = stalled()
        cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found
