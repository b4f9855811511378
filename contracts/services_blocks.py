"""Block contracts: beds bought from an admitted member, and placements into them."""


from django.db import transaction

from contracts.models import (
    Approval,
    BlockContract,
    Placement,
)
from contracts.services_common import (
    _approve_at_once,
    block_value,
    placement_value,
    unit_label,
)
from contracts.services_placements import (
    _create_placement,
    _spot_child,
)
from dps import audit, formatting
from dps.approvals import may_approve_at_once
from dps.errors import NotFound, RuleViolation
from providers.models import Membership, PriceUnit
from referrals.audience import refuse_identifiers

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
            f"{formatting.money(price_per_bed)} is above the provider's price cap on this "
            f"lot, {formatting.money(cap)} "
            f"{unit_label(lot.price_unit)}. Confirm you accept that to go ahead.",
            code="above_price_cap_unacknowledged",
            fields={"acknowledge_cap_warning": [
                f"The price per bed is above the cap of {formatting.money(cap)}: send true "
                "to accept it."]})
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
