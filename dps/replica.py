"""Report reads on a read replica (issue 19, ADR 0024).

Long report statements (spend, market insight, exports) on the primary hold back vacuum there
and compete with the requests that write. When `DATABASE_REPLICA_URL` is set, the settings add a
`replica` alias and `REPORTS_ON_REPLICA`; code marked with `report_reads()` (a context manager,
or `@report_reads()` on a view) then reads from it. Everything else, every write and every
`select_for_update`, stays on `default`. A replica lags a little behind: reports tolerate that,
a page that has just written and reads its own write does not, so only reports are marked."""

from contextlib import ContextDecorator
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reading = ContextVar("report_reads", default=False)


class report_reads(ContextDecorator):  # noqa: N801 - used like a function
    """Within it, reads go to the replica when one is configured."""

    def __enter__(self):
        self._token = _reading.set(True)
        return self

    def __exit__(self, *exc):
        _reading.reset(self._token)
        return False


def replica_in_use():
    return (_reading.get() and getattr(settings, "REPORTS_ON_REPLICA", False)
            and REPLICA in connections.settings)


def report_connection():
    """The connection for a report's own SQL (a raw cursor bypasses the router): the replica
    inside `report_reads()` when one is configured, else the primary."""
    return connections[REPLICA if replica_in_use() else DEFAULT_DB_ALIAS]


class ReplicaRouter:
    """Reads inside `report_reads()` to the replica; all else Django's default choice."""

    def db_for_read(self, model, **hints):
        return REPLICA if replica_in_use() else None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both aliases

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary; it is never migrated
