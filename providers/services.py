"""Admission: rounds, applications, decisions and memberships.

One function per business action: atomic, takes the acting user (`by`, None for the scheduler),
checks the rules, moves the state and writes the audit row in the same transaction.
"""

from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_fsm import can_proceed

from dps import audit, formatting, outbox
from dps.errors import Conflict, InvalidTransition, RuleViolation, require_reason
from dps.transitions import move
from dps.workdays import add_working_days
from providers import selectors, tasks
from providers.models import (
    AdmissionRound,
    Application,
    ApplicationLot,
    Debarment,
    Dps,
    Lot,
    Membership,
    Outcome,
)
from providers.regimes import rules_for

# The audience registry imports no app: it reaches the children through django.apps.
from referrals.audience import refuse_identifiers


def _local_today():
    return timezone.localdate()


# One transition helper for every app: the 409 message and the audit row in one place.
_transition = move


def _after_commit(task, *args):
    # Side effects only once the decision is safely stored, and by id, never by object.
    outbox.enqueue(task, *args)


def _locked(model, pk):
    return model.objects.select_for_update().get(pk=pk)


# --- Arrangements ---------------------------------------------------------------------------

RULE_SETTINGS = ("max_extension_months", "evaluation_working_days", "evaluation_max_working_days",
                 "max_suspension_months", "min_response_days", "fixed_price_months")


@transaction.atomic
def create_dps(*, by, code, name, regime, starts_on, ends_on, lots, description="",
               extension_options="", regulator="none", required_declarations=(),
               lead_authority=None, **rule_settings):
    """Set up an arrangement and its lots; rule settings default from the regime."""
    if Dps.objects.filter(code=code).exists():
        raise RuleViolation("A DPS with this code exists.", code="invalid",
                            fields={"code": ["Already in use."]})
    if ends_on <= starts_on:
        raise RuleViolation("The term must end after it starts.", code="invalid",
                            fields={"ends_on": ["Must be after starts_on."]})
    _check_regime_term(regime, starts_on, ends_on)
    codes = [lot["code"] for lot in lots]
    if len(set(codes)) != len(codes):
        raise RuleViolation("Each lot needs its own code.", code="invalid",
                            fields={"lots": ["Lot codes must be unique."]})
    dps = Dps(code=code, name=name, description=description, regime=regime,
              starts_on=starts_on, ends_on=ends_on, extension_options=extension_options,
              regulator=regulator, required_declarations=list(required_declarations),
              lead_authority=lead_authority)
    dps.apply_regime_defaults()
    for field, value in rule_settings.items():
        if field in RULE_SETTINGS and value is not None:
            setattr(dps, field, value)
    if dps.evaluation_max_working_days < dps.evaluation_working_days:
        raise RuleViolation(
            "The extension limit cannot be shorter than the standard evaluation period.",
            code="invalid", fields={"evaluation_max_working_days": ["Too short."]})
    dps.save()
    Lot.objects.bulk_create(Lot(dps=dps, position=index, **lot) for index, lot in enumerate(lots))
    audit.record(dps, "dps.created", by=by, data={"regime": regime, "lots": codes})
    return dps


def _check_regime_term(regime, starts_on, ends_on):
    """The law decides which regime a new arrangement can use and how long it may run."""
    rules = rules_for(regime)
    if rules.new_arrangements_until and starts_on >= rules.new_arrangements_until:
        # Procurements started from 24 February 2025 are under the Procurement Act 2023.
        raise RuleViolation(
            "An arrangement starting on or after "
            f"{formatting.long_date(rules.new_arrangements_until)} is "
            f"set up under the Procurement Act 2023, not the {rules.label}: choose "
            "pa2023_dynamic_market or pa2023_light_touch.", code="regime_closed",
            fields={"regime": ["Not available for a new arrangement from 24 February 2025."]})
    if rules.transition_end and ends_on > rules.transition_end:
        raise RuleViolation(
            f"A DPS under the 2015 Regulations may run no later than "
            f"{formatting.long_date(rules.transition_end)}.", code="beyond_transition_end",
            fields={"ends_on": [f"No later than {rules.transition_end}."]})


# --- Rounds ---------------------------------------------------------------------------------

@transaction.atomic
def create_round(*, by, dps: Dps, opens_at, closes_at):
    if closes_at <= opens_at:
        raise RuleViolation(
            "A round must close after it opens.", code="invalid",
            fields={"closes_at": ["Must be after opens_at."]},
        )
    if closes_at <= timezone.now():
        raise RuleViolation(
            "A round must close in the future.", code="invalid",
            fields={"closes_at": ["Must be in the future."]},
        )
    overlapping = AdmissionRound.objects.filter(
        dps=dps, status__in=[AdmissionRound.Status.SCHEDULED, AdmissionRound.Status.OPEN],
        opens_at__lt=closes_at, closes_at__gt=opens_at,
    )
    if overlapping.exists():
        raise RuleViolation(
            "This round would overlap another scheduled or open round.", code="round_overlaps",
            fields={"opens_at": ["Overlaps another round."]},
        )
    round_ = AdmissionRound.objects.create(
        dps=dps, opens_at=opens_at, closes_at=closes_at, created_by=by
    )
    audit.record(round_, "round.created", by=by, to_state=round_.status)
    if opens_at <= timezone.now():
        _open(round_, by=by)
    return round_


def _lock_dps(dps_id):
    # Submitting, opening and closing a round take this lock, so a submission either sees the
    # round's new state or is seen by the round: none is left waiting beside an open round, or
    # in a closed round without its decision date.
    Dps.objects.select_for_update().filter(pk=dps_id).values_list("pk").first()


def _open(round_, *, by):
    """Open the round, and it takes every application submitted while no round was open or
    scheduled (the DPS is open throughout its term, reg. 34): same transaction, audited."""
    write = _transition(round_, "open", by=by)
    round_.opened_at = timezone.now()
    round_.save(update_fields=["status", "opened_at"])
    write()
    _lock_dps(round_.dps_id)
    waiting = list(selectors.applications_waiting_for_round(round_.dps_id)
                   .select_for_update().order_by("submitted_at", "id"))
    for application in waiting:
        application.round = round_
        application.save(update_fields=["round"])
        audit.record(application, "application.joined_round", by=by,
                     data={"round": round_.pk})
    if waiting:
        audit.record(round_, "round.took_waiting_applications", by=by,
                     data={"applications": [a.pk for a in waiting]})


@transaction.atomic
def open_round(round_: AdmissionRound, *, by):
    round_ = _locked(AdmissionRound, round_.pk)
    _open(round_, by=by)
    return round_


@transaction.atomic
def close_round(round_: AdmissionRound, *, by):
    """Close the round and start the evaluation clock for its submitted applications."""
    round_ = AdmissionRound.objects.select_related("dps").select_for_update(of=("self",)).get(
        pk=round_.pk
    )
    write = _transition(round_, "close", by=by)
    _lock_dps(round_.dps_id)
    round_.closed_at = timezone.now()
    round_.save(update_fields=["status", "closed_at"])
    due = add_working_days(timezone.localdate(round_.closed_at),
                           round_.dps.evaluation_working_days)
    count = round_.applications.filter(status=Application.Status.SUBMITTED).update(
        evaluation_due=due
    )
    write()
    if count == 0:
        _complete(round_, by=by, reason="No applications to decide.")
    return round_


def _complete(round_, *, by, reason=""):
    write = _transition(round_, "complete", by=by, reason=reason)
    round_.completed_at = timezone.now()
    round_.save(update_fields=["status", "completed_at"])
    write()


# --- Applications ---------------------------------------------------------------------------

def _resolve_lots(dps, lots):
    """[{"lot": code|Lot, "price_cap": Decimal}] → [(Lot, Decimal)], checked against the DPS."""
    by_code = {lot.code: lot for lot in dps.lots.all()}
    resolved, errors, seen = [], {}, set()
    for index, item in enumerate(lots):
        lot = item["lot"]
        code = lot.code if isinstance(lot, Lot) else str(lot)
        if code not in by_code:
            errors[f"lots.{index}.lot"] = [f"{code!r} is not a lot of {dps.name}."]
            continue
        if code in seen:
            errors[f"lots.{index}.lot"] = [f"Lot {code!r} is listed twice."]
            continue
        seen.add(code)
        resolved.append((by_code[code], Decimal(item["price_cap"])))
    if errors:
        raise RuleViolation("Some lots are not valid.", code="invalid", fields=errors)
    return resolved


@transaction.atomic
def create_application(*, by, provider, dps, lots=(), ofsted_urn="", cqc_location_id="",
                       declarations=None, credit_check_date=None, credit_check_result="",
                       financial_standing_notes=""):
    resolved = _resolve_lots(dps, lots)
    application = Application.objects.create(
        dps=dps, provider=provider, ofsted_urn=ofsted_urn.strip().upper(),
        cqc_location_id=cqc_location_id.strip(), declarations=declarations or {},
        credit_check_date=credit_check_date, credit_check_result=credit_check_result,
        financial_standing_notes=financial_standing_notes, created_by=by,
    )
    ApplicationLot.objects.bulk_create(
        ApplicationLot(application=application, lot=lot, price_cap=cap) for lot, cap in resolved
    )
    audit.record(application, "application.created", by=by, to_state=application.status)
    return application


@transaction.atomic
def update_application(application, *, by, lots=None, **changes):
    application = _locked(Application, application.pk)
    if application.status != Application.Status.DRAFT:
        raise InvalidTransition("Only a draft application can be changed.")
    for field, value in changes.items():
        setattr(application, field, value)
    application.ofsted_urn = application.ofsted_urn.strip().upper()
    application.save()
    if lots is not None:
        resolved = _resolve_lots(application.dps, lots)
        application.lots.all().delete()
        ApplicationLot.objects.bulk_create(
            ApplicationLot(application=application, lot=lot, price_cap=cap)
            for lot, cap in resolved
        )
    audit.record(application, "application.updated", by=by, data={"fields": sorted(changes)})
    return application


def _submission_problems(application):
    problems = {}
    # In the order the applicant gave them, so `lots.N` points at the lot they sent N-th.
    lots = list(application.lots.select_related("lot").order_by("id"))
    if not lots:
        problems["lots"] = ["Choose at least one lot."]
    for index, item in enumerate(lots):
        if item.price_cap <= 0:
            problems[f"lots.{index}.price_cap"] = ["The price cap must be more than £0."]
    missing = [
        item["label"] for item in application.dps.required_declarations
        if application.declarations.get(item["key"]) is not True
    ]
    if missing:
        problems["declarations"] = [
            "Confirm every declaration. Not yet confirmed: " + " ".join(missing)]
    if any(item.lot.requires_regulator_reference for item in lots):
        if application.dps.regulator == "ofsted" and not application.ofsted_urn:
            problems["ofsted_urn"] = ["Give your Ofsted URN for the lots you chose."]
        if application.dps.regulator == "cqc" and not application.cqc_location_id:
            problems["cqc_location_id"] = ["Give your CQC location ID for the lots you chose."]
    return lots, problems


@transaction.atomic
def submit_application(application, *, by):
    application = Application.objects.select_related("dps").select_for_update(
        of=("self",)
    ).get(pk=application.pk)
    if application.status != Application.Status.DRAFT:
        raise InvalidTransition(f"This application is already {application.status}.")
    lots, problems = _submission_problems(application)
    if problems:
        raise RuleViolation(
            "The application is not complete: see fields.", code="application_incomplete",
            fields=problems,
        )
    lot_ids = [item.lot_id for item in lots]
    held = Membership.objects.filter(
        provider_id=application.provider_id, lot_id__in=lot_ids, status__in=Membership.LIVE
    ).select_related("lot")
    if held:
        codes = ", ".join(sorted(m.lot.code for m in held))
        raise RuleViolation(
            f"You are already a member of: {codes}.", code="already_admitted",
            fields={"lots": [f"Already admitted to {codes}."]},
        )
    pending = ApplicationLot.objects.filter(
        application__provider_id=application.provider_id,
        application__status=Application.Status.SUBMITTED, lot_id__in=lot_ids,
    ).exclude(application=application)
    if pending.exists():
        raise Conflict(
            "Another application of yours for these lots is waiting for a decision.",
            code="application_pending",
        )
    # None when no round is open or scheduled: the application waits, and the next round to
    # open takes it (see _open).
    _lock_dps(application.dps_id)
    round_ = selectors.round_accepting_applications(application.dps)
    write = _transition(application, "submit", by=by,
                        data={"round": round_.pk if round_ else None})
    application.round = round_
    application.submitted_at = timezone.now()
    application.submitted_by = by
    application.save(update_fields=["status", "round", "submitted_at", "submitted_by"])
    write()
    return application


@transaction.atomic
def withdraw_application(application, *, by, reason=""):
    application = _locked(Application, application.pk)
    was_submitted = application.status == Application.Status.SUBMITTED
    write = _transition(application, "withdraw", by=by, reason=reason)
    application.save(update_fields=["status"])
    write()
    if was_submitted and application.round_id:
        # A closed round whose last undecided application leaves has nothing more to decide.
        round_ = AdmissionRound.objects.select_for_update().get(pk=application.round_id)
        if round_.status == AdmissionRound.Status.CLOSED and not round_.applications.filter(
                status=Application.Status.SUBMITTED).exists():
            _complete(round_, by=by, reason="Every application decided or withdrawn.")
    return application


@transaction.atomic
def extend_evaluation(application, *, by, working_days, reason):
    """Extend the decision deadline, up to the DPS's limit, with a recorded reason."""
    application = Application.objects.select_related("dps", "round").select_for_update(
        of=("self",)
    ).get(pk=application.pk)
    if application.status != Application.Status.SUBMITTED or application.round is None or \
            application.round.status != AdmissionRound.Status.CLOSED:
        raise InvalidTransition("Only an application in a closed round awaits a decision.")
    require_reason(reason, "Say why the decision needs longer.")
    refuse_identifiers(application.provider, {"reason": reason})
    limit = application.dps.evaluation_max_working_days
    if working_days > limit:
        raise RuleViolation(
            f"The decision may be extended to at most {limit} working days after the round "
            "closed.", code="extension_too_long",
            fields={"working_days": [f"At most {limit}."]},
        )
    if working_days <= application.dps.evaluation_working_days:
        raise RuleViolation(
            "An extension must give more working days than the standard period.",
            code="invalid", fields={"working_days": ["Must be more than the standard period."]},
        )
    before = application.evaluation_due
    application.evaluation_due = add_working_days(
        timezone.localdate(application.round.closed_at), working_days
    )
    application.evaluation_extension_reason = reason
    application.save(update_fields=["evaluation_due", "evaluation_extension_reason"])
    audit.record(
        application, "application.evaluation_extended", by=by, reason=reason,
        data={"from": str(before), "to": str(application.evaluation_due)},
    )
    return application


def active_debarment(provider, on=None):
    on = on or _local_today()
    match = Q(organisation=provider)
    if provider.companies_house_number:
        match |= Q(companies_house_number__iexact=provider.companies_house_number)
    return (
        Debarment.objects.filter(match, starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on)).first()
    )


@transaction.atomic
def decide_application(application, *, by, decisions):
    """Decide every lot of a submitted application; admitted lots become memberships."""
    application = Application.objects.select_related("dps", "round", "provider").select_for_update(
        of=("self",)
    ).get(pk=application.pk)
    if application.round is None or application.round.status != AdmissionRound.Status.CLOSED:
        raise InvalidTransition("Applications are decided once their round has closed.")
    if not can_proceed(application.decide):
        raise InvalidTransition(f"This application is {application.status}, not submitted.")

    items = {item.lot.code: item for item in application.lots.select_related("lot")}
    given, problems = {}, {}
    for index, decision in enumerate(decisions):
        code = decision["lot"]
        if code not in items:
            problems[f"decisions.{index}.lot"] = [f"The application does not include {code!r}."]
        elif code in given:
            problems[f"decisions.{index}.lot"] = [f"{code!r} is decided twice."]
        elif decision["outcome"] == Outcome.REJECTED and not decision.get("reason", "").strip():
            problems[f"decisions.{index}.reason"] = ["Give the reason for a rejection."]
        else:
            given[code] = decision
    missing = sorted(set(items) - set(given) - {d["lot"] for d in decisions})
    if missing:
        names = ", ".join(items[code].lot.name for code in missing)
        problems["decisions"] = [f"Decide every lot applied for. Not yet decided: {names}."]
    if problems:
        raise RuleViolation("The decisions are not complete: see fields.",
                            code="decisions_incomplete", fields=problems)

    admitting = [code for code, d in given.items() if d["outcome"] == Outcome.ADMITTED]
    if admitting:
        debarment = active_debarment(application.provider)
        if debarment:
            raise RuleViolation(
                f"{application.provider} is on the debarment list from "
                f"{formatting.long_date(debarment.starts_on)}: it cannot be admitted.",
                code="provider_debarred",
            )
        held = Membership.objects.filter(
            provider=application.provider, lot__in=[items[c].lot for c in admitting],
            status__in=Membership.LIVE,
        )
        if held.exists():
            # The same code as at submission, so the same status: one code, one meaning.
            raise RuleViolation(
                "The provider already holds a live membership of one of these lots.",
                code="already_admitted")

    refuse_identifiers(application.provider, {f"decisions.{index}.reason": d.get("reason", "")
                                              for index, d in enumerate(decisions)})
    now = timezone.now()
    for code, decision in given.items():
        item = items[code]
        item.outcome = decision["outcome"]
        item.reason = decision.get("reason", "")
    ApplicationLot.objects.bulk_update(items.values(), ["outcome", "reason"])
    write = _transition(
        application, "decide", by=by,
        data={code: d["outcome"] for code, d in sorted(given.items())},
    )
    application.decided_at = now
    application.decided_by = by
    application.save(update_fields=["status", "decided_at", "decided_by"])
    write()

    for code in admitting:
        item = items[code]
        membership = Membership.objects.create(
            provider=application.provider, lot=item.lot, price_cap=item.price_cap,
            application=application, admitted_at=now, status_reason=item.reason,
        )
        audit.record(membership, "membership.admitted", by=by, to_state=membership.status,
                     reason=item.reason)

    round_ = AdmissionRound.objects.select_for_update().get(pk=application.round_id)
    if not round_.applications.filter(status=Application.Status.SUBMITTED).exists():
        _complete(round_, by=by, reason="Every application decided.")
    _after_commit(tasks.send_decision_notice, application.pk)
    return application


# --- Memberships ----------------------------------------------------------------------------

def max_suspension_date(dps, today=None):
    return (today or _local_today()) + relativedelta(months=dps.max_suspension_months)


@transaction.atomic
def suspend_membership(membership, *, by, until, reason):
    membership = Membership.objects.select_related("lot__dps").select_for_update(
        of=("self",)
    ).get(pk=membership.pk)
    if not can_proceed(membership.suspend):
        raise InvalidTransition(f"Only an admitted membership can be suspended; this one is "
                                f"{membership.status}.")
    today = _local_today()
    if until <= today:
        raise RuleViolation("A suspension must end after today.", code="invalid",
                            fields={"until": ["Must be after today."]})
    latest = max_suspension_date(membership.lot.dps, today)
    if until > latest:
        raise RuleViolation(
            f"A suspension may last at most {membership.lot.dps.max_suspension_months} months: "
            f"until {formatting.long_date(latest)} at the latest.",
            code="suspension_too_long", fields={"until": [f"No later than {latest}."]},
        )
    require_reason(reason, "Say why the provider is suspended.")
    refuse_identifiers(membership.provider, {"reason": reason})
    write = _transition(membership, "suspend", by=by, reason=reason,
                        data={"until": until.isoformat()})
    membership.suspended_from = today
    membership.suspended_until = until
    membership.status_reason = reason
    membership.save(update_fields=["status", "suspended_from", "suspended_until",
                                   "status_reason"])
    write()
    return membership


@transaction.atomic
def reinstate_membership(membership, *, by, reason=""):
    membership = _locked(Membership, membership.pk)
    write = _transition(membership, "reinstate", by=by, reason=reason)
    refuse_identifiers(membership.provider, {"reason": reason})
    membership.suspended_from = None
    membership.suspended_until = None
    membership.status_reason = reason
    membership.save(update_fields=["status", "suspended_from", "suspended_until",
                                   "status_reason"])
    write()
    return membership


@transaction.atomic
def remove_membership(membership, *, by, reason):
    membership = _locked(Membership, membership.pk)
    if not can_proceed(membership.remove):
        raise InvalidTransition("This membership has already been removed.")
    require_reason(reason, "Say why the provider is removed.")
    refuse_identifiers(membership.provider, {"reason": reason})
    write = _transition(membership, "remove", by=by, reason=reason)
    membership.removed_at = timezone.now()
    membership.suspended_until = None
    membership.status_reason = reason
    membership.save(update_fields=["status", "removed_at", "suspended_until", "status_reason"])
    write()
    return membership


# --- Time-driven work (the scheduler calls these; each is idempotent) -----------------------

def _due(queryset):
    # Each row is then moved by its own service call, which locks the row and re-checks the
    # state: two workers on the same tick cannot both move it, and a second run finds nothing.
    return list(queryset.values_list("pk", flat=True))


def open_due_rounds(now=None):
    now = now or timezone.now()
    opened = 0
    ids = _due(AdmissionRound.objects.filter(
            status=AdmissionRound.Status.SCHEDULED, opens_at__lte=now))
    for pk in ids:
        try:
            open_round(AdmissionRound(pk=pk), by=None)
            opened += 1
        except InvalidTransition:
            pass  # another worker got there first
    return opened


def close_due_rounds(now=None):
    now = now or timezone.now()
    closed = 0
    ids = _due(AdmissionRound.objects.filter(
            status=AdmissionRound.Status.OPEN, closes_at__lte=now))
    for pk in ids:
        try:
            close_round(AdmissionRound(pk=pk), by=None)
            closed += 1
        except InvalidTransition:
            pass
    return closed


def lapse_suspensions(today=None):
    """Suspensions end by themselves on their `until` date."""
    today = today or _local_today()
    ids = _due(Membership.objects.filter(
            status=Membership.Status.SUSPENDED, suspended_until__lte=today))
    lapsed = 0
    for pk in ids:
        try:
            reinstate_membership(Membership(pk=pk), by=None, reason="Suspension lapsed.")
            lapsed += 1
        except InvalidTransition:
            pass
    return lapsed


def days_left_to_decide(application, today=None):
    if application.evaluation_due is None:
        return None
    from dps.workdays import working_days_between

    return working_days_between(today or _local_today(), application.evaluation_due)



# --- Debarment list -------------------------------------------------------------------------

@transaction.atomic
def add_debarment(*, by, name, starts_on, reason, organisation=None, companies_house_number="",
                  ends_on=None, ground="mandatory"):
    """List a supplier (PA 2023 ss. 57–62): from `starts_on` it is not admitted, invited or
    awarded, and in a dynamic market under the Act its memberships are removed (s.37)."""
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolation("A debarment cannot end before it starts.", code="invalid",
                            fields={"ends_on": ["Must be on or after starts_on."]})
    if organisation is not None and not organisation.is_provider:
        raise RuleViolation("Only providers can be debarred.", code="invalid",
                            fields={"organisation": ["Must be a provider organisation."]})
    if organisation is not None and not companies_house_number:
        companies_house_number = organisation.companies_house_number
    debarment = Debarment.objects.create(
        organisation=organisation, name=name, companies_house_number=companies_house_number.upper(),
        starts_on=starts_on, ends_on=ends_on, reason=reason, ground=ground, created_by=by,
    )
    audit.record(debarment, "debarment.added", by=by, reason=reason,
                 data={"starts_on": str(starts_on), "ends_on": str(ends_on or ""),
                       "ground": ground})
    if starts_on <= _local_today():
        from providers.exclusions import remove_excluded_members

        remove_excluded_members(by=by)
    return debarment
