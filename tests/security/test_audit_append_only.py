"""The audit trail is append-only: the ORM, the admin and (on PostgreSQL) the database itself
refuse to change or remove an entry. Each test fails if its guard is taken away."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models.deletion import ProtectedError
from django.db.utils import DatabaseError

from dps import audit
from dps.errors import AuditImmutable
from dps.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(commissioner):
    return audit.record(commissioner.organisation, "organisation.checked", by=commissioner,
                        reason="first words")


def test_an_entry_cannot_be_saved_again(entry):
    entry.reason = "rewritten"
    with pytest.raises(AuditImmutable):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "first words"


def test_an_entry_cannot_be_deleted(entry):
    with pytest.raises(AuditImmutable):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_querysets_refuse_update_and_delete(entry):
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(AuditImmutable):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).reason == "first words"


def test_deleting_the_actor_is_refused_rather_than_rewriting_history(entry, commissioner):
    with pytest.raises(ProtectedError):
        commissioner.delete()
    assert AuditEntry.objects.get(pk=entry.pk).actor_id == commissioner.pk


def test_the_admin_offers_no_add_change_or_delete(admin_client, entry):
    base = "/admin/dps/auditentry/"
    assert admin_client.get(base + "add/").status_code == 403
    assert admin_client.post(base + f"{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(base + f"{entry.pk}/change/", {"reason": "rewritten"})
    assert response.status_code in {302, 403}
    assert AuditEntry.objects.get(pk=entry.pk).reason == "first words"


def test_purge_is_the_only_way_to_delete(entry):
    with audit.purge():
        deleted, _ = AuditEntry.objects.filter(pk=entry.pk).delete()
    assert deleted == 1
    assert not audit.purging()


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "UPDATE dps_auditentry SET reason = 'rewritten' WHERE id = %s",
    "DELETE FROM dps_auditentry WHERE id = %s",
])
def test_postgresql_refuses_raw_changes(entry, sql):
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).reason == "first words"


@pytest.mark.postgres
def test_postgresql_allows_the_purge_only_inside_it(entry):
    other = AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(entry), object_id=1,
        object_repr="x", action="x.made")
    with audit.purge(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM dps_auditentry WHERE id = %s", [other.pk])
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM dps_auditentry WHERE id = %s", [entry.pk])
    assert list(AuditEntry.objects.values_list("pk", flat=True)) == [entry.pk]


def test_new_entries_are_still_written(commissioner):
    before = AuditEntry.objects.count()
    audit.record(commissioner.organisation, "organisation.checked", by=commissioner)
    assert AuditEntry.objects.count() == before + 1
