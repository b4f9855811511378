"""Contract monitoring: risk assessments and what makes one due, monitoring activities, action
plans, KPI returns and child outcomes.

Monitoring is DPS-wide: a provider is assessed once for every council that uses it, so these
rows belong to the provider organisation, not to an authority (outcome ratings excepted: they
belong to a placement, and so to its authority).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django_fsm import FSMField, FSMModelMixin, transition

from referrals.models import OutcomeDomain

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Rag(models.TextChoices):
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    RED = "red", "Red"


class MonitoringLevel(models.TextChoices):
    """What the risk calls for; also the kinds of monitoring activity."""

    ISSUE_BASED = "issue_based", "Issue-based monitoring"
    DISTANCE = "distance", "Distance monitoring"
    FULL_VISIT = "full_visit", "Full monitoring visit"


class RegulatorRating(models.TextChoices):
    """Ofsted's and CQC's overall judgements share these four grades."""

    OUTSTANDING = "outstanding", "Outstanding"
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"
    NOT_YET_RATED = "not_yet_rated", "Not yet rated"


class FinancialStanding(models.TextChoices):
    SOUND = "sound", "Sound"
    SOME_CONCERNS = "some_concerns", "Some concerns"
    SERIOUS_CONCERNS = "serious_concerns", "Serious concerns"


class KpiTimeliness(models.TextChoices):
    ON_TIME = "on_time", "Returns on time"
    SOME_LATE = "some_late", "Some returns late"
    PERSISTENTLY_LATE = "persistently_late", "Persistently late or missing"


class RiskAssessment(models.Model):
    """One assessment of a provider. The provider's latest is its current rating
    (`is_current`, exactly one per provider, kept by `record_risk_assessment`)."""

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="risk_assessments",
                                 limit_choices_to={"kind": "provider"})
    assessed_at = models.DateTimeField(db_index=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    impact = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    probability = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    score = models.PositiveSmallIntegerField()
    rag = models.CharField(max_length=5, choices=Rag.choices, db_index=True)
    monitoring = models.CharField(max_length=15, choices=MonitoringLevel.choices)
    next_due = models.DateField(db_index=True)
    is_current = models.BooleanField(default=False)
    overdue_notified_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the overdue reminder for this assessment's next_due was sent (once).")
    # The evidence considered. Counts are over the period since the previous assessment.
    regulator_rating = models.CharField(max_length=25, choices=RegulatorRating.choices,
                                        blank=True)
    regulator_rating_date = models.DateField(null=True, blank=True)
    complaints = models.PositiveIntegerField(null=True, blank=True)
    safeguarding_concerns = models.PositiveIntegerField(null=True, blank=True)
    notifications = models.PositiveIntegerField(
        null=True, blank=True, help_text="Notifications of serious events received.")
    financial_standing = models.CharField(max_length=20, choices=FinancialStanding.choices,
                                          blank=True)
    kpi_timeliness = models.CharField(max_length=20, choices=KpiTimeliness.choices, blank=True)
    placement_breakdowns = models.PositiveIntegerField(null=True, blank=True)
    staff_turnover = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True,
                                         help_text="Percentage over the last twelve months.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5),
                                   name="risk_impact_1_5"),
            models.CheckConstraint(condition=Q(probability__gte=1, probability__lte=5),
                                   name="risk_probability_1_5"),
            models.CheckConstraint(condition=Q(score=F("impact") * F("probability")),
                                   name="risk_score_is_impact_times_probability"),
            models.UniqueConstraint(fields=["provider"], condition=Q(is_current=True),
                                    name="one_current_assessment_per_provider"),
        ]
        indexes = [models.Index(fields=["provider", "-assessed_at"]),
                   models.Index(fields=["is_current", "next_due"])]

    def __str__(self):
        return f"{self.provider} {self.rag} ({self.score}) on {self.assessed_at:%d %b %Y}"


class TriggerKind(models.TextChoices):
    LATE_KPI_RETURN = "late_kpi_return", "Late or missing KPI return"
    SAFEGUARDING_CONCERN = "safeguarding_concern", "Safeguarding concern"
    REGULATOR_DOWNGRADE = "regulator_downgrade", "Regulator rating downgraded"
    PLACEMENT_BREAKDOWN = "placement_breakdown", "Placement breakdown"


# What a person may raise: late returns are raised by the scheduler, never by hand.
RAISABLE_TRIGGER_KINDS = [choice for choice in TriggerKind.choices
                          if choice[0] != TriggerKind.LATE_KPI_RETURN]


class ReassessmentTrigger(models.Model):
    """Information that arrived between assessments. While one is open (no assessment has
    cleared it) the provider's reassessment is due now."""

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="reassessment_triggers")
    kind = models.CharField(max_length=25, choices=TriggerKind.choices)
    raised_at = models.DateTimeField(db_index=True)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  help_text="Blank when the scheduler raised it.")
    details = models.TextField(blank=True)
    placement = models.ForeignKey("contracts.Placement", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    kpi_return = models.ForeignKey("KpiReturn", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="triggers")
    cleared_by_assessment = models.ForeignKey(RiskAssessment, null=True, blank=True,
                                              on_delete=models.PROTECT,
                                              related_name="cleared_triggers")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            # A late return raises its trigger once, however often the task runs.
            models.UniqueConstraint(fields=["kpi_return"], condition=Q(kpi_return__isnull=False),
                                    name="one_trigger_per_late_return"),
        ]
        indexes = [models.Index(fields=["provider", "cleared_by_assessment"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.provider}"

    @property
    def is_open(self):
        return self.cleared_by_assessment_id is None


class MonitoringActivity(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="monitoring_activities")
    kind = models.CharField(max_length=15, choices=MonitoringLevel.choices)
    status = FSMField(default=Status.PLANNED, choices=Status.choices, protected=True,
                      db_index=True)
    assessment = models.ForeignKey(RiskAssessment, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="activities",
                                   help_text="The assessment that called for it, if any.")
    planned_date = models.DateField(db_index=True)
    done_date = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    findings = models.TextField(blank=True)
    cancelled_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-planned_date", "-id"]
        verbose_name_plural = "monitoring activities"
        indexes = [models.Index(fields=["provider", "kind", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()} of {self.provider} on {self.planned_date}"

    @transition(field=status, source=Status.PLANNED, target=Status.DONE)
    def complete(self):
        pass

    @transition(field=status, source=Status.PLANNED, target=Status.CANCELLED)
    def cancel(self):
        pass


class EscalationDecision(models.TextChoices):
    """What the DPS administrator decided on an escalated item's recommendation."""

    SUSPENDED = "suspended", "Provider suspended"
    DISMISSED = "dismissed", "Recommendation dismissed"


class ActionPlan(models.Model):
    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="action_plans")
    title = models.CharField(max_length=200)
    activity = models.ForeignKey(MonitoringActivity, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="action_plans",
                                 help_text="The monitoring activity that produced it, if any.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Action plan {self.pk}: {self.title}"


class ActionItem(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESPONDED = "responded", "Responded"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="items")
    action = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who at the provider is responsible.")
    due_date = models.DateField()
    status = FSMField(default=Status.OPEN, choices=Status.choices, protected=True,
                      db_index=True)
    provider_response = models.TextField(blank=True)
    evidence = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    # Escalation of an overdue item: a reminder once, then (after the grace period) a flag to
    # the DPS administrator recommending suspension.
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The DPS administrator's decision on the recommendation: it leaves the list once decided.
    escalation_decision = models.CharField(max_length=10, blank=True,
                                           choices=EscalationDecision.choices)
    escalation_decided_at = models.DateTimeField(null=True, blank=True)
    escalation_decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                              on_delete=models.SET_NULL, related_name="+")
    escalation_decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self):
        return f"Action {self.pk} (plan {self.plan_id}) due {self.due_date}"

    @property
    def recommend_suspension(self):
        return (self.escalated_at is not None and self.status == self.Status.OPEN
                and not self.escalation_decision)

    @transition(field=status, source=Status.OPEN, target=Status.RESPONDED)
    def respond(self):
        pass

    @transition(field=status, source=[Status.OPEN, Status.RESPONDED], target=Status.COMPLETED)
    def complete(self):
        pass

    @transition(field=status, source=[Status.OPEN, Status.RESPONDED], target=Status.CANCELLED)
    def cancel(self):
        pass

    @transition(field=status, source=Status.RESPONDED, target=Status.OPEN)
    def reopen(self):
        pass


class Frequency(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    ANNUALLY = "annually", "Annually (April to March)"


class Kpi(models.Model):
    """A key performance indicator the DPS administrator sets for a lot."""

    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="kpis")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=30, help_text='e.g. "%", "days", "children".')
    frequency = models.CharField(max_length=10, choices=Frequency.choices,
                                 default=Frequency.QUARTERLY)
    min_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    required = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["lot_id", "position", "code"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["lot", "code"], name="kpi_code_once_per_lot"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True)
                | Q(min_value__lte=F("max_value")),
                name="kpi_min_not_above_max"),
        ]

    def __str__(self):
        return f"{self.name} ({self.unit})"


class KpiReturn(FSMModelMixin, models.Model):
    """What one provider owes for one lot and period: a value per active KPI of that
    frequency. Opened by the scheduler for every live member; late once `due_date` passes."""

    class Status(models.TextChoices):
        DUE = "due", "Due"
        SUBMITTED = "submitted", "Submitted"

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="kpi_returns")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    due_date = models.DateField()
    status = FSMField(default=Status.DUE, choices=Status.choices, protected=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    late_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the scheduler found it late (once).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start", "provider_id", "lot_id"]
        verbose_name = "KPI return"
        constraints = [
            models.UniqueConstraint(fields=["provider", "lot", "frequency", "period_start"],
                                    name="one_return_per_provider_lot_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")),
                                   name="kpi_period_ends_after_start"),
        ]
        indexes = [models.Index(fields=["status", "due_date"]),
                   models.Index(fields=["lot", "period_start"])]

    def __str__(self):
        return f"KPI return of {self.provider} for {self.period_start}–{self.period_end}"

    @property
    def was_late(self):
        if self.submitted_at is None:
            return None
        return timezone.localdate(self.submitted_at) > self.due_date

    @transition(field=status, source=Status.DUE, target=Status.SUBMITTED)
    def submit(self):
        pass


class KpiValue(models.Model):
    kpi_return = models.ForeignKey(KpiReturn, on_delete=models.CASCADE, related_name="values")
    kpi = models.ForeignKey(Kpi, on_delete=models.PROTECT, related_name="values")
    value = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["kpi__position", "kpi__code"]
        constraints = [
            models.UniqueConstraint(fields=["kpi_return", "kpi"], name="one_value_per_kpi"),
        ]

    def __str__(self):
        return f"{self.kpi.code} = {self.value}"


class OutcomeRating(models.Model):
    """A child's progress in one outcome domain, rated 1 (poor) to 5 (excellent) on a day."""

    placement = models.ForeignKey("contracts.Placement", on_delete=models.PROTECT,
                                  related_name="outcome_ratings")
    domain = models.CharField(max_length=20, choices=OutcomeDomain.choices)
    rating = models.PositiveSmallIntegerField(validators=ONE_TO_FIVE)
    rated_on = models.DateField()
    note = models.TextField(blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["placement_id", "domain", "rated_on"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5),
                                   name="outcome_rating_1_5"),
            models.UniqueConstraint(fields=["placement", "domain", "rated_on"],
                                    name="one_rating_per_domain_per_day"),
        ]

    def __str__(self):
        return f"{self.get_domain_display()} {self.rating} on {self.rated_on}"


class AnnualReport(FSMModelMixin, models.Model):
    """A provider's annual monitoring report for one financial year (April to March), with its
    social value evidence (Public Services (Social Value) Act 2012). One per provider and year:
    a report returned for changes is corrected and resubmitted, not replaced."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned for changes"
        ACCEPTED = "accepted", "Accepted"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        RETURNED = "returned", "Returned for changes"

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="annual_reports")
    year = models.PositiveSmallIntegerField(
        help_text="The financial year it covers, by the year it starts: 2025 is April 2025 to "
                  "March 2026.")
    status = FSMField(default=Status.SUBMITTED, choices=Status.choices, protected=True,
                      db_index=True)
    # Social value evidence.
    total_employees = models.PositiveIntegerField()
    local_employees = models.PositiveIntegerField(
        help_text="Staff living in the area of a council using the DPS.")
    apprenticeships = models.PositiveIntegerField()
    work_placements = models.PositiveIntegerField()
    community_hours = models.PositiveIntegerField(
        help_text="Hours of community work or volunteering by staff.")
    community_work = models.TextField()
    environmental_impact = models.TextField()
    narrative = models.TextField()
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submissions = models.PositiveSmallIntegerField(default=1)
    # The latest review (earlier ones are in the audit trail).
    review_outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    review_comments = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-year", "provider_id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "year"],
                                    name="one_annual_report_per_provider_year"),
            models.CheckConstraint(condition=Q(local_employees__lte=F("total_employees")),
                                   name="annual_report_local_within_total"),
        ]
        indexes = [models.Index(fields=["year", "status"])]

    def __str__(self):
        return f"Annual report of {self.provider} for {self.year_label}"

    @property
    def year_label(self):
        return f"{self.year} to {self.year + 1}"

    @transition(field=status, source=Status.SUBMITTED, target=Status.ACCEPTED)
    def accept(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.RETURNED)
    def return_for_changes(self):
        pass

    @transition(field=status, source=Status.RETURNED, target=Status.SUBMITTED)
    def resubmit(self):
        pass
