"""Referrals: what a child needs, written by the authority. Identity stays on this side.

The child's identity lives in `Child`, a separate table that no provider-facing serializer
reaches; providers only ever see the anonymised referral through an allowlist.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition
from encrypted_model_fields.fields import EncryptedCharField, EncryptedDateField

from referrals.crypto import reference_digest, reference_digests


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


class ChildQuerySet(models.QuerySet):
    """The case reference is stored encrypted: an exact lookup on it becomes a lookup on its
    keyed digest, so `get_or_create(authority=..., case_reference=...)` still works."""

    def _filter_or_exclude(self, negate, args, kwargs):
        if "case_reference" in kwargs:
            kwargs = dict(kwargs)
            # Under every configured key: rows not yet re-keyed after a rotation still match.
            kwargs["case_reference_digest__in"] = reference_digests(kwargs.pop("case_reference"))
        refused = [name for name in kwargs
                   if name.split("__")[0] in Child.ENCRYPTED and "__" in name]
        if refused:
            raise ValueError(f"Encrypted fields cannot be searched: {', '.join(refused)}")
        return super()._filter_or_exclude(negate, args, kwargs)


class Child(models.Model):
    """A child's identity, held for one authority. Never serialised to a provider except the
    awarded provider's placement view (name and date of birth only). Encrypted at rest."""

    ENCRYPTED = ("first_name", "last_name", "date_of_birth", "case_reference", "postcode")

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="children")
    first_name = EncryptedCharField(max_length=100)
    last_name = EncryptedCharField(max_length=100)
    date_of_birth = EncryptedDateField(null=True, blank=True)
    case_reference = EncryptedCharField(max_length=50)
    case_reference_digest = models.CharField(max_length=64, editable=False, default="")
    postcode = EncryptedCharField(max_length=10, blank=True)
    identity_cleared_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When the retention rule cleared the identity (names, date of birth, postcode).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChildQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "children"
        constraints = [
            models.UniqueConstraint(fields=["authority", "case_reference_digest"],
                                    condition=Q(identity_cleared_at__isnull=True),
                                    name="child_case_reference_per_authority"),
        ]
        # The unique index is partial (identities not cleared): a search by case reference,
        # which finds cleared ones too, reads this one (issue 19: 20 ms of 6,000 rows → 0.1 ms).
        indexes = [models.Index(fields=["authority", "case_reference_digest"],
                                name="child_case_reference_digest")]

    def __str__(self):
        # Deliberately not the name: str() ends up in logs and audit rows.
        return f"Child #{self.pk}"

    def save(self, *args, **kwargs):
        self.case_reference_digest = reference_digest(self.case_reference)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "case_reference" in update_fields:
            kwargs["update_fields"] = {*update_fields, "case_reference_digest"}
        super().save(*args, **kwargs)


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
