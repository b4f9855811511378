"""Fee changes: requested by the provider or recorded by the council, then fee periods."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from contracts import rules, tasks
from contracts.agreements import queue_agreement
from contracts.models import (
    FeeChange,
    FeePeriod,
    Placement,
)
from contracts.services_common import (
    _after_commit,
    _invalid,
    _lock,
    _require_approved,
    _require_authority,
    _require_not_ended,
    _require_provider,
    _sync_price,
    unit_label,
)
from dps import audit, formatting
from dps.errors import Conflict, InvalidTransition, RuleViolation
from dps.transitions import move
from providers.models import Membership
from referrals.audience import refuse_identifiers
from reports.summary import follow

# --- Fee changes ----------------------------------------------------------------------------

def _latest_period(placement):
    return placement.fee_periods.order_by("-effective_from").first()


def _check_fee_change_shape(placement, *, new_price, effective_from, reason):
    if new_price is None or new_price <= 0:
        raise _invalid("new_price", "Must be more than 0.")
    if not (reason or "").strip():
        raise _invalid("reason", "Say why the fee changes.")
    if effective_from < placement.start_date:
        raise _invalid("effective_from",
                       f"Must be on or after the placement's start, {placement.start_date}.")
    if placement.end_date and effective_from > placement.end_date:
        raise _invalid("effective_from",
                       f"Must be on or before the placement's end, {placement.end_date}.")
    latest = _latest_period(placement)
    if latest and effective_from <= latest.effective_from:
        raise _invalid("effective_from",
                       f"Must be after {latest.effective_from}, when the current price "
                       f"took effect.")


def _check_backdating(effective_from, backdating_reason, today=None):
    today = today or timezone.localdate()
    limit = rules.max_backdate_days()
    if effective_from < today - timedelta(days=limit) and not (backdating_reason or "").strip():
        raise RuleViolation(
            f"A fee change taking effect more than {limit} days ago needs a backdating reason.",
            code="backdating_reason_required",
            fields={"backdating_reason": ["Say why the change is backdated."]})


def _check_fixed_price(placement, effective_from, exclude=None):
    """At most one approved fee change in any `fixed_price_months` (the DPS's setting)."""
    months = rules.fixed_price_months(placement)
    approved = (FeeChange.objects.filter(placement=placement, status=FeeChange.Status.APPROVED)
                .exclude(pk=exclude).values_list("effective_from", flat=True))
    for other in approved:
        if rules.add_months(other, -months) < effective_from < rules.add_months(other, months):
            allowed = rules.add_months(other, months)
            raise RuleViolation(
                f"Prices are fixed for {months} months: the last change took effect on "
                f"{other:%d %B %Y}, so the next can take effect from {allowed:%d %B %Y}.",
                code="fee_change_too_soon",
                fields={"effective_from": [f"On or after {allowed.isoformat()}."]})


def provider_cap(placement):
    """The provider's price cap on the placement's lot (DPS route only), else None."""
    if placement.route != Placement.Route.DPS or placement.provider_id is None:
        return None
    memberships = Membership.objects.filter(provider_id=placement.provider_id,
                                            lot_id=placement.lot_id)
    membership = (memberships.filter(status__in=Membership.LIVE).first()
                  or memberships.order_by("-admitted_at").first())
    return membership.price_cap if membership else None


def _check_cap(placement, new_price, acknowledged):
    """Above the cap is a warning the commissioner must acknowledge, never a silent pass."""
    cap = provider_cap(placement)
    above = cap is not None and new_price > cap
    if above and not acknowledged:
        raise RuleViolation(
            f"{formatting.money(new_price)} is above the provider's price cap on this lot, "
            f"{formatting.money(cap)} "
            f"{unit_label(placement.price_unit)}. Confirm you accept that to go ahead.",
            code="above_price_cap_unacknowledged",
            fields={"acknowledge_cap_warning": [
                f"The new price is above the cap of {formatting.money(cap)}: send true to "
                "accept it."]})
    return cap, above


@transaction.atomic
def request_fee_change(placement, *, by, new_price, effective_from, reason,
                       backdating_reason="", acknowledge_cap_warning=True):
    """The provider asks for a new price from a date; a commissioner decides.

    Above the provider's cap is a warning, not a refusal (the council decides): a caller that
    passes `acknowledge_cap_warning=False` (the portal's page) is told first. The API keeps
    v1's behaviour, which never asked."""
    placement = _lock(placement)
    _require_provider(placement, by)
    _require_not_ended(placement, "change the fee of")
    cap = provider_cap(placement)
    if cap is not None and new_price > cap and not acknowledge_cap_warning:
        unit = unit_label(placement.price_unit)
        raise RuleViolation(
            f"{formatting.money(new_price)} is above your price cap on this lot, "
            f"{formatting.money(cap)} {unit}. The "
            "council may decline it: tick the box to send it anyway.",
            code="above_price_cap_unacknowledged",
            fields={"acknowledge_cap_warning": ["Tick the box to send it anyway."]})
    if placement.fee_changes.filter(status=FeeChange.Status.REQUESTED).exists():
        raise Conflict("A fee change request for this placement is already awaiting a "
                       "decision.")
    _check_fee_change_shape(placement, new_price=new_price, effective_from=effective_from,
                            reason=reason)
    _check_backdating(effective_from, backdating_reason)
    _check_fixed_price(placement, effective_from)
    change = FeeChange.objects.create(
        placement=placement, new_price=new_price, effective_from=effective_from,
        reason=reason.strip(), backdating_reason=(backdating_reason or "").strip(),
        requested_by=by)
    audit.record(change, "feechange.requested", by=by, to_state=change.status,
                 reason=change.reason,
                 data={"placement": placement.pk, "new_price": str(new_price),
                       "effective_from": effective_from.isoformat()})
    _after_commit(tasks.notify_fee_change_requested, change.pk)
    return change


@transaction.atomic
def record_fee_change(placement, *, by, new_price, effective_from, reason,
                      backdating_reason="", acknowledge_cap_warning=False):
    """A commissioner records an agreed change: approved at once."""
    placement = _lock(placement)
    _require_authority(placement, by)
    _require_not_ended(placement, "change the fee of")
    _require_approved(placement, "change the fee of")
    _check_fee_change_shape(placement, new_price=new_price, effective_from=effective_from,
                            reason=reason)
    _check_backdating(effective_from, backdating_reason)
    _check_fixed_price(placement, effective_from)
    refuse_identifiers(placement, {"reason": reason, "backdating_reason": backdating_reason})
    cap, above = _check_cap(placement, new_price, acknowledge_cap_warning)
    change = FeeChange.objects.create(
        placement=placement, new_price=new_price, effective_from=effective_from,
        reason=reason.strip(), backdating_reason=(backdating_reason or "").strip(),
        requested_by=by)
    audit.record(change, "feechange.recorded", by=by, to_state=change.status,
                 reason=change.reason,
                 data={"placement": placement.pk, "new_price": str(new_price),
                       "effective_from": effective_from.isoformat()})
    _apply_fee_change(placement, change, by=by, cap=cap, above=above)
    return change


def _lock_fee_change(fee_change):
    change = FeeChange.objects.select_related("placement").get(pk=fee_change.pk)
    placement = _lock(change.placement)  # the placement first: one decision at a time
    change = FeeChange.objects.select_for_update(of=("self",)).get(pk=change.pk)
    change.placement = placement
    return change


@transaction.atomic
def approve_fee_change(fee_change, *, by, acknowledge_cap_warning=False):
    change = _lock_fee_change(fee_change)
    placement = change.placement
    _require_authority(placement, by)
    if not can_proceed(change.approve):
        raise InvalidTransition(f"Only a requested fee change can be approved; this one is "
                                f"{change.status}.")
    _require_not_ended(placement, "change the fee of")
    _require_approved(placement, "change the fee of")
    _check_fee_change_shape(placement, new_price=change.new_price,
                            effective_from=change.effective_from, reason=change.reason)
    _check_fixed_price(placement, change.effective_from, exclude=change.pk)
    cap, above = _check_cap(placement, change.new_price, acknowledge_cap_warning)
    _apply_fee_change(placement, change, by=by, cap=cap, above=above)
    return change


def _apply_fee_change(placement, change, *, by, cap, above):
    """Approve: close the current fee period the day before and open the next."""
    current = _latest_period(placement)
    previous_price = current.price if current else None
    write = move(change, "approve", by=by, reason=change.reason,
                 data={"placement": placement.pk, "new_price": str(change.new_price),
                       "previous_price": str(previous_price) if previous_price else None,
                       "effective_from": change.effective_from.isoformat(),
                       "price_cap": str(cap) if cap is not None else None,
                       "cap_warning_acknowledged": above,
                       "backdating_reason": change.backdating_reason})
    if current is not None:
        current.effective_to = change.effective_from - timedelta(days=1)
        current.save(update_fields=["effective_to"])
    FeePeriod.objects.create(
        placement=placement, price=change.new_price, unit=placement.price_unit,
        effective_from=change.effective_from, effective_to=placement.end_date,
        fee_change=change, reason=change.reason, created_by=by)
    change.previous_price = previous_price
    change.price_cap = cap
    change.cap_warning_acknowledged = above
    change.decided_at = timezone.now()
    change.decided_by = by
    change.save(update_fields=["status", "previous_price", "price_cap",
                               "cap_warning_acknowledged", "decided_at", "decided_by"])
    write()
    _sync_price(placement)
    follow(placement)
    queue_agreement(placement, by=by,
                    reason=f"Fee change {change.pk}: {formatting.money(change.new_price)} "
                           f"{unit_label(placement.price_unit)} from "
                           f"{change.effective_from:%-d %B %Y}")
    _after_commit(tasks.notify_fee_change_decided, change.pk)


@transaction.atomic
def decline_fee_change(fee_change, *, by, reason):
    change = _lock_fee_change(fee_change)
    _require_authority(change.placement, by)
    if not can_proceed(change.decline):
        raise InvalidTransition(f"Only a requested fee change can be declined; this one is "
                                f"{change.status}.")
    if not (reason or "").strip():
        raise _invalid("reason", "Say why the fee change is declined.")
    refuse_identifiers(change.placement, {"reason": reason})
    write = move(change, "decline", by=by, reason=reason.strip(),
                 data={"placement": change.placement_id})
    change.decline_reason = reason.strip()
    change.decided_at = timezone.now()
    change.decided_by = by
    change.save(update_fields=["status", "decline_reason", "decided_at", "decided_by"])
    write()
    _after_commit(tasks.notify_fee_change_decided, change.pk)
    return change


# --- Support items --------------------------------------------------------------------------
