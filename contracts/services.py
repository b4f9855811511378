"""Placements: created from an award (or recorded as spot), priced by fee periods.

One function per action: atomic, takes the acting user (`by`), checks the rules, moves the state
and writes the audit row in the same transaction. E-mail goes after commit, ids only.
"""

import hashlib
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django_fsm import can_proceed

from contracts import rules, tasks
from contracts.models import (
    AgreementVersion,
    Approval,
    BlockContract,
    EndReason,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
    VolumeDiscountTier,
)
from dps import audit, outbox
from dps.approvals import commitment_value, may_approve_at_once, term_days
from dps.errors import Conflict, Forbidden, InvalidTransition, NotFound, RuleViolation
from dps.models import Role
from dps.money import pennies
from dps.transitions import move
from providers.models import Membership, PriceUnit
from referrals.audience import refuse_identifiers


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

def _create_placement(*, by, reason, audit_data, agreement_after_commit=False, **fields):
    placement = Placement.objects.create(created_by=by, **fields)
    FeePeriod.objects.create(placement=placement, price=placement.price,
                             unit=placement.price_unit, effective_from=placement.start_date,
                             reason=reason, created_by=by)
    PlacementReview.objects.create(
        placement=placement, sequence=1,
        due_date=rules.review_due_date(placement.start_date, 1))
    audit.record(placement, "placement.created", by=by, to_state=placement.status,
                 data={**audit_data, "price": str(placement.price)})
    if placement.start_date <= timezone.localdate():
        write = move(placement, "activate", by=by, reason="The start date has been reached.")
        placement.save(update_fields=["status"])
        write()
    if agreement_after_commit:  # an award: the approval returns at once (contracts.agreements)
        from contracts.agreements import queue_first_agreement

        queue_first_agreement(placement, by=by, reason=reason)
    else:
        issue_agreement(placement, by=by, reason=reason)
    return placement


@transaction.atomic
def create_placement_from_award(calloff, eoi, *, by):
    """The approved award becomes a placement (route `dps`) with its first fee period, at the
    awarded price less the provider's volume discount on the lot, if a tier applies."""
    referral = calloff.referral
    start = eoi.proposed_start or referral.placement_start
    live, tier = volume_discount_for(eoi.provider, calloff.lot)
    price, before, percent = discounted_price(eoi.price, tier)
    discount = {"price_before_discount": str(before), "discount_percent": str(percent),
                "live_placements": live} if tier else {}
    # Approved by construction: the budget holder approving the award approved its value.
    return _create_placement(
        by=by, reason=f"Award of call-off {calloff.pk}", agreement_after_commit=True,
        audit_data={"calloff": calloff.pk, "eoi": eoi.pk, **discount},
        approval=Approval.APPROVED, value=calloff.award_value,
        key_decision_reference=calloff.key_decision_reference,
        approved_at=calloff.approved_at or timezone.now(), approved_by=by,
        authority_id=calloff.authority_id, provider=eoi.provider, provider_name=eoi.provider.name,
        lot=calloff.lot, route=Placement.Route.DPS, calloff=calloff, eoi=eoi,
        child=referral.child, start_date=start,
        planned_end_date=start + timedelta(weeks=referral.duration_weeks) - timedelta(days=1),
        price=price, price_unit=calloff.lot.price_unit,
        hours_per_week=referral.hours_per_week,
        price_before_discount=before, discount_percent=percent,
    )


# --- Volume discounts -----------------------------------------------------------------------

def volume_discount_for(provider, lot):
    """(live placements counting the new one, the tier that applies or None).

    Live means pending start or active, on any route, for any authority: the tiers are the
    provider's offer to the whole DPS. The provider's membership row of the lot is locked so
    two awards to the same provider at once count each other.
    """
    list(Membership.objects.select_for_update().filter(
        provider=provider, lot=lot, status__in=Membership.LIVE).values_list("pk", flat=True))
    live = Placement.objects.filter(
        provider=provider, lot=lot,
        status__in=[Placement.Status.PENDING_START, Placement.Status.ACTIVE]).count() + 1
    tier = (VolumeDiscountTier.objects.filter(provider=provider, lot=lot,
                                              min_concurrent__lte=live)
            .order_by("-min_concurrent").first())
    return live, tier


def discounted_price(price, tier):
    """(price payable, price before discount or None, percent or None), half up to pennies."""
    if tier is None:
        return price, None, None
    payable = pennies(price * (Decimal(100) - tier.percent) / Decimal(100))
    return payable, price, tier.percent


def _require_dps_admin(by):
    if by is None or not by.has_role(Role.DPS_ADMIN):
        raise Forbidden("Only a DPS administrator sets volume discounts.")


@transaction.atomic
def set_volume_discount(*, by, provider, lot, min_concurrent, percent):
    """Set the provider's discount on the lot from `min_concurrent` live placements (a tier at
    that threshold already set is changed). New DPS placements pick it up; earlier ones keep
    their price."""
    _require_dps_admin(by)
    problems = {}
    if provider is None or not provider.is_provider:
        problems["provider"] = ["Not a provider organisation."]
    if min_concurrent is None or min_concurrent < 2:
        problems["min_concurrent"] = ["At least 2: a discount is for more than one placement."]
    if percent is None or not Decimal(0) < percent < Decimal(100):
        problems["percent"] = ["More than 0 and less than 100."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    tier = (VolumeDiscountTier.objects.select_for_update()
            .filter(provider=provider, lot=lot, min_concurrent=min_concurrent).first())
    before = str(tier.percent) if tier else None
    if tier is None:
        try:
            with transaction.atomic():
                tier = VolumeDiscountTier.objects.create(
                    provider=provider, lot=lot, min_concurrent=min_concurrent, percent=percent,
                    created_by=by)
        except IntegrityError as exc:  # another administrator set the same threshold
            raise Conflict("A tier at that threshold was set at the same moment; "
                           "reload and try again.") from exc
        tier.created = True
    else:
        tier.percent = percent
        tier.save(update_fields=["percent"])
        tier.created = False
    audit.record(tier, "volumediscount.set", by=by,
                 data={"provider": provider.pk, "lot": lot.code,
                       "min_concurrent": min_concurrent, "percent": str(percent),
                       "previous_percent": before})
    return tier


@transaction.atomic
def remove_volume_discount(tier, *, by):
    _require_dps_admin(by)
    tier = VolumeDiscountTier.objects.select_for_update().filter(pk=tier.pk).first()
    if tier is None:
        raise NotFound()
    audit.record(tier, "volumediscount.removed", by=by,
                 data={"provider": tier.provider_id, "lot": tier.lot_id,
                       "min_concurrent": tier.min_concurrent, "percent": str(tier.percent)})
    tier.delete()


# --- Block contracts ------------------------------------------------------------------------

def _admitted_membership(provider, lot):
    """The provider's admitted (not suspended, not removed) membership of the lot, or None."""
    return Membership.objects.filter(provider=provider, lot=lot,
                                     status=Membership.Status.ADMITTED).first()


@transaction.atomic
def create_block_contract(*, by, provider, lot, beds, price_per_bed, start_date, end_date,
                          reference="", hours_per_week=None, notes="",
                          acknowledge_cap_warning=False, key_decision_reference=""):
    """Buy `beds` beds from an admitted member of the lot for a period, at a price per bed in
    the lot's unit. A price above the provider's cap is a warning to acknowledge.

    The block awaits a budget holder's approval (contracts.approvals) and counts as spend once
    approved; recorded by a budget holder whose limit covers it, it is approved at once."""
    authority = by.organisation if by is not None else None
    if authority is None or not authority.is_authority:
        raise NotFound()
    problems = {}
    if provider is None or not provider.is_provider:
        problems["provider"] = ["Choose a provider organisation."]
    if beds is None or beds < 1:
        problems["beds"] = ["A block has at least 1 bed."]
    if price_per_bed is None or price_per_bed <= 0:
        problems["price_per_bed"] = ["The price per bed must be more than £0."]
    if start_date and end_date and end_date < start_date:
        problems["end_date"] = ["The end date must be on or after the start date."]
    if lot.price_unit == PriceUnit.HOUR and not hours_per_week:
        problems["hours_per_week"] = ["Enter the hours a week: the lot is priced by the hour."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    membership = _admitted_membership(provider, lot)
    if membership is None:
        raise RuleViolation(
            f"{provider.name} is not an admitted member of {lot.name} (suspended, removed or "
            f"never admitted), so no block can be bought from it.",
            code="provider_not_admitted",
            fields={"provider": [f"{provider.name} is not an admitted member of {lot.name}: "
                                 f"choose a provider admitted to the lot."]})
    # The provider reads the block's reference and notes (and every placement's agreement).
    refuse_identifiers(provider, {"reference": reference, "notes": notes})
    cap = membership.price_cap
    above = price_per_bed > cap
    if above and not acknowledge_cap_warning:
        raise RuleViolation(
            f"£{price_per_bed} is above the provider's price cap on this lot, £{cap} "
            f"{unit_label(lot.price_unit)}. Confirm you accept that to go ahead.",
            code="above_price_cap_unacknowledged",
            fields={"acknowledge_cap_warning": [
                f"The price per bed is above the cap of {cap}: send true to accept it."]})
    hours = hours_per_week if lot.price_unit == PriceUnit.HOUR else None
    value = block_value(price_per_bed=price_per_bed, unit=lot.price_unit, beds=beds,
                        start_date=start_date, end_date=end_date, hours_per_week=hours)
    block = BlockContract.objects.create(
        authority=authority, provider=provider, lot=lot, reference=(reference or "").strip(),
        beds=beds, price_per_bed=price_per_bed, unit=lot.price_unit, hours_per_week=hours,
        start_date=start_date, end_date=end_date, notes=(notes or "").strip(),
        price_cap=cap, cap_warning_acknowledged=above, created_by=by,
        approval=Approval.AWAITING, value=value)
    audit.record(block, "blockcontract.created", by=by, to_state=block.approval,
                 data={"provider": provider.pk, "lot": lot.code, "beds": beds,
                       "price_per_bed": str(price_per_bed), "unit": block.unit,
                       "start_date": start_date.isoformat(), "end_date": end_date.isoformat(),
                       "price_cap": str(cap), "cap_warning_acknowledged": above,
                       "value": str(value)})
    reference = (key_decision_reference or "").strip()
    if may_approve_at_once(by, value, reference):
        _approve_at_once(block, by=by, key_decision_reference=reference,
                         reason="Bought by a budget holder within their approval limit.")
    return block


def _occupied_until(placement_end, planned_end, block_end):
    return min(placement_end or planned_end or block_end, block_end)


def _peak_occupancy(block, start, end):
    """The most beds occupied on any one day from `start` to `end` (inclusive)."""
    stays = [(s, _occupied_until(e, p, block.end_date)) for s, e, p in
             block.placements.values_list("start_date", "end_date", "planned_end_date")]
    stays = [(s, e) for s, e in stays if s <= end and e >= start]
    # Occupancy only rises on a start day: the peak is at `start` or at a later stay's start.
    days = {start} | {s for s, _ in stays if s > start}
    return max((sum(1 for s, e in stays if s <= d <= e) for d in days), default=0)


@transaction.atomic
def place_into_block(block, *, by, start_date, planned_end_date=None, child=None):
    """A placement (route `block`) into a bed of the block, at the block's price per bed.

    The block row is locked first, so parallel placements into its last bed queue here and
    only one finds the bed free.
    """
    block = BlockContract.objects.select_for_update(of=("self",)).select_related(
        "provider", "lot", "authority").filter(pk=block.pk).first()
    if block is None or by is None or by.organisation_id != block.authority_id:
        raise NotFound()
    planned_end_date = planned_end_date or block.end_date
    problems = {}
    if not block.start_date <= start_date <= block.end_date:
        problems["start_date"] = [f"The start date must be between {block.start_date:%-d %B %Y}"
                                  f" and {block.end_date:%-d %B %Y}, the block's dates."]
    if planned_end_date < start_date:
        problems["planned_end_date"] = ["The planned end must be on or after the start date."]
    elif planned_end_date > block.end_date:
        problems["planned_end_date"] = [f"The planned end must be on or before "
                                        f"{block.end_date:%-d %B %Y}, when the block ends."]
    if problems:
        raise RuleViolation(
            f"A placement into this block must fall within its dates, "
            f"{block.start_date:%-d %B %Y} to {block.end_date:%-d %B %Y}.",
            code="outside_block_dates", fields=problems)
    peak = _peak_occupancy(block, start_date, planned_end_date)
    if peak >= block.beds:
        raise RuleViolation(
            f"Every bed in this block ({block.beds}) is taken on some day from "
            f"{start_date:%-d %B %Y} to {planned_end_date:%-d %B %Y}.",
            code="block_full",
            fields={"start_date": ["No bed is free in this block for the whole period."]})
    # The block is the purchase a budget holder approves; a bed in it needs no approval of its
    # own (its spend is the block's).
    return _create_placement(
        by=by, reason=f"Placement into block contract {block.pk}",
        audit_data={"block": block.pk, "beds": block.beds, "occupied_before": peak},
        approval=Approval.APPROVED,
        value=placement_value(price=block.price_per_bed, unit=block.unit, start_date=start_date,
                              planned_end_date=planned_end_date,
                              hours_per_week=block.hours_per_week),
        authority=block.authority, provider=block.provider, provider_name=block.provider.name,
        lot=block.lot, route=Placement.Route.BLOCK, block=block,
        child=_spot_child(block.authority, child) if child else None,
        start_date=start_date, planned_end_date=planned_end_date,
        price=block.price_per_bed, price_unit=block.unit, hours_per_week=block.hours_per_week,
    )


def _spot_child(authority, child):
    from referrals.models import Child

    found, created = Child.objects.get_or_create(
        authority=authority, case_reference=child["case_reference"].strip(),
        defaults={"first_name": child["first_name"].strip(),
                  "last_name": child["last_name"].strip(),
                  "date_of_birth": child["date_of_birth"],
                  "postcode": child.get("postcode", "").strip().upper()})
    return found


@transaction.atomic
def record_spot_placement(*, by, provider_name, lot, price, start_date, exception_reason,
                          provider=None, calloff=None, child=None, planned_end_date=None,
                          hours_per_week=None, key_decision_reference=""):
    """An off-contract (spot) placement: any provider, with the reason it was bought off the
    DPS and, when a call-off ended without an award, that call-off.

    It awaits a budget holder's approval (contracts.approvals) like an award, and counts as
    spend once approved; an emergency placement may start while it waits. Recorded by a
    budget holder whose limit covers its value, it is approved at once."""
    from calloffs.models import CallOff

    authority = by.organisation
    if authority is None or not authority.is_authority:
        raise NotFound()
    problems = {}
    if not (exception_reason or "").strip():
        problems["exception_reason"] = ["Say why this placement is bought off-contract."]
    if provider is None and not (provider_name or "").strip():
        problems["provider_name"] = ["Enter the provider's name."]
    if price is None or price <= 0:
        problems["price"] = ["Must be more than 0."]
    if provider is not None and not provider.is_provider:
        problems["provider"] = ["Not a provider organisation."]
    if planned_end_date is not None and planned_end_date < start_date:
        problems["planned_end_date"] = ["Must be on or after the start date."]
    if lot.price_unit == PriceUnit.HOUR and not hours_per_week:
        problems["hours_per_week"] = ["Needed for a price per hour."]
    if calloff is not None:
        calloff = CallOff.objects.select_for_update(of=("self",)).select_related(
            "referral", "referral__child").get(pk=calloff.pk)
        if calloff.authority_id != authority.pk:
            problems["calloff"] = ["Not one of your authority's call-offs."]
        elif calloff.status != CallOff.Status.NO_AWARD:
            problems["calloff"] = ["Only a call-off that ended without an award leads to a "
                                   "spot purchase."]
        elif Placement.objects.filter(calloff=calloff).exists():
            raise Conflict("A placement has already been recorded for that call-off.")
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    child_row = _spot_child(authority, child) if child else (
        calloff.referral.child if calloff is not None else None)
    name = (provider_name or "").strip() or provider.name
    value = placement_value(price=price, unit=lot.price_unit, start_date=start_date,
                            planned_end_date=planned_end_date, hours_per_week=hours_per_week)
    try:
        with transaction.atomic():
            placement = _create_placement(
                by=by, reason="Spot purchase",
                audit_data={"calloff": calloff.pk if calloff else None,
                            "exception_reason": exception_reason, "value": str(value),
                            "approval": Approval.AWAITING},
                authority=authority, provider=provider, provider_name=name, lot=lot,
                route=Placement.Route.SPOT, calloff=calloff, child=child_row,
                start_date=start_date, planned_end_date=planned_end_date, price=price,
                price_unit=lot.price_unit, hours_per_week=hours_per_week,
                exception_reason=exception_reason.strip(),
                approval=Approval.AWAITING, value=value,
            )
    except IntegrityError as exc:  # a second spot placement for the call-off raced this one
        raise Conflict("A placement has already been recorded for that call-off.") from exc
    reference = (key_decision_reference or "").strip()
    if may_approve_at_once(by, value, reference):
        _approve_at_once(placement, by=by, key_decision_reference=reference,
                         reason="Recorded by a budget holder within their approval limit.")
    return placement


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
            f"£{new_price} is above the provider's price cap on this lot, £{cap} "
            f"{unit_label(placement.price_unit)}. Confirm you accept that to go ahead.",
            code="above_price_cap_unacknowledged",
            fields={"acknowledge_cap_warning": [
                f"The new price is above the cap of {cap}: send true to accept it."]})
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
            f"£{new_price:,.2f} is above your price cap on this lot, £{cap:,.2f} {unit}. The "
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
    issue_agreement(placement, by=by,
                    reason=f"Fee change {change.pk}: £{change.new_price:,.2f} "
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

def _support_problems(placement, *, description, weekly_cost, start_date, review_date,
                      end_date):
    problems = {}
    if not (description or "").strip():
        problems["description"] = ["Describe the support."]
    if weekly_cost is None or weekly_cost <= 0:
        problems["weekly_cost"] = ["Must be more than 0."]
    if start_date is None:
        problems["start_date"] = ["Enter the start date."]
    if end_date is None:
        problems["end_date"] = ["Enter the end date."]
    if review_date is None:
        problems["review_date"] = ["Enter a review date."]
    if start_date and start_date < placement.start_date:
        problems["start_date"] = [f"Must be on or after the placement's start, "
                                  f"{placement.start_date}."]
    if start_date and end_date and end_date < start_date:
        problems["end_date"] = ["Must be on or after the start date."]
    if placement.end_date and end_date and end_date > placement.end_date:
        problems["end_date"] = [f"Must be on or before the placement's end, "
                                f"{placement.end_date}."]
    if review_date and start_date and end_date and not start_date <= review_date <= end_date:
        problems["review_date"] = ["Must be between the start and end dates."]
    return problems


@transaction.atomic
def add_support_item(placement, *, by, description, weekly_cost, start_date, review_date,
                     end_date):
    placement = _lock(placement)
    _require_authority(placement, by)
    _require_not_ended(placement, "add support to")
    problems = _support_problems(placement, description=description, weekly_cost=weekly_cost,
                                 start_date=start_date, review_date=review_date,
                                 end_date=end_date)
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    refuse_identifiers(placement, {"description": description})
    item = SupportItem.objects.create(
        placement=placement, description=description.strip(), weekly_cost=weekly_cost,
        start_date=start_date, review_date=review_date, end_date=end_date, created_by=by)
    audit.record(item, "supportitem.added", by=by,
                 data={"placement": placement.pk, "weekly_cost": str(weekly_cost),
                       "start_date": start_date.isoformat(), "end_date": end_date.isoformat(),
                       "review_date": review_date.isoformat()})
    issue_agreement(placement, by=by, reason=f"Support item {item.pk} added")
    return item


@transaction.atomic
def record_support_review(item, *, by, reviewed_on, next_review_date=None, notes=""):
    """The support was reviewed: set the next review date (reminders start again) or none."""
    item = SupportItem.objects.select_related("placement").get(pk=item.pk)
    placement = _lock(item.placement)
    item = SupportItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    _require_authority(placement, by)
    _require_not_ended(placement, "review support on")
    if reviewed_on > timezone.localdate():
        raise _invalid("reviewed_on", "Must not be in the future.")
    if next_review_date is not None and not (
            max(reviewed_on, item.start_date) < next_review_date <= item.end_date):
        raise _invalid("next_review_date",
                       f"Must be after the review and on or before {item.end_date}.")
    before = item.review_date
    item.reviewed_on = reviewed_on
    if next_review_date is not None:
        item.review_date = next_review_date
        item.reviewed_on = None
        item.review_reminder_sent_at = None
        item.overdue_reminder_sent_at = None
    item.save(update_fields=["review_date", "reviewed_on", "review_reminder_sent_at",
                             "overdue_reminder_sent_at"])
    audit.record(item, "supportitem.reviewed", by=by, reason=notes,
                 data={"review_date": before.isoformat(), "reviewed_on": reviewed_on.isoformat(),
                       "next_review_date": next_review_date.isoformat()
                       if next_review_date else None})
    return item


# --- Placement reviews ----------------------------------------------------------------------

def next_review(placement):
    if placement.status == Placement.Status.ENDED:
        return None
    return placement.reviews.filter(done_date__isnull=True).order_by("sequence").first()


@transaction.atomic
def record_placement_review(placement, *, by, done_date, notes=""):
    """The due review was held: record it and schedule the next from the configured cycle."""
    placement = _lock(placement)
    _require_authority(placement, by)
    _require_not_ended(placement, "review")
    review = (PlacementReview.objects.select_for_update()
              .filter(placement=placement, done_date__isnull=True).order_by("sequence").first())
    if review is None:
        raise InvalidTransition("No review is waiting for this placement.")
    if done_date > timezone.localdate():
        raise _invalid("done_date", "Must not be in the future.")
    if done_date < placement.start_date:
        raise _invalid("done_date", f"Must be on or after the start, {placement.start_date}.")
    review.done_date = done_date
    review.notes = notes
    review.recorded_by = by
    review.save(update_fields=["done_date", "notes", "recorded_by"])
    following = PlacementReview.objects.create(
        placement=placement, sequence=review.sequence + 1,
        due_date=rules.review_due_date(placement.start_date, review.sequence + 1,
                                       previous=done_date))
    audit.record(placement, "placement.reviewed", by=by, reason=notes,
                 data={"review": review.sequence, "due_date": review.due_date.isoformat(),
                       "done_date": done_date.isoformat(),
                       "next_due_date": following.due_date.isoformat()})
    return review


# --- Ending ---------------------------------------------------------------------------------

@transaction.atomic
def end_placement(placement, *, by, end_date, reason, notes=""):
    """Record the end. On or before today it ends now; a later date ends it by the scheduler."""
    placement = _lock(placement)
    _require_authority(placement, by)
    _require_not_ended(placement, "end")
    if reason not in EndReason.values:
        raise _invalid("reason", "Choose one of: " + ", ".join(EndReason.values) + ".")
    if end_date < placement.start_date:
        raise _invalid("end_date", f"Must be on or after the start, {placement.start_date}.")
    # Prices that would have applied after the end never did: close the history at the end.
    dropped = list(placement.fee_periods.filter(effective_from__gt=end_date)
                   .values("id", "price", "effective_from", "fee_change_id"))
    placement.fee_periods.filter(effective_from__gt=end_date).delete()
    # The last period runs to the end (also when an end already scheduled moves later).
    last = placement.fee_periods.order_by("-effective_from").first()
    if last is not None:
        last.effective_to = end_date
        last.save(update_fields=["effective_to"])
    breakdown = (reason == EndReason.PLACEMENT_BREAKDOWN
                 and placement.end_reason != EndReason.PLACEMENT_BREAKDOWN)
    placement.end_date = end_date
    placement.end_reason = reason
    placement.end_notes = notes or ""
    data = {"end_date": end_date.isoformat(), "end_reason": reason,
            "dropped_fee_periods": [{**row, "price": str(row["price"]),
                                     "effective_from": row["effective_from"].isoformat()}
                                    for row in dropped]}
    if end_date <= timezone.localdate():
        write = move(placement, "end", by=by, reason=notes or reason, data=data)
        placement.ended_at = timezone.now()
        placement.ended_by = by
        placement.save(update_fields=["status", "end_date", "end_reason", "end_notes",
                                      "ended_at", "ended_by"])
        write()
        _sync_price(placement, min(end_date, timezone.localdate()))
        _after_commit(tasks.notify_placement_ended, placement.pk)
    else:
        placement.ended_by = by
        placement.save(update_fields=["end_date", "end_reason", "end_notes", "ended_by"])
        audit.record(placement, "placement.end_scheduled", by=by, reason=notes or reason,
                     data=data)
    if breakdown and placement.provider_id is not None:
        _raise_breakdown_trigger(placement, by=by, end_date=end_date)
    return placement


def _raise_breakdown_trigger(placement, *, by, end_date):
    """A breakdown is information between assessments: the provider's reassessment is due now
    (ADR 0008). Raised once, in the same transaction as the ending."""
    from monitoring.models import TriggerKind
    from monitoring.services import raise_trigger

    # The notes stay on the placement: they may name the child, and triggers travel wider.
    details = (f"Placement {placement.pk} ({placement.lot.name}, for {placement.authority.name})"
               f" broke down; it ends on {end_date:%-d %B %Y}.")
    raise_trigger(by=by, provider=placement.provider, kind=TriggerKind.PLACEMENT_BREAKDOWN,
                  details=details, placement=placement)


# --- Time-driven work -----------------------------------------------------------------------

def _each_due(queryset, step):
    """Run `step` on each due row, one transaction each, skipping rows another worker holds."""
    done = 0
    for pk in list(queryset.values_list("pk", flat=True)):
        with transaction.atomic():
            row = queryset.select_for_update(skip_locked=True).filter(pk=pk).first()
            if row is not None:
                step(row)
                done += 1
    return done


def activate_due_placements(today=None):
    """pending_start → active on the start date. Running it twice changes nothing."""
    today = today or timezone.localdate()

    def activate(placement):
        write = move(placement, "activate", by=None, reason="The start date has been reached.")
        placement.save(update_fields=["status"])
        write()

    return _each_due(Placement.objects.filter(status=Placement.Status.PENDING_START,
                                              start_date__lte=today), activate)


def end_due_placements(today=None):
    """Placements whose recorded end date has come are ended. Idempotent."""
    today = today or timezone.localdate()

    def end(placement):
        write = move(placement, "end", by=None, reason="The end date has been reached.",
                     data={"end_date": placement.end_date.isoformat(),
                           "end_reason": placement.end_reason})
        placement.ended_at = timezone.now()
        placement.save(update_fields=["status", "ended_at"])
        write()
        outbox.enqueue(tasks.notify_placement_ended, placement.pk)

    return _each_due(Placement.objects.filter(status=Placement.Status.ACTIVE,
                                              end_date__lte=today), end)


def apply_placement_dates(today=None):
    today = today or timezone.localdate()
    return {"activated": activate_due_placements(today), "ended": end_due_placements(today),
            "prices": refresh_current_prices(today)}

