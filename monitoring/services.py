"""Contract monitoring: risk assessments, reassessment triggers, monitoring activities, action
plans and their escalation, KPIs and returns, child outcome ratings.

One function per business action: atomic, takes the acting user (`by`, None for the scheduler),
checks the rules, moves the state and writes the audit row in the same transaction.
"""

import datetime
from collections import defaultdict

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contracts.models import Placement
from dps import audit, formatting
from dps.errors import Conflict, InvalidTransition, NotFound, RuleViolation, require_reason
from dps.models import Organisation
from dps.transitions import move
from monitoring import selectors
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    EscalationDecision,
    Frequency,
    Kpi,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    MonitoringLevel,
    OutcomeRating,
    Rag,
    ReassessmentTrigger,
    RiskAssessment,
    TriggerKind,
)
from providers.models import Membership
from providers.services import suspend_membership
from referrals.audience import refuse_identifiers


def _today():
    return timezone.localdate()


def _invalid(field, message, detail=None):
    return RuleViolation(detail or message, code="invalid", fields={field: [message]})


def _lock_provider(provider):
    """Serialise writes about one provider (its current assessment) on its organisation row."""
    provider = Organisation.objects.select_for_update().get(pk=provider.pk)
    if not provider.is_provider:
        raise _invalid("provider", "Choose a provider organisation.")
    return provider


# --- Risk -----------------------------------------------------------------------------------

def rate(impact, probability):
    """(score, rag, monitoring level) for an impact and probability of 1 to 5 each.

    Green ≤ 6 → issue-based monitoring, amber 8–12 → distance monitoring, red ≥ 15 → full
    visit. A product of two numbers from 1 to 5 is never 7, 11, 13 or 14, so the bands leave
    no gap that a real score could fall into.
    """
    score = impact * probability
    if score <= 6:
        return score, Rag.GREEN, MonitoringLevel.ISSUE_BASED
    if score <= 12:
        return score, Rag.AMBER, MonitoringLevel.DISTANCE
    return score, Rag.RED, MonitoringLevel.FULL_VISIT


def latest_next_due(on):
    return on + relativedelta(months=settings.MONITORING_REASSESSMENT_MONTHS)


EVIDENCE_FIELDS = ("regulator_rating", "regulator_rating_date", "complaints",
                   "safeguarding_concerns", "notifications", "financial_standing",
                   "kpi_timeliness", "placement_breakdowns", "staff_turnover")


@transaction.atomic
def record_risk_assessment(*, by, provider, impact, probability, notes="", next_due=None,
                           **evidence):
    """Assess a provider. It becomes the provider's current rating and clears every open
    reassessment trigger. `next_due` is six months on unless the assessor chooses sooner."""
    unknown = set(evidence) - set(EVIDENCE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown evidence: {sorted(unknown)}")
    for name, value in (("impact", impact), ("probability", probability)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise _invalid(name, "Must be a whole number from 1 to 5.")
    now = timezone.now()
    today = timezone.localdate(now)
    latest = latest_next_due(today)
    if next_due is None:
        next_due = latest
    elif next_due > latest:
        raise _invalid("next_due", f"No later than {formatting.long_date(latest)}.",
                       f"A provider must be reassessed within "
                       f"{settings.MONITORING_REASSESSMENT_MONTHS} months: by "
                       f"{formatting.long_date(latest)} at the latest.")
    elif next_due <= today:
        raise _invalid("next_due", "Must be after today.")
    provider = _lock_provider(provider)
    score, rag, monitoring = rate(impact, probability)
    previous = selectors.current_assessment(provider.pk)
    if previous is not None:
        RiskAssessment.objects.filter(pk=previous.pk).update(is_current=False)
    assessment = RiskAssessment.objects.create(
        provider=provider, assessed_at=now, assessed_by=by, impact=impact,
        probability=probability, score=score, rag=rag, monitoring=monitoring, next_due=next_due,
        is_current=True, notes=notes, **evidence)
    cleared = list(selectors.open_triggers().filter(provider=provider)
                   .values_list("pk", flat=True))
    ReassessmentTrigger.objects.filter(pk__in=cleared).update(cleared_by_assessment=assessment)
    audit.record(assessment, "riskassessment.recorded", by=by,
                 from_state=previous.rag if previous else "", to_state=rag,
                 data={"score": score, "monitoring": monitoring,
                       "next_due": next_due.isoformat(), "cleared_triggers": cleared})
    return assessment


@transaction.atomic
def raise_trigger(*, by, provider, kind, details="", placement=None, kpi_return=None):
    """Information between assessments: the provider's reassessment is due now."""
    provider = _lock_provider(provider)
    if kind not in TriggerKind.values:
        raise _invalid("kind", "Not a kind of trigger.")
    if kind == TriggerKind.LATE_KPI_RETURN:
        if kpi_return is None or kpi_return.provider_id != provider.pk:
            raise _invalid("kpi_return", "A late-return trigger names the provider's return.")
    elif not details.strip():
        raise _invalid("details", "Say what happened.")
    if placement is not None and placement.provider_id != provider.pk:
        raise _invalid("placement", "The placement is not with this provider.")
    try:
        with transaction.atomic():
            trigger = ReassessmentTrigger.objects.create(
                provider=provider, kind=kind, raised_at=timezone.now(), raised_by=by,
                details=details, placement=placement, kpi_return=kpi_return)
    except IntegrityError as exc:  # the late return already raised its trigger
        raise Conflict("This return has already raised a trigger.") from exc
    audit.record(trigger, "reassessmenttrigger.raised", by=by, to_state="open",
                 reason=details, data={"kind": kind})
    return trigger


@transaction.atomic
def claim_overdue_reassessment(assessment_id, now=None):
    """Mark the current assessment's overdue reminder as sent, once per due date. Returns the
    assessment when this call claimed it, else None (already sent, or no longer overdue)."""
    now = now or timezone.now()
    claimed = selectors.overdue_assessments(timezone.localdate(now)).filter(
        pk=assessment_id, overdue_notified_at__isnull=True).update(overdue_notified_at=now)
    if not claimed:
        return None
    assessment = RiskAssessment.objects.select_related("provider", "assessed_by").get(
        pk=assessment_id)
    audit.record(assessment, "riskassessment.overdue", by=None,
                 reason=f"Reassessment was due on {formatting.long_date(assessment.next_due)}.",
                 data={"next_due": assessment.next_due.isoformat()})
    return assessment


# --- Monitoring activities ------------------------------------------------------------------

@transaction.atomic
def schedule_activity(*, by, provider, kind, planned_date, assessment=None):
    provider = _lock_provider(provider)
    if kind not in MonitoringLevel.values:
        raise _invalid("kind", "Not a kind of monitoring activity.")
    if planned_date < _today():
        raise _invalid("planned_date", "Must be today or later.")
    if assessment is not None and assessment.provider_id != provider.pk:
        raise _invalid("assessment", "The assessment is of another provider.")
    activity = MonitoringActivity.objects.create(
        provider=provider, kind=kind, planned_date=planned_date, assessment=assessment,
        created_by=by)
    audit.record(activity, "monitoringactivity.scheduled", by=by, to_state=activity.status,
                 data={"kind": kind, "planned_date": planned_date.isoformat()})
    return activity


def _lock(model, obj):
    return model.objects.select_for_update().get(pk=obj.pk)


@transaction.atomic
def complete_activity(activity, *, by, findings, done_date=None):
    activity = _lock(MonitoringActivity, activity)
    write = move(activity, "complete", by=by)
    done_date = done_date or _today()
    if done_date > _today():
        raise _invalid("done_date", "Must not be in the future.")
    if not findings.strip():
        raise _invalid("findings", "Record what the activity found.")
    refuse_identifiers(activity.provider, {"findings": findings})
    activity.done_date = done_date
    activity.done_by = by
    activity.findings = findings
    activity.save(update_fields=["status", "done_date", "done_by", "findings"])
    write()
    return activity


@transaction.atomic
def cancel_activity(activity, *, by, reason):
    activity = _lock(MonitoringActivity, activity)
    write = move(activity, "cancel", by=by, reason=reason)
    if not reason.strip():
        raise _invalid("reason", "Say why it is cancelled.")
    refuse_identifiers(activity.provider, {"reason": reason})
    activity.cancelled_reason = reason
    activity.save(update_fields=["status", "cancelled_reason"])
    write()
    return activity


# --- Action plans ---------------------------------------------------------------------------

def _check_item(index, item, today):
    problems = {}
    if not item.get("action", "").strip():
        problems[f"items.{index}.action"] = ["Say what must be done."]
    if not item.get("owner", "").strip():
        problems[f"items.{index}.owner"] = ["Say who is responsible."]
    if item.get("due_date") is None or item["due_date"] < today:
        problems[f"items.{index}.due_date"] = ["Must be today or later."]
    return problems


@transaction.atomic
def create_action_plan(*, by, provider, title, items, activity=None):
    provider = _lock_provider(provider)
    today = _today()
    problems = {}
    if not title.strip():
        problems["title"] = ["Give the plan a title."]
    if not items:
        problems["items"] = ["A plan needs at least one action."]
    for index, item in enumerate(items):
        problems.update(_check_item(index, item, today))
    if activity is not None and activity.provider_id != provider.pk:
        problems["activity"] = ["The activity is of another provider."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    texts = {"title": title}
    for index, item in enumerate(items):
        texts.update({f"items.{index}.action": item["action"],
                      f"items.{index}.owner": item["owner"]})
    refuse_identifiers(provider, texts)
    plan = ActionPlan.objects.create(provider=provider, title=title, activity=activity,
                                     created_by=by)
    created = ActionItem.objects.bulk_create([
        ActionItem(plan=plan, action=item["action"], owner=item["owner"],
                   due_date=item["due_date"]) for item in items])
    audit.record(plan, "actionplan.created", by=by, data={"items": len(created)})
    for item in plan.items.all():
        audit.record(item, "actionitem.created", by=by, to_state=item.status,
                     data={"due_date": item.due_date.isoformat()})
    return plan


def _lock_item(item):
    return ActionItem.objects.select_for_update(of=("self",)).select_related("plan").get(
        pk=item.pk)


@transaction.atomic
def respond_to_action(item, *, by, response, evidence=""):
    """The provider says what it has done, with its evidence. Only its own plans (the view's
    queryset answers 404 for any other); checked here again because the rule lives here."""
    item = _lock_item(item)
    if by is None or by.organisation_id != item.plan.provider_id:
        raise NotFound()
    write = move(item, "respond", by=by, verb="respond to")
    if not response.strip():
        raise _invalid("provider_response", "Say what you have done.")
    item.provider_response = response
    item.evidence = evidence
    item.responded_at = timezone.now()
    item.responded_by = by
    item.save(update_fields=["status", "provider_response", "evidence", "responded_at",
                             "responded_by"])
    write()
    return item


@transaction.atomic
def complete_action(item, *, by, reason=""):
    item = _lock_item(item)
    write = move(item, "complete", by=by, reason=reason)
    item.closed_at = timezone.now()
    item.closed_by = by
    item.save(update_fields=["status", "closed_at", "closed_by"])
    write()
    return item


@transaction.atomic
def cancel_action(item, *, by, reason):
    item = _lock_item(item)
    write = move(item, "cancel", by=by, reason=reason)
    if not reason.strip():
        raise _invalid("reason", "Say why the action is cancelled.")
    item.closed_at = timezone.now()
    item.closed_by = by
    item.save(update_fields=["status", "closed_at", "closed_by"])
    write()
    return item


@transaction.atomic
def reopen_action(item, *, by, reason, due_date):
    """The response is not enough: the action is open again with a new due date, and its
    escalation starts afresh (the earlier reminder and flag stay in the history)."""
    item = _lock_item(item)
    write = move(item, "reopen", by=by, reason=reason,
                 data={"due_date": due_date.isoformat() if due_date else None})
    if not reason.strip():
        raise _invalid("reason", "Say why the response is not enough.")
    if due_date is None or due_date < _today():
        raise _invalid("due_date", "Must be today or later.")
    item.due_date = due_date
    item.reminder_sent_at = None
    item.escalated_at = None
    item.escalation_decision = ""
    item.escalation_decided_at = None
    item.escalation_decided_by = None
    item.escalation_decision_reason = ""
    item.save(update_fields=["status", "due_date", "reminder_sent_at", "escalated_at",
                             "escalation_decision", "escalation_decided_at",
                             "escalation_decided_by", "escalation_decision_reason"])
    write()
    return item


@transaction.atomic
def claim_reminder(item_id, now=None):
    """First escalation step of an overdue item: mark the reminder sent (once)."""
    now = now or timezone.now()
    claimed = selectors.overdue_action_items(timezone.localdate(now)).filter(
        pk=item_id, reminder_sent_at__isnull=True).update(reminder_sent_at=now)
    if not claimed:
        return None
    item = ActionItem.objects.select_related("plan", "plan__provider").get(pk=item_id)
    audit.record(item, "actionitem.reminded", by=None,
                 reason=f"Overdue since {formatting.long_date(item.due_date)}: reminder sent.")
    return item


def escalation_due_before(now):
    return now - datetime.timedelta(days=settings.MONITORING_ESCALATION_GRACE_DAYS)


@transaction.atomic
def claim_escalation(item_id, now=None):
    """Second step: still open a grace period after the reminder, the item is flagged to the
    DPS administrator recommending suspension (once)."""
    now = now or timezone.now()
    claimed = selectors.overdue_action_items(timezone.localdate(now)).filter(
        pk=item_id, reminder_sent_at__lte=escalation_due_before(now),
        escalated_at__isnull=True).update(escalated_at=now)
    if not claimed:
        return None
    item = ActionItem.objects.select_related("plan", "plan__provider").get(pk=item_id)
    audit.record(item, "actionitem.escalated", by=None,
                 reason=f"No response {settings.MONITORING_ESCALATION_GRACE_DAYS} days after "
                        f"the reminder: suspension recommended.",
                 data={"due_date": item.due_date.isoformat(),
                       "reminder_sent_at": item.reminder_sent_at.isoformat()})
    return item


@transaction.atomic
def suspend_for_escalation(item, *, by, until, reason, memberships=None):
    """Act on a recommendation: suspend the provider's admitted memberships (or those named)
    through the memberships service, which holds every suspension rule."""
    item = _lock_item(item)
    if not item.recommend_suspension:
        raise InvalidTransition("Suspension can be acted on only for an open action that has "
                                "been escalated.")
    admitted = Membership.objects.filter(provider_id=item.plan.provider_id,
                                         status=Membership.Status.ADMITTED).order_by("pk")
    if memberships is not None:
        wanted = {m.pk for m in memberships}
        chosen = [m for m in admitted if m.pk in wanted]
        if len(chosen) != len(wanted):
            raise _invalid("memberships", "Name admitted memberships of this provider.")
    else:
        chosen = list(admitted)
    if not chosen:
        raise InvalidTransition("The provider has no admitted membership to suspend.")
    suspended = [suspend_membership(m, by=by, until=until, reason=reason) for m in chosen]
    _decide(item, EscalationDecision.SUSPENDED, by=by, reason=reason)
    audit.record(item, "actionitem.suspension", by=by, from_state=item.status,
                 to_state=item.status, reason=reason,
                 data={"memberships": [m.pk for m in suspended], "until": until.isoformat()})
    return suspended


def _decide(item, decision, *, by, reason):
    """The recommendation is decided: it leaves the DPS administrator's list. A later reopening
    of the item (new due date) clears the decision with the escalation."""
    item.escalation_decision = decision
    item.escalation_decided_at = timezone.now()
    item.escalation_decided_by = by
    item.escalation_decision_reason = reason
    item.save(update_fields=["escalation_decision", "escalation_decided_at",
                             "escalation_decided_by", "escalation_decision_reason"])


@transaction.atomic
def dismiss_escalation(item, *, by, reason):
    """The DPS administrator decides not to suspend (e.g. the provider has engaged since):
    the decision and its reason are recorded; the item itself stays open."""
    item = _lock_item(item)
    if not item.recommend_suspension:
        raise InvalidTransition("Only an open action whose escalation has not been decided can "
                                "have its recommendation dismissed.")
    require_reason(reason, "Say why suspension is not needed.")
    _decide(item, EscalationDecision.DISMISSED, by=by, reason=reason)
    audit.record(item, "actionitem.escalation_dismissed", by=by, from_state=item.status,
                 to_state=item.status, reason=reason)
    return item


# --- KPIs -----------------------------------------------------------------------------------

def _check_range(min_value, max_value):
    if min_value is not None and max_value is not None and min_value > max_value:
        raise _invalid("max_value", "Must not be below the minimum.")


@transaction.atomic
def define_kpi(*, by, lot, code, name, unit, frequency=Frequency.QUARTERLY, min_value=None,
               max_value=None, required=True, position=0):
    _check_range(min_value, max_value)
    if Kpi.objects.filter(lot=lot, code=code).exists():
        raise Conflict(f"The lot already has a KPI with code {code!r}.")
    try:
        with transaction.atomic():
            kpi = Kpi.objects.create(lot=lot, code=code, name=name, unit=unit,
                                     frequency=frequency, min_value=min_value,
                                     max_value=max_value, required=required, position=position,
                                     created_by=by)
    except IntegrityError as exc:
        raise Conflict(f"The lot already has a KPI with code {code!r}.") from exc
    audit.record(kpi, "kpi.defined", by=by, data={"lot": lot.code, "code": code})
    return kpi


KPI_CHANGEABLE = ("name", "unit", "min_value", "max_value", "required", "is_active", "position")


@transaction.atomic
def update_kpi(kpi, *, by, **changes):
    """Frequency and code are fixed once defined: returns already opened depend on them."""
    kpi = _lock(Kpi, kpi)
    for field in changes:
        if field not in KPI_CHANGEABLE:
            raise _invalid(field, "This cannot be changed once the KPI is defined.")
    for field, value in changes.items():
        setattr(kpi, field, value)
    _check_range(kpi.min_value, kpi.max_value)
    kpi.save(update_fields=list(changes))
    audit.record(kpi, "kpi.changed", by=by,
                 data={k: str(v) if v is not None else None for k, v in changes.items()})
    return kpi


def period_for(frequency, day):
    """(first day, last day) of the period of `frequency` containing `day`. Quarters and
    years follow the financial year (April to March)."""
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        return start, start + relativedelta(months=1, days=-1)
    if frequency == Frequency.QUARTERLY:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        return start, start + relativedelta(months=3, days=-1)
    start = datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
    return start, start + relativedelta(years=1, days=-1)


def return_due_date(period_end):
    return period_end + datetime.timedelta(days=settings.MONITORING_KPI_RETURN_DUE_DAYS)


def open_kpi_returns(today=None):
    """Open the current period's return for every live member of a lot with active KPIs, per
    frequency. Idempotent: the unique constraint ignores returns already open."""
    today = today or _today()
    frequencies = defaultdict(set)
    for lot_id, frequency in Kpi.objects.filter(is_active=True).values_list(
            "lot_id", "frequency").distinct():
        frequencies[lot_id].add(frequency)
    members = (Membership.objects.filter(status__in=Membership.LIVE,
                                         lot_id__in=list(frequencies))
               .values_list("provider_id", "lot_id").distinct())
    rows = []
    for provider_id, lot_id in members:
        for frequency in sorted(frequencies[lot_id]):
            start, end = period_for(frequency, today)
            rows.append(KpiReturn(provider_id=provider_id, lot_id=lot_id, frequency=frequency,
                                  period_start=start, period_end=end,
                                  due_date=return_due_date(end)))
    before = KpiReturn.objects.count()
    KpiReturn.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return KpiReturn.objects.count() - before


def expected_kpis(kpi_return):
    return list(Kpi.objects.filter(lot_id=kpi_return.lot_id, frequency=kpi_return.frequency,
                                   is_active=True).order_by("position", "code"))


def _check_values(kpis, values):
    problems = {}
    known = {kpi.code: kpi for kpi in kpis}
    for code in values:
        if code not in known:
            problems[f"values.{code}"] = ["Not a KPI of this return."]
    for code, kpi in known.items():
        value = values.get(code)
        if value is None:
            if kpi.required:
                problems[f"values.{code}"] = [f"{kpi.name} is required."]
            continue
        if kpi.min_value is not None and value < kpi.min_value:
            problems[f"values.{code}"] = [f"Must be at least {kpi.min_value} {kpi.unit}."]
        elif kpi.max_value is not None and value > kpi.max_value:
            problems[f"values.{code}"] = [f"Must be at most {kpi.max_value} {kpi.unit}."]
    return problems


@transaction.atomic
def submit_kpi_return(kpi_return, *, by, values):
    """The provider's values for the period, each within its KPI's range, every required one
    present. `values` maps KPI code to a Decimal (or None)."""
    kpi_return = _lock(KpiReturn, kpi_return)
    if by is None or by.organisation_id != kpi_return.provider_id:
        raise NotFound()
    write = move(kpi_return, "submit", by=by)
    if _today() < kpi_return.period_end:
        raise RuleViolation(
            f"The period ends on {formatting.long_date(kpi_return.period_end)}: submit the "
            "return from then.",
            code="period_not_ended")
    kpis = expected_kpis(kpi_return)
    problems = _check_values(kpis, values)
    if problems:
        raise RuleViolation("Some values are not valid: see fields.", code="invalid",
                            fields=problems)
    KpiValue.objects.bulk_create([
        KpiValue(kpi_return=kpi_return, kpi=kpi, value=values[kpi.code])
        for kpi in kpis if values.get(kpi.code) is not None])
    kpi_return.submitted_at = timezone.now()
    kpi_return.submitted_by = by
    kpi_return.save(update_fields=["status", "submitted_at", "submitted_by"])
    write()
    return kpi_return


def detect_late_kpi_returns(today=None):
    """Each return not submitted by its due date raises a late-return trigger, once."""
    today = today or _today()
    raised = 0
    for pk in list(selectors.late_kpi_returns(today).filter(late_flagged_at__isnull=True)
                   .values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = selectors.late_kpi_returns(today).filter(
                pk=pk, late_flagged_at__isnull=True).update(late_flagged_at=timezone.now())
            if not claimed:
                continue  # another worker got there first
            kpi_return = KpiReturn.objects.select_related("provider", "lot").get(pk=pk)
            raise_trigger(by=None, provider=kpi_return.provider,
                          kind=TriggerKind.LATE_KPI_RETURN, kpi_return=kpi_return,
                          details=f"{kpi_return.lot.name} KPI return for "
                                  f"{kpi_return.period_start:%d %b %Y}–"
                                  f"{formatting.long_date(kpi_return.period_end)} was due on "
                                  f"{formatting.long_date(kpi_return.due_date)} and has not "
                                  "arrived.")
            raised += 1
    return raised


# --- Outcomes -------------------------------------------------------------------------------

@transaction.atomic
def record_outcome_rating(*, by, placement, domain, rating, rated_on=None, note=""):
    """A rating from 1 to 5 for one outcome domain of a placement, on a day."""
    placement = Placement.objects.get(pk=placement.pk)
    today = _today()
    rated_on = rated_on or today
    if not isinstance(rating, int) or not 1 <= rating <= 5:
        raise _invalid("rating", "Must be a whole number from 1 to 5.")
    if rated_on > today:
        raise _invalid("rated_on", "Must not be in the future.")
    if rated_on < placement.start_date:
        raise _invalid("rated_on", f"Must not be before the placement started "
                                   f"({formatting.long_date(placement.start_date)}).")
    try:
        with transaction.atomic():
            rating_row = OutcomeRating.objects.create(
                placement=placement, domain=domain, rating=rating, rated_on=rated_on, note=note,
                rated_by=by)
    except IntegrityError as exc:
        raise Conflict("This domain already has a rating for that day.") from exc
    audit.record(rating_row, "outcomerating.recorded", by=by,
                 data={"placement": placement.pk, "domain": domain, "rating": rating})
    return rating_row


# --- Annual reports -------------------------------------------------------------------------

REPORT_COUNTS = ("total_employees", "local_employees", "apprenticeships", "work_placements",
                 "community_hours")
REPORT_TEXTS = ("community_work", "environmental_impact", "narrative")
REPORT_FIELDS = REPORT_COUNTS + REPORT_TEXTS
REPORT_TEXT_MESSAGES = {
    "community_work": "Describe your community work, or say there was none.",
    "environmental_impact": "Describe your environmental impact and what you did to reduce it.",
    "narrative": "Give an overview of the year.",
}


def financial_year_of(day):
    """The financial year (by the year it starts in April) that contains `day`."""
    return day.year if day.month >= 4 else day.year - 1


def _check_report(year, evidence):
    problems = {}
    current = financial_year_of(_today())
    if not isinstance(year, int) or year > current:
        problems["year"] = [f"Must be a financial year that has started: {current} or earlier."]
    for name in REPORT_COUNTS:
        value = evidence.get(name)
        if not isinstance(value, int) or value < 0:
            problems[name] = ["Must be a whole number, 0 or more."]
    for name in REPORT_TEXTS:
        if not str(evidence.get(name) or "").strip():
            problems[name] = [REPORT_TEXT_MESSAGES[name]]
    total, local = evidence.get("total_employees"), evidence.get("local_employees")
    if "total_employees" not in problems and "local_employees" not in problems \
            and local > total:
        problems["local_employees"] = ["Must not be more than the total number of staff."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)


def _evidence(evidence):
    unknown = set(evidence) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown report fields: {sorted(unknown)}")
    return {name: evidence.get(name) for name in REPORT_FIELDS}


@transaction.atomic
def submit_annual_report(*, by, year, **evidence):
    """The provider's annual monitoring report for a financial year, with its social value
    evidence. One per provider and year (409 conflict for a second: a returned report is
    resubmitted with `resubmit_annual_report`)."""
    evidence = _evidence(evidence)
    if by is None or by.organisation_id is None:
        raise NotFound()
    provider = _lock_provider(by.organisation)
    _check_report(year, evidence)
    if AnnualReport.objects.filter(provider=provider, year=year).exists():
        raise Conflict(f"You have already submitted a report for {year} to {year + 1}. If it "
                       f"was returned for changes, resubmit that report.")
    report = AnnualReport.objects.create(provider=provider, year=year, submitted_at=timezone.now(),
                                         submitted_by=by, **evidence)
    audit.record(report, "annualreport.submitted", by=by, to_state=report.status,
                 data={"year": year})
    return report


def _lock_report(report):
    return AnnualReport.objects.select_for_update(of=("self",)).select_related("provider").get(
        pk=report.pk)


@transaction.atomic
def resubmit_annual_report(report, *, by, **evidence):
    """A report returned for changes, corrected and sent again (every field replaced)."""
    evidence = _evidence(evidence)
    report = _lock_report(report)
    if by is None or by.organisation_id != report.provider_id:
        raise NotFound()
    write = move(report, "resubmit", by=by, data={"submission": report.submissions + 1})
    _check_report(report.year, evidence)
    for name, value in evidence.items():
        setattr(report, name, value)
    report.submitted_at = timezone.now()
    report.submitted_by = by
    report.submissions += 1
    report.save(update_fields=["status", *REPORT_FIELDS, "submitted_at", "submitted_by",
                               "submissions"])
    write()
    return report


@transaction.atomic
def review_annual_report(report, *, by, outcome, comments=""):
    """A commissioner or the DPS administrator reviews a submitted report: accepted, or
    returned for changes (comments required: they tell the provider what to change)."""
    report = _lock_report(report)
    if outcome not in AnnualReport.Outcome.values:
        raise _invalid("outcome", "Choose accepted or returned.")
    name = "accept" if outcome == AnnualReport.Outcome.ACCEPTED else "return_for_changes"
    write = move(report, name, by=by, reason=comments, verb="review",
                 action=f"annualreport.{outcome}")
    if outcome == AnnualReport.Outcome.RETURNED and not comments.strip():
        raise _invalid("comments", "Say what the provider must change.")
    refuse_identifiers(report.provider, {"comments": comments})
    report.review_outcome = outcome
    report.review_comments = comments
    report.reviewed_at = timezone.now()
    report.reviewed_by = by
    report.save(update_fields=["status", "review_outcome", "review_comments", "reviewed_at",
                               "reviewed_by"])
    write()
    return report
