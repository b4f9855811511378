"""Call-offs: publication, expressions of interest, Q&A, evaluation, recommendation, approval.

One function per action: atomic, takes the acting user, checks the rules, moves the state and
writes the audit row in the same transaction. Side effects (e-mail) run after commit.
"""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_fsm import can_proceed

from calloffs import quality, selectors, tasks
from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from dps import audit, formatting, outbox
from dps.approvals import check_approval, commitment_value
from dps.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    RuleViolation,
    require_reason,
)
from dps.transitions import move
from providers.exclusions import debarred
from providers.models import Membership, PriceUnit
from providers.services import active_debarment
from referrals.audience import refuse_identifiers
from referrals.models import Referral
from referrals.services import check_publishable


def _after_commit(task, *args):
    outbox.enqueue(task, *args)


_move = move


def _lock_calloff(calloff):
    return CallOff.objects.select_for_update(of=("self",)).select_related(
        "lot", "lot__dps", "referral").get(pk=calloff.pk)


# --- Publication ----------------------------------------------------------------------------

@transaction.atomic
def publish_referral(referral, *, by, deadline, short_deadline_reason="", quality_weight=60,
                     price_weight=40, criteria=None):
    """Publish the referral as a call-off to every admitted, unsuspended provider on its lot,
    with its quality criteria (`criteria`, else the lot's defaults; ADR 0026)."""
    referral = Referral.objects.select_for_update(of=("self",)).select_related(
        "authority", "child", "lot", "lot__dps").get(pk=referral.pk)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition(f"This referral is already {referral.status}.")
    if quality_weight + price_weight != 100:
        raise RuleViolation("The quality and price weights must add up to 100.", code="invalid",
                            fields={"quality_weight": ["quality_weight + price_weight = 100"]})
    if criteria is not None:
        criteria = quality.check_criteria(criteria)
    check_publishable(referral, deadline=deadline, short_deadline_reason=short_deadline_reason)
    now = timezone.now()
    write_published = move(referral, "publish", by=by)
    referral.published_at = now
    referral.published_by = by
    referral.save(update_fields=["status", "published_at", "published_by"])
    calloff = CallOff.objects.create(
        referral=referral, authority=referral.authority, lot=referral.lot,
        child_age=referral.age_at_start(), deadline=deadline,
        short_deadline_reason=short_deadline_reason, quality_weight=quality_weight,
        price_weight=price_weight, published_at=now, published_by=by,
    )
    published_criteria = quality.publish_criteria(calloff, criteria)
    calloff.invited_count, excluded = _invite_admitted_members(calloff, now)
    calloff.save(update_fields=["invited_count"])
    write_published()
    audit.record(calloff, "calloff.published", by=by, to_state=calloff.status,
                 reason=short_deadline_reason,
                 data={"invited": calloff.invited_count, "deadline": deadline.isoformat(),
                       "excluded_suppliers_not_invited": excluded,
                       "criteria": published_criteria})
    _after_commit(tasks.notify_invited_providers, calloff.pk)
    return calloff


def _invite_admitted_members(calloff, now):
    """Invite every admitted (not suspended, not removed) member of the lot that is not on the
    debarment list today (PA 2023 ss. 57–58; PCR 2015 reg. 57), in one statement however many
    there are: INSERT ... SELECT, so no rows travel through Python. Returns (invited, excluded).
    """
    today = timezone.localdate(now)
    admitted = Membership.objects.filter(lot_id=calloff.lot_id,
                                         status=Membership.Status.ADMITTED).order_by()
    excluded = admitted.filter(debarred("provider", today)).count()
    sql, params = admitted.exclude(debarred("provider", today)).values_list(
        "provider_id", "id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Invitation._meta.db_table} (calloff_id, provider_id, membership_id, "
            f"invited_at) SELECT %s, members.provider_id, members.id, %s FROM ({sql}) members",
            [calloff.pk, now, *params],
        )
        return cursor.rowcount, excluded


@transaction.atomic
def close_calloff(calloff, *, by):
    calloff = _lock_calloff(calloff)
    write = _move(calloff, "close", by=by)
    calloff.closed_at = timezone.now()
    calloff.save(update_fields=["status", "closed_at"])
    write()
    return calloff


@transaction.atomic
def cancel_calloff(calloff, *, by, reason):
    calloff = _lock_calloff(calloff)
    require_reason(reason, "Say why the call-off is cancelled.")
    write = _move(calloff, "cancel", by=by, reason=reason)
    refuse_identifiers(calloff, {"reason": reason})
    calloff.ended_reason = reason
    calloff.save(update_fields=["status", "ended_reason"])
    write()
    return calloff


def close_due_calloffs(now=None):
    """Close every open call-off whose deadline has passed. Running it twice changes nothing."""
    now = now or timezone.now()
    ids = list(CallOff.objects.filter(status=CallOff.Status.OPEN, deadline__lte=now)
               .values_list("pk", flat=True))
    closed = 0
    for pk in ids:
        try:
            close_calloff(CallOff(pk=pk), by=None)
            closed += 1
        except InvalidTransition:
            pass  # closed by hand or by another worker meanwhile
    return closed


# --- Expressions of interest ----------------------------------------------------------------

def _invitation_for(calloff, provider):
    invitation = Invitation.objects.filter(calloff=calloff, provider=provider).select_related(
        "membership").first()
    if invitation is None:
        raise Forbidden("Your organisation was not invited to this call-off.", code="not_invited")
    return invitation


def _live_membership(calloff, provider):
    membership = Membership.objects.filter(
        provider=provider, lot_id=calloff.lot_id, status__in=Membership.LIVE).first()
    if membership is None or membership.status != Membership.Status.ADMITTED:
        raise Forbidden(
            "Your membership of this lot is suspended or removed, so you cannot respond.",
            code="membership_inactive")
    return membership


def _check_open(calloff, now=None):
    now = now or timezone.now()
    if calloff.status == CallOff.Status.CANCELLED:
        raise InvalidTransition("This call-off was cancelled.")
    if not selectors.accepts_responses(calloff, now):
        raise RuleViolation(
            f"The deadline passed at {formatting.date_time(calloff.deadline)}.",
            code="deadline_passed")


def _check_price(price, membership, unit):
    if price <= 0:
        raise RuleViolation("The price must be more than £0.", code="invalid",
                            fields={"price": ["Must be more than 0."]})
    if price > membership.price_cap:
        raise RuleViolation(
            f"Your price is above your cap for this lot: {formatting.money(membership.price_cap)} "
            f"{PriceUnit(unit).label}.", code="price_above_cap",
            fields={"price": [f"At most {membership.price_cap}."]})


@transaction.atomic
def submit_eoi(calloff, *, by, price, proposed_start, how_needs_met, outcomes_approach=""):
    provider = by.organisation
    # Lock the call-off: one provider's parallel submissions queue here, and closing cannot
    # interleave with a submission.
    calloff = _lock_calloff(calloff)
    _invitation_for(calloff, provider)
    _check_open(calloff)
    membership = _live_membership(calloff, provider)
    if ExpressionOfInterest.objects.filter(calloff=calloff, provider=provider,
                                           status=ExpressionOfInterest.Status.SUBMITTED).exists():
        raise Conflict("You have already expressed interest: change or withdraw that one.",
                       code="duplicate_eoi")
    _check_price(price, membership, calloff.lot.price_unit)
    try:
        with transaction.atomic():
            eoi = ExpressionOfInterest.objects.create(
                calloff=calloff, provider=provider, price=price, offered_price=price,
                proposed_start=proposed_start, how_needs_met=how_needs_met,
                outcomes_approach=outcomes_approach, submitted_by=by)
    except IntegrityError as exc:  # the partial unique index caught a race
        raise Conflict("You have already expressed interest: change or withdraw that one.",
                       code="duplicate_eoi") from exc
    audit.record(eoi, "eoi.submitted", by=by, to_state=eoi.status,
                 data={"price": str(price)})
    return eoi


def _lock_eoi(eoi):
    return ExpressionOfInterest.objects.select_for_update(of=("self",)).select_related(
        "calloff", "calloff__lot").get(pk=eoi.pk)


@transaction.atomic
def amend_eoi(eoi, *, by, **changes):
    eoi = _lock_eoi(eoi)
    if eoi.status != ExpressionOfInterest.Status.SUBMITTED:
        raise InvalidTransition("A withdrawn expression of interest cannot be changed.")
    _check_open(eoi.calloff)
    # A suspended or removed member cannot change its offer at all, not only its price.
    membership = _live_membership(eoi.calloff, eoi.provider)
    if "price" in changes:
        _check_price(changes["price"], membership, eoi.calloff.lot.price_unit)
        eoi.offered_price = changes["price"]
    for field, value in changes.items():
        setattr(eoi, field, value)
    eoi.save()
    audit.record(eoi, "eoi.amended", by=by, data={
        "fields": sorted(changes), **({"price": str(changes["price"])} if "price" in changes
                                      else {})})
    return eoi


@transaction.atomic
def withdraw_eoi(eoi, *, by):
    eoi = _lock_eoi(eoi)
    if eoi.status != ExpressionOfInterest.Status.SUBMITTED:
        raise InvalidTransition("This expression of interest is already withdrawn.")
    _check_open(eoi.calloff)
    write = _move(eoi, "withdraw", by=by)
    eoi.withdrawn_at = timezone.now()
    eoi.save(update_fields=["status", "withdrawn_at"])
    write()
    return eoi


# --- Clarification questions ----------------------------------------------------------------

@transaction.atomic
def ask_question(calloff, *, by, text):
    calloff = _lock_calloff(calloff)
    _invitation_for(calloff, by.organisation)
    _check_open(calloff)
    question = Question.objects.create(calloff=calloff, asked_by=by.organisation, text=text)
    audit.record(question, "question.asked", by=by)
    return question


@transaction.atomic
def answer_question(question, *, by, text):
    question = Question.objects.select_for_update().get(pk=question.pk)
    if question.answered_at is not None:
        raise InvalidTransition("This question has already been answered.")
    # Every invited provider reads the answer, on the page, through the API and by e-mail.
    refuse_identifiers(question.calloff, {"text": text})
    question.answer = text
    question.answered_at = timezone.now()
    question.answered_by = by
    question.save(update_fields=["answer", "answered_at", "answered_by"])
    audit.record(question, "question.answered", by=by)
    _after_commit(tasks.notify_answer, question.pk)
    return question


# --- Evaluation, negotiation and recommendation ---------------------------------------------

def _require_closed(calloff, doing):
    if calloff.status != CallOff.Status.CLOSED:
        raise InvalidTransition(f"Call-offs are {doing} once closed; this one is "
                                f"{calloff.status}.")


@transaction.atomic
def evaluate_eoi(eoi, *, by, quality_score=None, notes="", scores=None):
    """Score an offer's quality: per published criterion (`scores`, ADR 0026), or, as v1
    clients do, one `quality_score` (which then replaces any per-criterion scores)."""
    eoi = _lock_eoi(eoi)
    _require_closed(eoi.calloff, "evaluated")
    if eoi.status != ExpressionOfInterest.Status.SUBMITTED:
        raise InvalidTransition("A withdrawn expression of interest is not evaluated.")
    if scores is not None:
        return quality.score_by_criteria(eoi, by=by, scores=scores, notes=notes)
    if quality_score is None:
        raise RuleViolation("Send a score for each criterion, or one quality score.",
                            code="invalid", fields={"scores": ["Score each criterion."]})
    if not 0 <= quality_score <= 100:
        raise RuleViolation("The quality score is from 0 to 100.", code="invalid",
                            fields={"quality_score": ["From 0 to 100."]})
    # The bidder reads the notes as its feedback once the call-off is decided.
    refuse_identifiers(eoi.calloff, {"notes": notes})
    before = eoi.quality_score
    eoi.criterion_scores.all().delete()  # one overall score now stands for them
    eoi.quality_score = quality_score
    eoi.evaluation_notes = notes
    eoi.evaluated_at = timezone.now()
    eoi.evaluated_by = by
    eoi.save(update_fields=["quality_score", "evaluation_notes", "evaluated_at",
                            "evaluated_by"])
    audit.record(eoi, "eoi.evaluated", by=by, reason=notes,
                 data={"quality_score": quality_score, "previous": before})
    return eoi


@transaction.atomic
def open_negotiation(calloff, *, by, until):
    calloff = _lock_calloff(calloff)
    _require_closed(calloff, "negotiated")
    if until <= timezone.now():
        raise RuleViolation("The negotiation must end in the future.", code="invalid",
                            fields={"until": ["Must be in the future."]})
    calloff.negotiation_until = until
    calloff.save(update_fields=["negotiation_until"])
    audit.record(calloff, "calloff.negotiation_opened", by=by, data={"until": until.isoformat()})
    return calloff


@transaction.atomic
def revise_price(eoi, *, by, price):
    """In a negotiation a provider may lower its price, never raise it."""
    eoi = _lock_eoi(eoi)
    calloff = eoi.calloff
    if not selectors.in_negotiation(calloff):
        raise InvalidTransition("Prices can be revised only during a negotiation.")
    if eoi.status != ExpressionOfInterest.Status.SUBMITTED:
        raise InvalidTransition("A withdrawn expression of interest cannot be revised.")
    if price >= eoi.price:
        raise RuleViolation("In a negotiation the price may only go down from "
                            f"{formatting.money(eoi.price)}.",
                            code="price_increase", fields={"price": [f"Below {eoi.price}."]})
    membership = _live_membership(calloff, eoi.provider)
    _check_price(price, membership, calloff.lot.price_unit)
    before = eoi.price
    eoi.price = price
    eoi.save(update_fields=["price", "updated_at"])
    audit.record(eoi, "eoi.price_revised", by=by, data={"from": str(before), "to": str(price)})
    return eoi


@transaction.atomic
def recommend(calloff, *, by, eoi, reason):
    calloff = _lock_calloff(calloff)
    if not can_proceed(calloff.recommend):
        raise InvalidTransition(f"Only a closed call-off can be recommended; this one is "
                                f"{calloff.status}.")
    if eoi.calloff_id != calloff.pk or eoi.status != ExpressionOfInterest.Status.SUBMITTED:
        raise RuleViolation("Recommend a live expression of interest made to this call-off.",
                            code="invalid", fields={"eoi": ["Not a live offer on this call-off."]})
    ranking = selectors.ranking(calloff)
    unscored = [row for row in ranking if row["quality_score"] is None]
    if unscored:
        raise RuleViolation(
            f"Score every offer's quality first ({len(unscored)} still to score).",
            code="evaluation_incomplete")
    require_reason(reason, "Give the reason for the recommendation.")
    first = ranking[0]["eoi"] if ranking else None
    write = _move(calloff, "recommend", by=by, reason=reason,
                  data={"eoi": eoi.pk, "ranked_first": first == eoi.pk})
    calloff.recommended_eoi = eoi
    calloff.recommendation_reason = reason
    calloff.recommended_at = timezone.now()
    calloff.recommended_by = by
    calloff.save(update_fields=["status", "recommended_eoi", "recommendation_reason",
                                "recommended_at", "recommended_by"])
    write()
    from calloffs.approval_requests import request_approval

    request_approval(calloff)
    return calloff


@transaction.atomic
def reject_recommendation(calloff, *, by, reason):
    calloff = _lock_calloff(calloff)
    require_reason(reason, "Say why the recommendation is sent back.")
    write = _move(calloff, "reject_recommendation", by=by, reason=reason)
    # The recommendation is gone; the audit trail keeps what it was and why it was sent back.
    calloff.recommended_eoi = None
    calloff.recommendation_reason = ""
    calloff.recommended_at = None
    calloff.recommended_by = None
    calloff.save(update_fields=["status", "recommended_eoi", "recommendation_reason",
                                "recommended_at", "recommended_by"])
    write()
    return calloff


@transaction.atomic
def declare_no_award(calloff, *, by, reason):
    """No suitable offer: ends the call-off; later justifies a spot purchase."""
    calloff = _lock_calloff(calloff)
    require_reason(reason, "Say why no offer was suitable.")
    write = _move(calloff, "no_award", by=by, reason=reason)
    refuse_identifiers(calloff, {"reason": reason})
    calloff.ended_reason = reason
    calloff.save(update_fields=["status", "ended_reason"])
    write()
    _after_commit(tasks.notify_outcome, calloff.pk)
    return calloff


def award_value(*, price, unit, duration_weeks, hours_per_week=None):
    """What the award commits: the figure the approval limit is checked against."""
    return commitment_value(price=price, unit=unit, weeks=duration_weeks,
                            hours_per_week=hours_per_week)


def _check_awardable(provider, lot):
    membership = Membership.objects.filter(provider=provider, lot=lot,
                                           status__in=Membership.LIVE).first()
    if membership is None:
        raise RuleViolation(f"{provider} has been removed from this lot: recommend another offer.",
                            code="provider_removed")
    if membership.status == Membership.Status.SUSPENDED:
        raise RuleViolation(
            f"{provider} is suspended"
            + (f" until {formatting.long_date(membership.suspended_until)}"
               if membership.suspended_until else "") + ": recommend another offer.",
            code="provider_suspended")
    if active_debarment(provider):
        raise RuleViolation(f"{provider} is on the debarment list: recommend another offer.",
                            code="provider_debarred")


@transaction.atomic
def approve_award(calloff, *, by, key_decision_reference=""):
    """The budget holder's approval: creates the placement. One call-off, one award."""
    from contracts.services import create_placement_from_award

    # The row lock serialises racing approvals: the second sees `awarded` and gets 409.
    calloff = _lock_calloff(calloff)
    if by.organisation_id != calloff.authority_id:
        raise NotFound()  # another authority's call-off does not exist for this approver
    if not can_proceed(calloff.approve):
        raise InvalidTransition(f"Only a recommendation awaiting approval can be approved; "
                                f"this call-off is {calloff.get_status_display().lower()}.")
    eoi = ExpressionOfInterest.objects.select_related("provider").get(
        pk=calloff.recommended_eoi_id)
    referral = calloff.referral
    value = award_value(price=eoi.price, unit=calloff.lot.price_unit,
                        duration_weeks=referral.duration_weeks,
                        hours_per_week=referral.hours_per_week)
    reference = check_approval(by, value, key_decision_reference, noun="award")
    _check_awardable(eoi.provider, calloff.lot)

    # What the notices (a later part) need: the route, and whether a standstill must pass
    # after the contract award notice before the contract is entered into (PA 2023 s.51).
    standstill = calloff.lot.dps.rules.standstill_working_days
    write = _move(calloff, "approve", by=by, data={
        "eoi": eoi.pk, "value": str(value), "route": calloff.route,
        "standstill_working_days": standstill})
    calloff.award_value = value
    calloff.key_decision_reference = reference
    calloff.approved_at = timezone.now()
    calloff.approved_by = by
    calloff.save(update_fields=["status", "award_value", "key_decision_reference",
                                "approved_at", "approved_by"])
    write()
    _record_outcomes(calloff, awarded=eoi)
    placement = create_placement_from_award(calloff, eoi, by=by)
    _after_commit(tasks.notify_outcome, calloff.pk)
    return placement


def _record_outcomes(calloff, *, awarded):
    """Store each bidder's rank and scores, to tell them with the outcome."""
    rows = {row["eoi"]: row for row in selectors.ranking(calloff)}
    eois = list(calloff.eois.filter(status=ExpressionOfInterest.Status.SUBMITTED))
    for eoi in eois:
        row = rows.get(eoi.pk, {})
        eoi.rank = row.get("rank")
        eoi.price_score = row.get("price_score")
        eoi.total_score = row.get("total")
        eoi.outcome = (ExpressionOfInterest.Outcome.AWARDED if eoi.pk == awarded.pk
                       else ExpressionOfInterest.Outcome.UNSUCCESSFUL)
    ExpressionOfInterest.objects.bulk_update(eois, ["rank", "price_score", "total_score",
                                                    "outcome"])
