"""seed_calloffs: the benchmark's call-offs keep to the services' rules, written as plain rows
(COPY on PostgreSQL, multi-row INSERTs on SQLite) with ids reserved beforehand; on PostgreSQL
the foreign keys and indexes set aside during the load are all back afterwards."""

import io

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from dps.models import AuditEntry
from providers.models import Membership
from referrals.crypto import reference_digest
from referrals.models import Child, Referral

pytestmark = pytest.mark.django_db

CALLOFFS = 150
Status = CallOff.Status


def schema():
    """Foreign keys and indexes of the tables the command fills (PostgreSQL)."""
    if connection.vendor != "postgresql":
        return None
    tables = [m._meta.db_table for m in (Child, Referral, Referral.needs.through, CallOff,
                                         Invitation, ExpressionOfInterest, Question,
                                         AuditEntry)]
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1", [tables])
        keys = cursor.fetchall()
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes "
                       "WHERE tablename = ANY(%s) ORDER BY 1", [tables])
        return keys, cursor.fetchall()


@pytest.fixture
def seeded():
    call_command("seed_scale", providers=20, authorities=8, stdout=io.StringIO())
    before = schema()
    out = io.StringIO()
    call_command("seed_calloffs", calloffs=CALLOFFS, stdout=out)
    return out.getvalue(), before


def test_seeds_the_volume_and_prints_each_step(seeded):
    out, _ = seeded
    assert CallOff.objects.count() == Referral.objects.count() == Child.objects.count() == \
        CALLOFFS
    assert f"Seeded {CALLOFFS} call-offs" in out
    for step in ("planned", "invitations", "audit entries", "committed"):
        assert step in out
    assert Referral.needs.through.objects.count() >= CALLOFFS
    assert ExpressionOfInterest.objects.exists()
    assert Question.objects.exists()


def test_foreign_keys_and_indexes_are_all_back(seeded):
    _, before = seeded
    assert schema() == before


def test_children_are_encrypted_and_found_by_their_digest(seeded):
    child = Child.objects.order_by("pk").first()
    assert child.case_reference.startswith("SCALE-")
    assert child.case_reference_digest == reference_digest(child.case_reference)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT case_reference FROM {Child._meta.db_table} WHERE id = %s",
                       [child.pk])
        assert "SCALE-" not in cursor.fetchone()[0]  # ciphertext at rest
    assert Referral.objects.filter(child=child).count() == 1


def test_invitations_and_offers_keep_to_the_rules(seeded):
    invited = dict(Invitation.objects.values("calloff").annotate(n=Count("pk"))
                   .values_list("calloff", "n"))
    for calloff in CallOff.objects.select_related("referral", "lot"):
        assert calloff.invited_count == invited.get(calloff.pk, 0)
        assert calloff.referral.lot_id == calloff.lot_id
        assert calloff.published_at < calloff.deadline
    for invitation in Invitation.objects.select_related("membership", "calloff")[:500]:
        assert invitation.membership.provider_id == invitation.provider_id
        assert invitation.membership.lot_id == invitation.calloff.lot_id
        assert invitation.membership.admitted_at <= invitation.invited_at
    pairs = set(Invitation.objects.values_list("calloff", "provider"))
    caps = {(m.provider_id, m.lot_id): m.price_cap for m in Membership.objects.all()}
    for eoi in ExpressionOfInterest.objects.select_related("calloff"):
        assert (eoi.calloff_id, eoi.provider_id) in pairs
        assert eoi.submitted_at <= eoi.calloff.deadline
        assert eoi.offered_price <= caps[(eoi.provider_id, eoi.calloff.lot_id)]


def test_an_award_is_of_a_live_offer_on_the_same_calloff(seeded):
    awarded = CallOff.objects.filter(status=Status.AWARDED).select_related("recommended_eoi")
    assert awarded.exists()
    for calloff in awarded:
        winner = calloff.recommended_eoi
        assert winner.calloff_id == calloff.pk
        assert winner.status == ExpressionOfInterest.Status.SUBMITTED
        assert winner.outcome == ExpressionOfInterest.Outcome.AWARDED
        assert calloff.eois.filter(outcome=ExpressionOfInterest.Outcome.AWARDED).count() == 1
        assert calloff.approved_at
        assert calloff.award_value
    assert not CallOff.objects.filter(status=Status.OPEN, recommended_eoi__isnull=False).exists()


def test_audit_rows_point_at_seeded_rows(seeded):
    kind = ContentType.objects.get_for_model(CallOff)
    published = set(AuditEntry.objects.filter(content_type=kind, action="calloff.published")
                    .values_list("object_id", flat=True))
    assert published == set(CallOff.objects.values_list("pk", flat=True))
    eoi_kind = ContentType.objects.get_for_model(ExpressionOfInterest)
    submitted = AuditEntry.objects.filter(content_type=eoi_kind, action="eoi.submitted")
    assert submitted.count() == ExpressionOfInterest.objects.count()


def test_refuses_a_second_run_and_reset_seeds_again(seeded):
    with pytest.raises(CommandError, match="already run"):
        call_command("seed_calloffs", calloffs=CALLOFFS, stdout=io.StringIO())
    call_command("seed_calloffs", calloffs=40, reset=True, stdout=io.StringIO())
    assert CallOff.objects.count() == Child.objects.count() == 40
    # A row made the ordinary way after the reserved ids takes a fresh one (the sequence moved).
    child = Child.objects.create(authority=Child.objects.first().authority, first_name="A",
                                 last_name="B", case_reference="NEW-1")
    assert child.pk > Child.objects.exclude(pk=child.pk).order_by("-pk").first().pk
