"""DPS arrangements, their lots, admission rounds, applications and memberships."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from providers.regimes import REGIMES


class Regime(models.TextChoices):
    PCR2015_DPS = "pcr2015_dps", "PCR 2015 dynamic purchasing system (reg. 34)"
    # The v1 value keeps its meaning: the 2015 Regulations' light-touch regime.
    LIGHT_TOUCH = "light_touch", "PCR 2015 light-touch regime (regs. 74–76)"
    PA2023_DYNAMIC_MARKET = "pa2023_dynamic_market", "Procurement Act 2023 dynamic market"
    PA2023_LIGHT_TOUCH = "pa2023_light_touch", \
        "Procurement Act 2023 dynamic market for light-touch contracts"


# Starting values for a new DPS's rule settings, by regime (providers/regimes.py holds the
# regimes' rules). The rules themselves read the settings stored on the DPS, so a council can
# record what its own documents say.
REGIME_DEFAULTS = {Regime(code): rules.defaults for code, rules in REGIMES.items()}


class PriceUnit(models.TextChoices):
    WEEK = "week", "per week"
    HOUR = "hour", "per hour"
    YEAR = "year", "per year"


class Regulator(models.TextChoices):
    OFSTED = "ofsted", "Ofsted"
    CQC = "cqc", "CQC"
    NONE = "none", "None"


class Dps(models.Model):
    """One arrangement (a DPS, dynamic market or approved list) with its own rule settings."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    lead_authority = models.ForeignKey(
        "dps.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"kind": "authority"},
    )
    regime = models.CharField(max_length=30, choices=Regime.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    extension_options = models.CharField(
        max_length=200, blank=True, help_text='As the contract notice says, e.g. "2 × 12 months".'
    )
    max_extension_months = models.PositiveSmallIntegerField(default=0)
    evaluation_working_days = models.PositiveSmallIntegerField(
        default=10, help_text="Working days after a round closes to decide its applications."
    )
    evaluation_max_working_days = models.PositiveSmallIntegerField(
        default=15, help_text="The furthest a decision may be extended, with a recorded reason."
    )
    max_suspension_months = models.PositiveSmallIntegerField(default=6)
    min_response_days = models.PositiveSmallIntegerField(
        default=0, help_text="Minimum call-off response time in days (shorter needs a reason)."
    )
    fixed_price_months = models.PositiveSmallIntegerField(
        default=12, help_text="How long an agreed price stays fixed."
    )
    regulator = models.CharField(max_length=10, choices=Regulator.choices, default=Regulator.NONE)
    required_declarations = models.JSONField(
        default=list, blank=True,
        help_text='Self-declarations every applicant must make: [{"key": ..., "label": ...}].',
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = "DPS"
        verbose_name_plural = "DPS arrangements"
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def declaration_keys(self):
        return [item["key"] for item in self.required_declarations]

    @property
    def rules(self):
        """The legal regime's rules (providers/regimes.py)."""
        return REGIMES[self.regime]

    def apply_regime_defaults(self):
        for field, value in REGIME_DEFAULTS[Regime(self.regime)].items():
            setattr(self, field, value)


class Lot(models.Model):
    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="lots")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    price_unit = models.CharField(max_length=10, choices=PriceUnit.choices)
    requires_regulator_reference = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["dps_id", "position", "code"]
        constraints = [
            models.UniqueConstraint(fields=["dps", "code"], name="lot_unique_code_per_dps"),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_price_unit_display()})"


class AdmissionRound(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        COMPLETED = "completed", "Completed"

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="rounds")
    opens_at = models.DateTimeField(db_index=True)
    closes_at = models.DateTimeField(db_index=True)
    status = FSMField(default=Status.SCHEDULED, choices=Status.choices, protected=True,
                      db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="round_closes_after_opening"
            ),
        ]

    def __str__(self):
        return f"{self.dps.code} round {self.opens_at:%d %b %Y}–{self.closes_at:%d %b %Y}"

    @transition(field=status, source=Status.SCHEDULED, target=Status.OPEN)
    def open(self):
        pass

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self):
        pass

    @transition(field=status, source=Status.CLOSED, target=Status.COMPLETED)
    def complete(self):
        pass


class CreditCheckResult(models.TextChoices):
    PASS = "pass", "Pass"
    REFER = "refer", "Refer"
    FAIL = "fail", "Fail"


class Application(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        DECIDED = "decided", "Decided"
        WITHDRAWN = "withdrawn", "Withdrawn"

    dps = models.ForeignKey(Dps, on_delete=models.PROTECT, related_name="applications")
    provider = models.ForeignKey(
        "dps.Organisation", on_delete=models.PROTECT, related_name="applications"
    )
    round = models.ForeignKey(
        AdmissionRound, null=True, blank=True, on_delete=models.PROTECT,
        related_name="applications",
    )
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True, db_index=True)
    ofsted_urn = models.CharField("Ofsted URN", max_length=12, blank=True)
    cqc_location_id = models.CharField("CQC location ID", max_length=20, blank=True)
    declarations = models.JSONField(default=dict, blank=True)
    credit_check_date = models.DateField(null=True, blank=True)
    credit_check_result = models.CharField(
        max_length=10, choices=CreditCheckResult.choices, blank=True
    )
    financial_standing_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    evaluation_due = models.DateField(null=True, blank=True, db_index=True)
    evaluation_extension_reason = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Application {self.pk} by {self.provider}"

    @transition(field=status, source=Status.DRAFT, target=Status.SUBMITTED)
    def submit(self):
        pass

    @transition(field=status, source=Status.SUBMITTED, target=Status.DECIDED)
    def decide(self):
        pass

    @transition(field=status, source=[Status.DRAFT, Status.SUBMITTED], target=Status.WITHDRAWN)
    def withdraw(self):
        pass


class Outcome(models.TextChoices):
    ADMITTED = "admitted", "Admitted"
    REJECTED = "rejected", "Rejected"


class ApplicationLot(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="lots")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    price_cap = models.DecimalField(max_digits=12, decimal_places=2)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["lot__position", "lot__code"]
        constraints = [
            models.UniqueConstraint(fields=["application", "lot"], name="application_lot_once"),
        ]

    def __str__(self):
        return f"{self.lot.code} at {self.price_cap}"


class Membership(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        ADMITTED = "admitted", "Admitted"
        SUSPENDED = "suspended", "Suspended"
        REMOVED = "removed", "Removed"

    LIVE = (Status.ADMITTED, Status.SUSPENDED)

    provider = models.ForeignKey(
        "dps.Organisation", on_delete=models.PROTECT, related_name="memberships"
    )
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="memberships")
    price_cap = models.DecimalField(max_digits=12, decimal_places=2)
    status = FSMField(default=Status.ADMITTED, choices=Status.choices, protected=True,
                      db_index=True)
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    admitted_at = models.DateTimeField()
    suspended_from = models.DateField(null=True, blank=True)
    suspended_until = models.DateField(null=True, blank=True, db_index=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["lot_id", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "lot"], condition=Q(status__in=["admitted", "suspended"]),
                name="one_live_membership_per_lot",
            ),
        ]
        indexes = [models.Index(fields=["lot", "status"])]

    def __str__(self):
        return f"{self.provider} on {self.lot.code}"

    @transition(field=status, source=Status.ADMITTED, target=Status.SUSPENDED)
    def suspend(self):
        pass

    @transition(field=status, source=Status.SUSPENDED, target=Status.ADMITTED)
    def reinstate(self):
        pass

    @transition(field=status, source=[Status.ADMITTED, Status.SUSPENDED], target=Status.REMOVED)
    def remove(self):
        pass


class ExclusionGround(models.TextChoices):
    # Procurement Act 2023 s.57: a mandatory ground (Sch. 6) makes a supplier excluded, a
    # discretionary one (Sch. 7) excludable; either way the entry keeps it out while active.
    MANDATORY = "mandatory", "Mandatory exclusion ground (Sch. 6)"
    DISCRETIONARY = "discretionary", "Discretionary exclusion ground (Sch. 7)"


class Debarment(models.Model):
    """The DPS administrator's debarment list: a listed provider is not admitted, invited or
    awarded while its entry is active, and is removed from a dynamic market (s.37)."""

    organisation = models.ForeignKey(
        "dps.Organisation", null=True, blank=True, on_delete=models.PROTECT,
        related_name="debarments", limit_choices_to={"kind": "provider"},
    )
    name = models.CharField(max_length=200)
    companies_house_number = models.CharField(max_length=8, blank=True, db_index=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True, help_text="Blank while it lasts.")
    ground = models.CharField(max_length=15, choices=ExclusionGround.choices,
                              default=ExclusionGround.MANDATORY)
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_on"]

    def __str__(self):
        return f"{self.name} debarred from {self.starts_on}"
