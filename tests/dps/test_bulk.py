"""dps.bulk.insert_rows: what goes in by COPY (or executemany) reads back exactly."""
import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from dps.bulk import insert_rows
from dps.models import AuditEntry, Organisation
from tests import factories as f

pytestmark = pytest.mark.django_db

FIELDS = ("at", "actor", "content_type", "object_id", "object_repr", "action", "from_state",
          "to_state", "reason", "data")


def test_rows_read_back_exactly_with_awkward_text_nulls_and_json():
    user = f.UserFactory()
    kind = ContentType.objects.get_for_model(Organisation)
    at = datetime.datetime(2026, 3, 29, 0, 30, 15, 123456, tzinfo=datetime.UTC)
    awkward = "tab\there, new\nline, back\\slash, carriage\rreturn, \\N not null, ünïcode"
    rows = [(at, user.pk, kind.pk, 7, awkward, "seeded", "", "open", "", {"k": [1, "\t"]}),
            (at + datetime.timedelta(days=1), None, kind.pk, 8, "plain", "seeded", "a", "b",
             "why", {})]

    assert insert_rows(AuditEntry, FIELDS, iter(rows), batch=1) == 2

    stored = list(AuditEntry.objects.filter(action="seeded").order_by("object_id").values_list(
        *[name if name not in ("actor", "content_type") else f"{name}_id" for name in FIELDS]))
    assert stored == rows


def test_no_rows_writes_nothing():
    assert insert_rows(AuditEntry, FIELDS, iter([])) == 0
    assert not AuditEntry.objects.filter(action="seeded").exists()


@pytest.mark.parametrize("extra", [0, 500])
def test_any_of_matches_an_in_list_short_or_long(extra):
    """Long lists go as one array parameter on PostgreSQL; either way the same rows."""
    from dps.bulk import any_of

    orgs = [f.ProviderOrgFactory() for _ in range(3)]
    ids = [org.pk for org in orgs] + [10**9 + n for n in range(extra)]
    found = Organisation.objects.filter(pk__in=any_of(ids)).values_list("pk", flat=True)
    assert sorted(found) == sorted(org.pk for org in orgs)
    assert not Organisation.objects.filter(pk__in=any_of([])).exists()


def _schema(table):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = %s::regclass ORDER BY 1", [table])
        keys = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
                       "ORDER BY 1", [table])
        return keys, cursor.fetchall()


def _audit_row(actor_id):
    kind = ContentType.objects.get_for_model(Organisation)
    at = datetime.datetime(2026, 3, 29, tzinfo=datetime.UTC)
    return (at, actor_id, kind.pk, 1, "repr", "seeded", "", "", "", {})


@pytest.mark.postgres
def test_bulk_load_sets_keys_and_indexes_aside_and_puts_them_back():
    from django.db import transaction

    from dps.bulk import bulk_load

    table = AuditEntry._meta.db_table
    before = _schema(table)
    user = f.UserFactory()
    with transaction.atomic(), bulk_load([AuditEntry]):
        during = _schema(table)
        insert_rows(AuditEntry, FIELDS, [_audit_row(user.pk)] * 3)
    def foreign(schema):
        return [name for name, definition in schema[0] if definition.startswith("FOREIGN KEY")]

    assert len(foreign(before)) == 2  # actor and content type
    assert foreign(during) == []  # set aside; the primary key and checks stay
    assert "dps_auditentry_pkey" in [name for name, _ in during[0]]
    assert len(during[1]) == 1  # only the primary key's index stays (no unique ones here)
    assert _schema(table) == before
    assert AuditEntry.objects.filter(action="seeded").count() == 3


@pytest.mark.postgres
def test_bulk_load_still_refuses_a_dangling_key_when_it_puts_the_key_back():
    from django.db import IntegrityError, transaction

    from dps.bulk import bulk_load

    table = AuditEntry._meta.db_table
    before = _schema(table)
    with pytest.raises(IntegrityError), transaction.atomic(), bulk_load([AuditEntry]):
        insert_rows(AuditEntry, FIELDS, [_audit_row(987_654_321)])  # no such user
    assert _schema(table) == before
    assert not AuditEntry.objects.filter(action="seeded").exists()


def test_bulk_load_needs_the_loading_transaction_on_postgresql():
    from django.db import connection

    from dps.bulk import bulk_load

    if connection.vendor != "postgresql":
        with bulk_load([AuditEntry]):  # elsewhere it changes nothing
            insert_rows(AuditEntry, FIELDS, [_audit_row(None)])
        assert AuditEntry.objects.filter(action="seeded").count() == 1
        return
    # A test always runs inside its transaction: a caller outside one is simulated.
    saved = connection.in_atomic_block
    connection.in_atomic_block = False
    try:
        with pytest.raises(RuntimeError, match="transaction"), bulk_load([AuditEntry]):
            pass
    finally:
        connection.in_atomic_block = saved
