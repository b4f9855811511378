"""Referrals: what a child needs, written by the authority. Identity stays on this side.

The child's identity lives in `Child`, a separate table that no provider-facing serializer
reaches; providers only ever see the anonymised referral through an allowlist.
"""

from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


class Need(models.Model):
    """The maintained needs taxonomy (editable in the admin)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class OutcomeDomain(models.TextChoices):
    """The common outcomes framework's eleven domains."""

    SAFETY = "safety", "Safety"
    HEALTH = "health", "Health"
    RESILIENCE = "resilience", "Resilience"
    SELF_ESTEEM = "self_esteem", "Self-esteem"
    CONTROL = "control", "Control"
    RELATIONSHIPS = "relationships", "Relationships"
    ACHIEVEMENT = "achievement", "Achievement"
    PARTICIPATION = "participation", "Participation"
    INDEPENDENCE = "independence", "Independence"
    INCLUSION = "inclusion", "Inclusion"
    WELL_BEING = "well_being", "Well-being"


class Alternative(models.TextChoices):
    """What the council tried before buying externally."""

    IN_HOUSE_FOSTERING = "in_house_fostering", "In-house fostering"
    IN_HOUSE_HOMES = "in_house_homes", "In-house children's homes"
    FAMILY_AND_FRIENDS = "family_and_friends", "Family and friends care"
    SUPPORT_AT_HOME = "support_at_home", "Support to stay at home"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent (within a week)"
    EMERGENCY = "emergency", "Emergency (today)"


class BudgetKind(models.TextChoices):
    CEILING = "ceiling", "Ceiling"
    PERSONAL_BUDGET = "personal_budget", "Personal budget"


class PanelDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class Child(models.Model):
    """A child's identity, held for one authority. Never serialised to a provider except the
    awarded provider's placement view (name and date of birth only)."""

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="children")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    case_reference = models.CharField(max_length=50)
    postcode = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(fields=["authority", "case_reference"],
                                    name="child_case_reference_per_authority"),
        ]

    def __str__(self):
        # Deliberately not the name: str() ends up in logs and audit rows.
        return f"Child #{self.pk}"


class Referral(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="referrals")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="referrals")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="referrals")
    status = FSMField(default=Status.DRAFT, choices=Status.choices, protected=True,
                      db_index=True)
    needs = models.ManyToManyField(Need, blank=True, related_name="referrals")
    outcomes = models.JSONField(default=list, blank=True)
    summary = models.TextField()
    placement_start = models.DateField()
    duration_weeks = models.PositiveIntegerField()
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    location_area = models.CharField(max_length=100)
    urgency = models.CharField(max_length=12, choices=Urgency.choices, default=Urgency.ROUTINE)
    budget_kind = models.CharField(max_length=20, choices=BudgetKind.choices, blank=True)
    budget_amount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="In the lot's price unit; offers above it are flagged, not hidden.",
    )
    alternatives_considered = models.JSONField(default=list, blank=True)
    alternatives_notes = models.TextField(blank=True)
    panel_date = models.DateField(null=True, blank=True)
    panel_decision = models.CharField(max_length=10, choices=PanelDecision.choices, blank=True)
    panel_notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["authority", "status"])]

    def __str__(self):
        return f"Referral {self.pk}"

    @transition(field=status, source=Status.DRAFT, target=Status.PUBLISHED)
    def publish(self):
        pass

    @transition(field=status, source=Status.DRAFT, target=Status.WITHDRAWN)
    def withdraw(self):
        pass

    def age_at_start(self, child=None):
        """Whole years at placement start: what providers see instead of a date of birth."""
        dob = (child or self.child).date_of_birth
        start = self.placement_start
        return start.year - dob.year - ((start.month, start.day) < (dob.month, dob.day))
