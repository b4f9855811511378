"""Retention of children's identity, and the subject-access export (ADR 0013).

A child's identity (names, date of birth, case reference, postcode) is kept while it is in use
and for `CHILD_IDENTITY_RETENTION_YEARS` after the last placement ended; then a daily task
clears it. The anonymised records (referrals, call-offs, placements, fees) stay: spend and
market reports need them and they say nothing about who the child was.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dps import audit
from referrals.models import Child, Referral


def years_before(day, years):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def due_for_clearing(today=None):
    from contracts.models import Placement

    today = today or timezone.localdate()
    cutoff = years_before(today, settings.CHILD_IDENTITY_RETENTION_YEARS)
    cutoff_at = timezone.make_aware(datetime.datetime.combine(cutoff, datetime.time.min))
    recent_placement = Placement.objects.filter(child=OuterRef("pk")).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=cutoff)
        | ~Q(status=Placement.Status.ENDED))
    recent_referral = Referral.objects.filter(child=OuterRef("pk")).filter(
        Q(created_at__gte=cutoff_at) | Q(status=Referral.Status.DRAFT))
    return (Child.objects.filter(identity_cleared_at__isnull=True, created_at__lt=cutoff_at)
            .exclude(Exists(recent_placement)).exclude(Exists(recent_referral)))


def clear_identity(child, *, by=None, reason="retention period over"):
    """Clear one child's identity in place (audited); the row and its links stay."""
    child.first_name = ""
    child.last_name = ""
    child.date_of_birth = None
    child.postcode = ""
    # The digest of a cleared reference must not collide with another cleared child's.
    child.case_reference = f"cleared-{child.pk}"
    child.identity_cleared_at = timezone.now()
    child.save()
    audit.record(child, "child.identity_cleared", by=by, reason=reason)
    return child


def clear_expired_identities(today=None):
    """The scheduled task's work: each due child in its own transaction, rows other workers
    hold are skipped, so two runs at once clear each child once."""
    cleared = 0
    for pk in list(due_for_clearing(today).values_list("pk", flat=True)):
        with transaction.atomic():
            child = (Child.objects.select_for_update(skip_locked=True)
                     .filter(pk=pk, identity_cleared_at__isnull=True).first())
            if child is None:
                continue
            clear_identity(child)
            cleared += 1
    return cleared
