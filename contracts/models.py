"""Placements: what was bought, from whom, for which child, at what price over time."""

from django.conf import settings
from django.db import models
from django_fsm import FSMField, FSMModelMixin, transition


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
    price = models.DecimalField(max_digits=12, decimal_places=2,
                                help_text="The current price, in the lot's unit.")
    price_unit = models.CharField(max_length=10)
    hours_per_week = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    exception_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["authority", "status"]),
                   models.Index(fields=["provider", "status"])]

    def __str__(self):
        return f"Placement {self.pk} with {self.provider_name}"

    @transition(field=status, source=Status.PENDING_START, target=Status.ACTIVE)
    def activate(self):
        pass

    @transition(field=status, source=[Status.PENDING_START, Status.ACTIVE], target=Status.ENDED)
    def end(self):
        pass


class FeePeriod(models.Model):
    """A price that applied from one day to another: the placement's price history."""

    placement = models.ForeignKey(Placement, on_delete=models.CASCADE,
                                  related_name="fee_periods")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=10)
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["placement_id", "effective_from"]
        indexes = [models.Index(fields=["placement", "effective_from"])]

    def __str__(self):
        return f"{self.price} per {self.unit} from {self.effective_from}"
