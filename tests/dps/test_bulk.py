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
