"""Write the audit trail. Called by services inside their transaction, never after it."""

import threading
from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from dps.models import AuditEntry


def record(obj, action, *, by, from_state="", to_state="", reason="", data=None):
    actor = by if getattr(by, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        data=data or {},
    )


def record_many(items, action, *, by, to_state_of=None, data_of=None):
    """One entry per object, written in one statement (a batch of invoices): the same
    entries `record` would write one by one, sent as plain rows (COPY on PostgreSQL: a month's
    9,000 invoices' entries through the ORM cost seconds). Returns how many were written."""
    from django.utils import timezone

    from dps.bulk import insert_rows

    actor = by.pk if getattr(by, "is_authenticated", False) else None
    now, rows, types = timezone.now(), [], {}
    for obj in items:
        model = type(obj)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(obj, for_concrete_model=True).pk
        rows.append((now, actor, types[model], obj.pk, str(obj)[:200], action, "",
                     (to_state_of(obj) if to_state_of else "") or "", "",
                     (data_of(obj) if data_of else None) or {}))
    return insert_rows(AuditEntry, ("at", "actor", "content_type", "object_id", "object_repr",
                                    "action", "from_state", "to_state", "reason", "data"), rows)


_purge = threading.local()


def purging():
    return getattr(_purge, "active", False)


@contextmanager
def purge():
    """Allow deleting audit rows inside this block: only for resetting a seeded benchmark
    database (seed_scale --reset and friends), never in the product's own flows.

    On PostgreSQL the trigger also checks a transaction-local setting, set here."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('dps.audit_purge', 'on', true)")
        _purge.active = True
        try:
            yield
        finally:
            _purge.active = False
            # Local to the transaction, which may be an outer one: switch it off again.
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('dps.audit_purge', 'off', true)")
