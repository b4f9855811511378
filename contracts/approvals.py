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
from dps import audit, outbox
from dps.approvals import (
    APPROVAL_DUE_WORKING_DAYS,
    approval_limit_of,
    check_approval,
    is_key_decision,
    within_approval_limit,
)
from dps.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
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


# --- Passing a purchase above one's limit to an approver whose limit covers it -------------

PASSED_ON = {"placement": "placement.approval_passed_on",
             "block": "blockcontract.approval_passed_on"}


def approvers_for(obj, *, exclude=None):
    """The authority's active budget holders whose limit covers `obj`'s value, highest limit
    first (never `exclude`): the award's rule (calloffs.selectors)."""
    from calloffs.selectors import able_to_approve, budget_holders

    if obj.value is None:
        return []
    return able_to_approve(budget_holders(obj.authority_id), obj.value, exclude=exclude)


def _pass_on(model, pk, *, kind, noun, by, to, note):
    obj = (model.objects.select_for_update(of=("self",)).select_related("lot", "authority")
           .filter(pk=pk).first())
    if obj is None:
        raise NotFound()
    _require_approver(obj.authority_id, by)
    if obj.approval != Approval.AWAITING:
        raise InvalidTransition(f"This {noun} is already approved: there is nothing to pass on.")
    if obj.value is None or within_approval_limit(by, obj.value):
        raise RuleViolation(f"Your approval limit covers this {noun}: approve it yourself.",
                            code="invalid", fields={"to": ["You can approve it yourself."]})
    approver = next((user for user in approvers_for(obj, exclude=by)
                     if str(user.pk) == str(to)), None)
    if approver is None:
        raise RuleViolation(f"Choose a budget holder whose approval limit covers the {noun}.",
                            code="invalid",
                            fields={"to": ["Not a budget holder whose limit covers it."]})
    audit.record(obj, PASSED_ON[kind], by=by, reason=(note or "").strip(),
                 data={"to": approver.pk, "value": str(obj.value)})
    from contracts import tasks

    outbox.enqueue(tasks.notify_purchase_passed_on, kind, obj.pk, approver.pk, by.pk)
    return approver


@transaction.atomic
def pass_placement(placement, *, by, to, note=""):
    """A budget holder whose limit does not cover a spot placement passes it to `to` (a user
    id) of the same authority whose limit does: it stays awaiting approval, the pass is
    audited and `to` is e-mailed."""
    return _pass_on(Placement, placement.pk, kind="placement", noun="spot placement", by=by,
                    to=to, note=note)


@transaction.atomic
def pass_block(block, *, by, to, note=""):
    """As `pass_placement`, for a block purchase."""
    return _pass_on(BlockContract, block.pk, kind="block", noun="block purchase", by=by, to=to,
                    note=note)


def passes_on(kind, ids, holders):
    """{id: (approver, when)}: the latest pass of each purchase, read from the audit trail so
    the queue says it was passed rather than "ask them" again. One query."""
    from django.contrib.contenttypes.models import ContentType

    from dps.models import AuditEntry

    model = Placement if kind == "placement" else BlockContract
    by_id = {holder.pk: holder for holder in holders}
    found = {}
    for object_id, data, at in (AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(model), object_id__in=list(ids),
            action=PASSED_ON[kind]).order_by("at", "id").values_list("object_id", "data", "at")):
        approver = by_id.get((data or {}).get("to"))
        if approver is not None:
            found[int(object_id)] = (approver, at)
    return found


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
    others: list = None  # above the limit: who else may approve it
    passed_to: tuple = None  # (approver, when) once passed on


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


def with_passes(items, user, holders=None):
    """Fill, for those above `user`'s limit, who else may approve and whom it was passed to."""
    from calloffs.selectors import able_to_approve, budget_holders

    above = [item for item in items if item.within_limit is False]
    if not above:
        return items
    holders = holders if holders is not None else budget_holders(user.organisation_id)
    for kind in ("placement", "block"):
        mine = [item for item in above if item.kind == kind]
        passed = passes_on(kind, [item.obj.pk for item in mine], holders) if mine else {}
        for item in mine:
            item.others = able_to_approve(holders, item.value, exclude=user)
            item.passed_to = passed.get(item.obj.pk)
    return items


def approval_queue(user, today=None):
    """The spot placements and blocks of the user's authority awaiting approval, oldest
    first: at most five queries however many there are."""
    today = today or timezone.localdate()
    authority_id = user.organisation_id
    placements = [waiting(p, kind="placement", user=user, today=today)
                  for p in awaiting_placements(authority_id)]
    blocks = [waiting(b, kind="block", user=user, today=today)
              for b in awaiting_blocks(authority_id)]
    with_passes(placements + blocks, user)
    return {"placements": placements, "blocks": blocks}
