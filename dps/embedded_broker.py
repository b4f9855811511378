"""The embedded broker: kombu's SQLAlchemy transport on a SQLite file (settings, ADR 0004).

Read and pruned here with sqlite3 directly: kombu keeps each delivered message as a row with
`visible = 0` and never deletes it, so the file grows by one row per task; and a message
nobody has taken yet (`visible = 1`) is what the queue-health banner looks at. kombu stamps its
rows with `datetime.now()`: naive local time.
"""

import sqlite3
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

PREFIX = "sqla+sqlite:///"


def path():
    """The broker file, or None when the broker is not the embedded one."""
    url = settings.CELERY_BROKER_URL or ""
    return url.removeprefix(PREFIX) if url.startswith(PREFIX) else None


def oldest_waiting():
    """When the oldest message nobody has taken was queued (aware), or None."""
    file = path()
    if file is None:
        return None
    try:
        with sqlite3.connect(f"file:{file}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute("SELECT MIN(timestamp) FROM kombu_message WHERE visible = 1")\
                .fetchone()
    except sqlite3.Error:  # no broker file or table yet: nothing queued
        return None
    if not row or not row[0]:
        return None
    stamp = datetime.fromisoformat(str(row[0]))
    return stamp if timezone.is_aware(stamp) else stamp.astimezone()


def prune(older_than=timedelta(hours=1)):
    """Delete delivered messages older than `older_than`; the number deleted."""
    file = path()
    if file is None:
        return 0
    cutoff = (datetime.now() - older_than).isoformat(sep=" ")
    try:
        with sqlite3.connect(file, timeout=10) as db:
            return db.execute("DELETE FROM kombu_message WHERE visible = 0 AND timestamp < ?",
                              (cutoff,)).rowcount
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return 0
        raise
