"""Placements: created from an award or recorded as spot, reviewed, ended, moved by dates."""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts import rules, tasks
from contracts.models import (
    Approval,
    EndReason,
    FeePeriod,
    Placement,
    PlacementReview,
)
from contracts.services_common import (
    _after_commit,
    _approve_at_once,
    _invalid,
    _lock,
    _require_authority,
    _require_not_ended,
    _sync_price,
    placement_value,
    refresh_current_prices,
)
from contracts.services_discounts import (
    discounted_price,
    volume_discount_for,
)
from dps import audit, outbox
from dps.approvals import may_approve_at_once
from dps.errors import Conflict, InvalidTransition, NotFound, RuleViolation
from dps.transitions import move
from providers.models import PriceUnit
from reports.summary import follow

# --- Creation -------------------------------------------------------------------------------

def _create_placement(*, by, reason, audit_data, **fields):
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
    # Built after commit, never in the request (contracts.agreements).
    from contracts.agreements import queue_first_agreement

    queue_first_agreement(placement, by=by, reason=reason)
    follow(placement)  # the spend summary (ADR 0023); an awaiting one adds nothing yet
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
        by=by, reason="Awarded through the DPS call-off",
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
    follow(placement)
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
