"""Approving spot placements and block purchases: the budget holder's decision, as for awards.

A spot placement or a block is recorded awaiting approval (contracts.services) and counts as
spend once approved (reports/spend.py). The rule is the award's, in one place
(dps.approvals.check_approval): up to the approver's limit, a key decision reference above
£500,000. The row lock makes racing approvals queue: exactly one approves, the rest get 409.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from contracts import services
from contracts.models import Approval, BlockContract, Placement
from dps.approvals import (
    APPROVAL_DUE_WORKING_DAYS,
    approval_limit_of,
    check_approval,
    is_key_decision,
    within_approval_limit,
)
from dps.errors import Forbidden, InvalidTransition, NotFound
from dps.models import Role
from dps.transitions import move
from dps.workdays import working_days_between
from reports.summary import follow


def _require_approver(authority_id, by):
    """Another authority's purchase does not exist for the approver; only budget holders
    approve."""
    if by is None or by.organisation_id != authority_id:
        raise NotFound()
    if not by.has_role(Role.BUDGET_HOLDER):
        raise Forbidden("Only a budget holder approves purchases.")


def _approve(obj, *, by, key_decision_reference, noun, data):
    if not can_proceed(obj.approve):
        raise InvalidTransition(f"This {noun} is already approved.")
    reference = check_approval(by, obj.value, key_decision_reference, noun=noun)
    write = move(obj, "approve", by=by, field="approval",
                 data={**data, "value": str(obj.value), "key_decision_reference": reference})
    obj.key_decision_reference = reference
    obj.approved_at = timezone.now()
    obj.approved_by = by
    obj.save(update_fields=["approval", "key_decision_reference", "approved_at",
                            "approved_by"])
    write()
    follow(obj)  # from now it counts: the spend summary follows (ADR 0023)
    return obj


@transaction.atomic
def approve_placement(placement, *, by, key_decision_reference=""):
    """The budget holder approves a spot placement at its value: from now it counts as spend."""
    placement = (Placement.objects.select_for_update(of=("self",))
                 .select_related("lot", "authority").filter(pk=placement.pk).first())
    if placement is None:
        raise NotFound()
    _require_approver(placement.authority_id, by)
    if placement.value is None:  # recorded without one (never by the services): work it out
        placement.value = services.placement_value(
            price=placement.price, unit=placement.price_unit, start_date=placement.start_date,
            planned_end_date=placement.planned_end_date,
            hours_per_week=placement.hours_per_week)
        placement.save(update_fields=["value"])
    return _approve(placement, by=by, key_decision_reference=key_decision_reference,
                    noun="spot placement" if placement.route == Placement.Route.SPOT
                    else "placement",
                    data={"route": placement.route, "price": str(placement.price)})


@transaction.atomic
def approve_block(block, *, by, key_decision_reference=""):
    """The budget holder approves a block purchase at its value: from now it counts as spend."""
    block = (BlockContract.objects.select_for_update(of=("self",))
             .select_related("lot", "authority").filter(pk=block.pk).first())
    if block is None:
        raise NotFound()
    _require_approver(block.authority_id, by)
    if block.value is None:
        block.value = services.block_value(
            price_per_bed=block.price_per_bed, unit=block.unit, beds=block.beds,
            start_date=block.start_date, end_date=block.end_date,
            hours_per_week=block.hours_per_week)
        block.save(update_fields=["value"])
    return _approve(block, by=by, key_decision_reference=key_decision_reference,
                    noun="block purchase",
                    data={"beds": block.beds, "price_per_bed": str(block.price_per_bed)})


# --- Reads: the queues ----------------------------------------------------------------------

@dataclass
class Waiting:
    """A purchase awaiting approval, as the queues show it."""

    obj: object
    kind: str  # "placement" or "block"
    value: object
    days_waiting: int  # working days since it was recorded
    overdue: bool  # waiting APPROVAL_DUE_WORKING_DAYS or more: shown in red
    within_limit: bool | None = None  # for the budget holder looking
    key_decision: bool = False
    limit: object = None


def awaiting_placements(authority_id):
    return (Placement.objects.filter(authority_id=authority_id, approval=Approval.AWAITING)
            .select_related("lot", "provider", "child", "created_by")
            .order_by("created_at", "id"))


def awaiting_blocks(authority_id):
    return (BlockContract.objects.filter(authority_id=authority_id, approval=Approval.AWAITING)
            .select_related("lot", "provider", "created_by").order_by("created_at", "id"))


def waiting(obj, *, kind, user=None, today=None):
    """How long `obj` has waited (working days, bank holidays excluded) and, for a budget
    holder, whether their limit covers it."""
    today = today or timezone.localdate()
    days = max(working_days_between(timezone.localdate(obj.created_at), today), 0)
    item = Waiting(obj=obj, kind=kind, value=obj.value, days_waiting=days,
                   overdue=days >= APPROVAL_DUE_WORKING_DAYS,
                   key_decision=obj.value is not None and is_key_decision(obj.value))
    if user is not None:
        item.limit = approval_limit_of(user)
        item.within_limit = obj.value is not None and within_approval_limit(user, obj.value)
    return item


def approval_queue(user, today=None):
    """The spot placements and blocks of the user's authority awaiting approval, oldest
    first: two queries however many there are."""
    today = today or timezone.localdate()
    authority_id = user.organisation_id
    return {
        "placements": [waiting(p, kind="placement", user=user, today=today)
                       for p in awaiting_placements(authority_id)],
        "blocks": [waiting(b, kind="block", user=user, today=today)
                   for b in awaiting_blocks(authority_id)],
    }
