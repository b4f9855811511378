"""Placements: what was bought, from whom, for which child, at what price over time."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition


class EndReason(models.TextChoices):
    PLANNED_MOVE = "planned_move", "Planned move"
    PLACEMENT_BREAKDOWN = "placement_breakdown", "Placement breakdown"
    PROVIDER_NOTICE = "provider_notice", "Provider gave notice"
    COUNCIL_NOTICE = "council_notice", "Council gave notice"
    RETURNED_HOME = "returned_home", "Child returned home"
    MOVED_TO_INDEPENDENCE = "moved_to_independence", "Moved to independence"
    OTHER = "other", "Other"


class Approval(models.TextChoices):
    """A budget holder's approval of a purchase (spot placement or block), as for an award.

    Only approved purchases count as spend (reports/spend.py). DPS placements are approved by
    construction (the award was); spot placements and blocks wait unless recorded by a budget
    holder whose limit covers them. An emergency placement may start while it waits.
    """

    AWAITING = "awaiting", "Awaiting approval"
    APPROVED = "approved", "Approved"


class Placement(FSMModelMixin, models.Model):
    class Route(models.TextChoices):
        DPS = "dps", "DPS call-off"
        SPOT = "spot", "Spot purchase (off-contract)"
        BLOCK = "block", "Block contract"

    class Status(models.TextChoices):
        PENDING_START = "pending_start", "Pending start"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="placements_bought")
    provider = models.ForeignKey("dps.Organisation", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="placements")
    provider_name = models.CharField(
        max_length=200, help_text="As agreed; for spot purchases the provider may not be listed.")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="placements")
    route = models.CharField(max_length=10, choices=Route.choices, db_index=True)
    calloff = models.OneToOneField("calloffs.CallOff", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="placement")
    eoi = models.OneToOneField("calloffs.ExpressionOfInterest", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="placement")
    child = models.ForeignKey("referrals.Child", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="placements")
    status = FSMField(default=Status.PENDING_START, choices=Status.choices, protected=True,
                      db_index=True)
    start_date = models.DateField(db_index=True)
    planned_end_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=30, choices=EndReason.choices, blank=True)
    end_notes = models.TextField(blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    end_notified_at = models.DateTimeField(null=True, blank=True)
    price = models.DecimalField(
        max_digits=12, decimal_places=2,
        help_text="The price in force today, in the lot's unit: a copy of the fee period's, "
                  "kept current by the services and the daily task.")
    price_unit = models.CharField(max_length=10)
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    exception_reason = models.TextField(blank=True)
    block = models.ForeignKey("contracts.BlockContract", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="placements",
                              help_text="The block bed it occupies (route `block`).")
    price_before_discount = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="The agreed price before a volume discount; blank when none applied.")
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True,
                                           blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The budget holder's approval (Approval): what it was approved at, by whom, when.
    approval = FSMField(default=Approval.AWAITING, choices=Approval.choices, protected=True,
                        db_index=True)
    value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True,
        help_text="What the purchase commits, checked against the approver's limit: the price "
                  "over the term (52 weeks when open-ended), by the award rules.")
    key_decision_reference = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["authority", "status"]),
                   # The approval queues: the few awaiting among many approved.
                   models.Index(fields=["authority", "created_at"],
                                condition=Q(approval="awaiting"),
                                name="placement_awaiting_approval"),
                   models.Index(fields=["provider", "status"]),
                   # The list's filters and its order within an authority (bench/README.md).
                   models.Index(fields=["authority", "lot"]),
                   models.Index(fields=["authority", "route"]),
                   models.Index(fields=["authority", "-start_date", "-id"],
                                name="placement_authority_recent"),
                   # Live in a range (end_date null or after its start): the reconciliation's
                   # rows and late placements skip the authority's ended years.
                   models.Index(fields=["authority", "end_date"],
                                name="placement_authority_end")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="placement_ends_after_start"),
        ]

    def __str__(self):
        return f"Placement {self.pk} with {self.provider_name}"

    @transition(field=status, source=Status.PENDING_START, target=Status.ACTIVE)
    def activate(self):
        pass

    @transition(field=status, source=[Status.PENDING_START, Status.ACTIVE], target=Status.ENDED)
    def end(self):
        pass

    @transition(field=approval, source=Approval.AWAITING, target=Approval.APPROVED)
    def approve(self):
        pass


class FeeChange(FSMModelMixin, models.Model):
    """A change of price from a date: requested by the provider or recorded by the council."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT,
                                  related_name="fee_changes")
    status = FSMField(default=Status.REQUESTED, choices=Status.choices, protected=True,
                      db_index=True)
    new_price = models.DecimalField(max_digits=12, decimal_places=2)
    previous_price = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="The price it replaced, filled when approved.")
    effective_from = models.DateField()
    reason = models.TextField()
    backdating_reason = models.TextField(blank=True)
    cap_warning_acknowledged = models.BooleanField(
        default=False, help_text="The new price was above the provider's cap and the "
                                 "commissioner acknowledged it.")
    price_cap = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="The provider's cap on the lot when the change was decided (DPS route).")
    requested_at = models.DateTimeField(auto_now_add=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decline_reason = models.TextField(blank=True)
    # When the other side was told: a retried e-mail task finds them set and sends nothing.
    request_notified_at = models.DateTimeField(null=True, blank=True)
    decision_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placement_id", "effective_from", "id"]
        indexes = [models.Index(fields=["placement", "status", "effective_from"])]
        constraints = [
            models.CheckConstraint(condition=Q(new_price__gt=0), name="fee_change_price_positive"),
        ]

    def __str__(self):
        return f"Fee change {self.pk} on placement {self.placement_id}"

    @transition(field=status, source=Status.REQUESTED, target=Status.APPROVED)
    def approve(self):
        pass

    @transition(field=status, source=Status.REQUESTED, target=Status.DECLINED)
    def decline(self):
        pass


class FeePeriod(models.Model):
    """A price that applied from one day to another: the placement's price history."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE,
                                  related_name="fee_periods")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=10)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    fee_change = models.ForeignKey(
        FeeChange, null=True, blank=True, on_delete=models.PROTECT, related_name="fee_periods",
        help_text="The approval that opened this period; blank for the agreed starting price.")
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["placement_id", "effective_from"]
        indexes = [models.Index(fields=["placement", "effective_from"])]
        constraints = [
            models.UniqueConstraint(fields=["placement", "effective_from"],
                                    name="one_fee_period_per_start_day"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="fee_period_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.price} per {self.unit} from {self.effective_from}"


class SupportItem(models.Model):
    """Additional support bought on top of the placement, costed weekly, reviewed by a date."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT,
                                  related_name="support_items")
    description = models.TextField()
    weekly_cost = models.DecimalField(max_digits=12, decimal_places=2)
    start_date = models.DateField()
    review_date = models.DateField(db_index=True)
    end_date = models.DateField()
    reviewed_on = models.DateField(
        null=True, blank=True, help_text="When the review due on `review_date` was held.")
    review_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_reminder_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["placement_id", "start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weekly_cost__gt=0),
                                   name="support_item_cost_positive"),
            models.CheckConstraint(
                condition=Q(review_date__gte=models.F("start_date"))
                & Q(review_date__lte=models.F("end_date")),
                name="support_item_review_within_dates"),
        ]
        # Reviews not yet held by date: the dashboard's "additional support to review" walks it
        # in order (issue 19: a few rows read instead of every support item).
        indexes = [models.Index(fields=["review_date", "placement"],
                                condition=Q(reviewed_on__isnull=True),
                                name="pending_support_review")]

    def __str__(self):
        return f"Support item {self.pk} on placement {self.placement_id}"


class PlacementReview(models.Model):
    """A scheduled review of the placement; recording one done schedules the next."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="reviews")
    sequence = models.PositiveSmallIntegerField(help_text="1 for the first review, and so on.")
    due_date = models.DateField(db_index=True)
    done_date = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    overdue_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["placement_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "sequence"], name="review_sequence"),
            # At most one review waits to be done: the next one.
            models.UniqueConstraint(fields=["placement"], condition=Q(done_date__isnull=True),
                                    name="one_pending_review"),
        ]
        indexes = [models.Index(fields=["placement", "done_date"]),
                   # Pending reviews by due date: the "review due" filter and the reminders.
                   models.Index(fields=["due_date", "placement"],
                                condition=Q(done_date__isnull=True),
                                name="pending_review_due")]

    def __str__(self):
        return f"Review {self.sequence} of placement {self.placement_id}"


class AgreementVersion(models.Model):
    """The individual placement agreement as issued: the PDF bytes, never re-rendered."""

    placement = models.ForeignKey(Placement, on_delete=models.PROTECT,
                                  related_name="agreement_versions")
    version = models.PositiveIntegerField()
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["placement_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["placement", "version"],
                                    name="agreement_version_once"),
        ]

    def __str__(self):
        return f"Agreement v{self.version} for placement {self.placement_id}"


class BlockContract(FSMModelMixin, models.Model):
    """Beds bought in advance from one provider on one lot for a period, used or not.

    Spend counts every bed-day bought; placements made into the block (route `block`) occupy
    beds, and the bed-days nobody occupied are the voids.
    """

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="blocks_bought")
    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="blocks")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT, related_name="blocks")
    reference = models.CharField(max_length=60, blank=True)
    beds = models.PositiveIntegerField()
    price_per_bed = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="Per bed, in `unit` (the lot's unit).")
    unit = models.CharField(max_length=10)
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    notes = models.TextField(blank=True)
    price_cap = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True,
        help_text="The provider's cap on the lot when the block was bought.")
    cap_warning_acknowledged = models.BooleanField(
        default=False, help_text="The price per bed was above the provider's cap and the "
                                 "commissioner acknowledged it.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The budget holder's approval (Approval): what it was approved at, by whom, when.
    approval = FSMField(default=Approval.AWAITING, choices=Approval.choices, protected=True,
                        db_index=True)
    value = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True,
        help_text="What the purchase commits, checked against the approver's limit: the price "
                  "over the term (52 weeks when open-ended), by the award rules.")
    key_decision_reference = models.CharField(max_length=100, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["authority", "start_date"]),
                   models.Index(fields=["provider", "lot"])]
        constraints = [
            models.CheckConstraint(condition=Q(beds__gt=0), name="block_has_beds"),
            models.CheckConstraint(condition=Q(price_per_bed__gt=0),
                                   name="block_price_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="block_ends_after_start"),
        ]

    def __str__(self):
        return f"Block {self.reference or self.pk}: {self.beds} beds"

    @transition(field=approval, source=Approval.AWAITING, target=Approval.APPROVED)
    def approve(self):
        pass


class VolumeDiscountTier(models.Model):
    """A provider's discount on a lot once it has this many concurrent placements."""

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="volume_discount_tiers")
    lot = models.ForeignKey("providers.Lot", on_delete=models.PROTECT,
                            related_name="volume_discount_tiers")
    min_concurrent = models.PositiveIntegerField(
        help_text="The tier applies to a new placement when the provider already has at least "
                  "this many live placements on the lot, the new one included.")
    percent = models.DecimalField(max_digits=5, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["provider_id", "lot_id", "min_concurrent"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "lot", "min_concurrent"],
                                    name="one_tier_per_threshold"),
            models.CheckConstraint(condition=Q(min_concurrent__gte=2),
                                   name="tier_threshold_at_least_two"),
            models.CheckConstraint(condition=Q(percent__gt=0) & Q(percent__lt=100),
                                   name="tier_percent_between_0_and_100"),
        ]

    def __str__(self):
        return f"{self.percent}% off from {self.min_concurrent} placements"
