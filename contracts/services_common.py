"""Shared helpers of the placement services: locks, checks, values, prices, agreements."""

import hashlib
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from contracts import rules
from contracts.models import (
    AgreementVersion,
    Approval,
    FeePeriod,
    Placement,
)
from dps import audit, outbox
from dps.approvals import commitment_value, term_days
from dps.errors import InvalidTransition, NotFound, RuleViolation
from dps.transitions import move
from providers.models import PriceUnit
from reports.summary import follow


def _after_commit(task, *args):
    outbox.enqueue(task, *args)


def _invalid(field, message, detail=None):
    return RuleViolation(detail or message, code="invalid", fields={field: [message]})


def _lock(placement):
    return Placement.objects.select_for_update(of=("self",)).select_related(
        "lot", "lot__dps", "authority", "provider", "child").get(pk=placement.pk)


def _require_authority(placement, by):
    """Commissioners act on their own authority's placements; others do not see them."""
    if by is None or by.organisation_id != placement.authority_id:
        raise NotFound()


def _require_provider(placement, by):
    if by is None or placement.provider_id is None or \
            by.organisation_id != placement.provider_id:
        raise NotFound()


def _require_not_ended(placement, doing):
    if placement.status == Placement.Status.ENDED:
        raise InvalidTransition(f"You cannot {doing} an ended placement.")


def _require_approved(placement, doing):
    """The price a budget holder approves is the price: it changes once they have."""
    if placement.approval != Approval.APPROVED:
        raise InvalidTransition(f"You cannot {doing} a placement awaiting approval: a budget "
                                f"holder approves it at its agreed price first.")


# --- Values (what a budget holder approves) ---------------------------------------------------

def placement_value(*, price, unit, start_date, planned_end_date=None, hours_per_week=None):
    """Price over start..planned end (52 weeks when open-ended), by the award rules."""
    return commitment_value(price=price, unit=unit, days=term_days(start_date, planned_end_date),
                            hours_per_week=hours_per_week)


def block_value(*, price_per_bed, unit, beds, start_date, end_date, hours_per_week=None):
    """Price per bed × beds over the block's term, by the award rules."""
    return commitment_value(price=price_per_bed, unit=unit, quantity=beds,
                            days=(end_date - start_date).days + 1,
                            hours_per_week=hours_per_week)


def _approve_at_once(obj, *, by, key_decision_reference, reason):
    """A budget holder whose limit covers what they record approves it in the same act."""
    write = move(obj, "approve", by=by, field="approval", reason=reason,
                 data={"value": str(obj.value), "at_recording": True,
                       "key_decision_reference": key_decision_reference})
    obj.key_decision_reference = key_decision_reference
    obj.approved_at = timezone.now()
    obj.approved_by = by
    obj.save(update_fields=["approval", "key_decision_reference", "approved_at",
                            "approved_by"])
    write()
    follow(obj)


def unit_label(unit):
    try:
        return PriceUnit(unit).label
    except ValueError:
        return f"per {unit}"


# --- Prices ---------------------------------------------------------------------------------

def period_on(placement, day):
    """The fee period in force on `day`, or None outside the placement's priced days."""
    return (FeePeriod.objects.filter(rules.in_force_on(day), placement=placement)
            .order_by("-effective_from").first())


def price_on(placement, day):
    """The price on `day` from the fee periods (None before the start or after the end)."""
    period = period_on(placement, day)
    return period.price if period else None


def _current_price(placement, today=None):
    """The price in force today; before the start, the agreed starting price."""
    today = today or timezone.localdate()
    period = (FeePeriod.objects.filter(placement=placement, effective_from__lte=today)
              .order_by("-effective_from").first()
              or FeePeriod.objects.filter(placement=placement).order_by("effective_from").first())
    return period.price if period else placement.price


def _sync_price(placement, today=None):
    price = _current_price(placement, today)
    if price != placement.price:
        placement.price = price
        placement.save(update_fields=["price"])


def refresh_current_prices(today=None):
    """Copy the price now in force onto each placement whose fee change took effect lately.

    Runs hourly; looking back a week covers missed runs. Running it twice changes nothing.
    """
    today = today or timezone.localdate()
    changed = 0
    periods = (FeePeriod.objects.filter(rules.in_force_on(today),
                                        effective_from__gt=today - timedelta(days=7))
               .select_related("placement"))
    for period in periods:
        if period.placement.price != period.price:
            changed += Placement.objects.filter(pk=period.placement_id).exclude(
                price=period.price).update(price=period.price)
    return changed


# --- Creation -------------------------------------------------------------------------------

# --- Agreement ------------------------------------------------------------------------------

@transaction.atomic
def issue_agreement(placement, *, by, reason):
    """Render the agreement as it now stands and store it as the next version."""
    from contracts.agreement import render_agreement

    placement = _lock(placement)
    last = placement.agreement_versions.aggregate(last=Max("version"))["last"] or 0
    now = timezone.now()
    pdf = render_agreement(placement, version=last + 1, issued_at=now, reason=reason)
    version = AgreementVersion.objects.create(
        placement=placement, version=last + 1, pdf=pdf, reason=reason[:200],
        sha256=hashlib.sha256(pdf).hexdigest(), created_by=by)
    audit.record(placement, "placement.agreement_issued", by=by, reason=reason,
                 data={"version": version.version, "sha256": version.sha256})
    return version


def latest_agreement(placement):
    return placement.agreement_versions.order_by("-version").first()
