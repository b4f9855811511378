"""Call-offs: publication to every admitted provider, expressions of interest, Q&A, evaluation,
recommendation, approval and award."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition


class CallOff(FSMModelMixin, models.Model):
    class Route(models.TextChoices):
        COMPETITION = "competition", "Competition among the lot's members"
        # The child's, family's or person's choice of provider decides (PA 2023 Sch. 5
        # para. 15; PCR 2015 reg. 76): no invitations, straight to approval.
        USER_CHOICE = "user_choice", "Direct award: user choice"

    class ChoiceBy(models.TextChoices):
        CHILD = "child", "The child"
        FAMILY = "family", "The child's family"
        PERSON = "person", "The person"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        AWARDED = "awarded", "Awarded"
        CANCELLED = "cancelled", "Cancelled"
        NO_AWARD = "no_award", "No award"

    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT,
                                    related_name="calloff")
    # Copied from the referral at publication so lists filter without joins, and so providers'
    # queries never need to reach the referral's child.
    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="calloffs")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="calloffs")
    child_age = models.PositiveSmallIntegerField(help_text="Whole years at placement start.")
    status = FSMField(default=Status.OPEN, choices=Status.choices, protected=True, db_index=True)
    route = models.CharField(max_length=12, choices=Route.choices, default=Route.COMPETITION)
    choice_by = models.CharField(max_length=10, choices=ChoiceBy.choices, blank=True)
    deadline = models.DateTimeField(db_index=True)
    short_deadline_reason = models.TextField(blank=True)
    quality_weight = models.PositiveSmallIntegerField(default=60)
    price_weight = models.PositiveSmallIntegerField(default=40)
    invited_count = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(db_index=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    negotiation_until = models.DateTimeField(
        null=True, blank=True, help_text="While set and in the future, bidders may lower prices.")
    recommended_eoi = models.ForeignKey("ExpressionOfInterest", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    recommendation_reason = models.TextField(blank=True)
    recommended_at = models.DateTimeField(null=True, blank=True)
    recommended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    award_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    key_decision_reference = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    ended_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "call-off"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quality_weight__lte=100) & Q(price_weight__lte=100),
                name="calloff_weights_at_most_100"),
        ]
        indexes = [models.Index(fields=["status", "deadline"]),
                   models.Index(fields=["authority", "status"])]

    def __str__(self):
        return f"Call-off {self.pk}"

    @transition(field=status, source=Status.OPEN, target=Status.CLOSED)
    def close(self):
        pass

    @transition(field=status, source=Status.CLOSED, target=Status.AWAITING_APPROVAL)
    def recommend(self):
        pass

    @transition(field=status, source=Status.AWAITING_APPROVAL, target=Status.CLOSED)
    def reject_recommendation(self):
        pass

    @transition(field=status, source=Status.AWAITING_APPROVAL, target=Status.AWARDED)
    def approve(self):
        pass

    @transition(field=status, source=Status.CLOSED, target=Status.NO_AWARD)
    def no_award(self):
        pass

    @transition(field=status, source=[Status.OPEN, Status.CLOSED], target=Status.CANCELLED)
    def cancel(self):
        pass


class Invitation(models.Model):
    """One provider invited to one call-off (every admitted, unsuspended member of the lot)."""

    calloff = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="invitations")
    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="invitations")
    membership = models.ForeignKey("providers.Membership", on_delete=models.PROTECT,
                                   related_name="invitations")
    invited_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["calloff", "provider"], name="invite_once"),
        ]
        indexes = [models.Index(fields=["provider", "calloff"])]

    def __str__(self):
        return f"{self.provider} invited to call-off {self.calloff_id}"


class ExpressionOfInterest(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Outcome(models.TextChoices):
        AWARDED = "awarded", "Awarded"
        UNSUCCESSFUL = "unsuccessful", "Unsuccessful"

    calloff = models.ForeignKey(CallOff, on_delete=models.PROTECT, related_name="eois")
    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="eois")
    status = FSMField(default=Status.SUBMITTED, choices=Status.choices, protected=True)
    price = models.DecimalField(max_digits=12, decimal_places=2)
    offered_price = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="The price first offered, before negotiation.")
    proposed_start = models.DateField()
    how_needs_met = models.TextField()
    outcomes_approach = models.TextField(blank=True)
    quality_score = models.PositiveSmallIntegerField(null=True, blank=True)
    evaluation_notes = models.TextField(blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    evaluated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Filled when the call-off is awarded and bidders are told.
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    price_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    total_score = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    outcome_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "expression of interest"
        verbose_name_plural = "expressions of interest"
        ordering = ["submitted_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["calloff", "provider"],
                                    condition=Q(status="submitted"), name="one_live_eoi"),
            models.CheckConstraint(condition=Q(quality_score__lte=100), name="quality_0_100"),
        ]
        indexes = [models.Index(fields=["provider", "calloff"]),
                   # A provider's responses newest first (the portal, "My responses"): the
                   # first page walked in order, not all of a busy provider's sorted (issue 19).
                   models.Index(fields=["provider", "-submitted_at", "-id"],
                                name="eoi_provider_newest")]

    def __str__(self):
        return f"EoI {self.pk} from {self.provider}"

    @transition(field=status, source=Status.SUBMITTED, target=Status.WITHDRAWN)
    def withdraw(self):
        pass


class Question(models.Model):
    """A clarification question; the answer goes to every invited provider, the asker unnamed."""

    calloff = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="questions")
    asked_by = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    asked_at = models.DateTimeField(auto_now_add=True)
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]

    def __str__(self):
        return f"Question {self.pk} on call-off {self.calloff_id}"


# --- Quality criteria -----------------------------------------------------------------------
# Quality is scored against published criteria, each weighted; the EoI's quality_score stays
# their weighted result, so the ranking formula and v1 clients are unchanged (ADR 0026).

class LotCriterion(models.Model):
    """One of a lot's default quality criteria: a call-off copies its lot's at publication."""

    lot = models.ForeignKey("providers.Lot", on_delete=models.CASCADE,
                            related_name="quality_criteria")
    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField(help_text="Out of 100 across the lot's criteria.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "lot quality criterion"
        verbose_name_plural = "lot quality criteria"
        ordering = ["lot", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lot", "name"], name="lot_criterion_once"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="lot_criterion_weight_100"),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class Criterion(models.Model):
    """A call-off's published quality criterion: fixed once published, since providers were
    told what they would be scored on."""

    calloff = models.ForeignKey(CallOff, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(max_length=100)
    weight = models.PositiveSmallIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "quality criterion"
        verbose_name_plural = "quality criteria"
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["calloff", "name"], name="criterion_once"),
            models.CheckConstraint(condition=Q(weight__lte=100), name="criterion_weight_100"),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}%)"


class CriterionScore(models.Model):
    """One offer's score on one criterion, with the note the bidder reads as feedback."""

    eoi = models.ForeignKey(ExpressionOfInterest, on_delete=models.CASCADE,
                            related_name="criterion_scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores")
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion__position", "criterion_id"]
        constraints = [
            models.UniqueConstraint(fields=["eoi", "criterion"], name="score_once"),
            models.CheckConstraint(condition=Q(score__lte=100), name="criterion_score_100"),
        ]

    def __str__(self):
        return f"{self.criterion.name}: {self.score}"
