"""Notice obligations: one row per notice the Procurement Act 2023 makes the council publish
for an event in its records (ADR 0020). Raised by the scan (`notices/scan.py`), moved to
overdue by the clock and to published when the council records Find a Tender's identifier."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition


class Kind(models.TextChoices):
    # Named as the Act and the Procurement Regulations 2024 name them (API.md v1.1).
    DYNAMIC_MARKET_INTENTION = "dynamic_market_intention", \
        "Dynamic market notice: intention to establish"
    DYNAMIC_MARKET_ESTABLISHMENT = "dynamic_market_establishment", \
        "Dynamic market notice: establishment"
    DYNAMIC_MARKET_MODIFICATION = "dynamic_market_modification", \
        "Dynamic market notice: modification"
    DYNAMIC_MARKET_CESSATION = "dynamic_market_cessation", "Dynamic market notice: cessation"
    CONTRACT_AWARD = "contract_award", "Contract award notice"
    CONTRACT_DETAILS = "contract_details", "Contract details notice"
    CONTRACT_CHANGE = "contract_change", "Contract change notice"
    CONTRACT_TERMINATION = "contract_termination", "Contract termination notice"
    PAYMENTS_COMPLIANCE = "payments_compliance", "Payments compliance notice"
    CONTRACT_PERFORMANCE = "contract_performance", "Contract performance notice"


class SubjectType(models.TextChoices):
    DPS = "dps", "Arrangement"
    CALLOFF = "calloff", "Call-off"
    PLACEMENT = "placement", "Placement"
    FEE_CHANGE = "fee_change", "Fee change"
    AUTHORITY = "authority", "Council"


class Notice(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        DUE = "due", "Due"
        OVERDUE = "overdue", "Overdue"
        PUBLISHED = "published", "Published"

    kind = models.CharField(max_length=40, choices=Kind.choices, db_index=True)
    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="notices")
    dps = models.ForeignKey("providers.Dps", on_delete=models.PROTECT, related_name="notices")
    subject_type = models.CharField(max_length=20, choices=SubjectType.choices)
    subject_id = models.PositiveBigIntegerField()
    # Tells apart the notices one subject owes more than once (a modification's audit row, a
    # six-month period, a year of a contract); empty when the subject owes one.
    occurrence = models.CharField(max_length=40, blank=True, default="")
    event_on = models.DateField(help_text="The day of the event the notice is for.")
    due_by = models.DateField(db_index=True)
    status = FSMField(default=Status.DUE, choices=Status.choices, protected=True, db_index=True)
    raised_at = models.DateTimeField(auto_now_add=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    notice_identifier = models.CharField(max_length=100, blank=True, default="")
    published_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    # The release as it was published, so the open data keeps serving what was published.
    published_release = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["due_by", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject_type", "subject_id", "occurrence"],
                                    name="notice_once_per_event"),
            models.UniqueConstraint(fields=["notice_identifier"],
                                    condition=~Q(notice_identifier=""),
                                    name="notice_identifier_once"),
        ]
        indexes = [models.Index(fields=["authority", "status", "due_by"]),
                   models.Index(fields=["status", "published_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.pk}"

    @property
    def subject(self):
        return {"type": self.subject_type, "id": self.subject_id}

    @transition(field=status, source=Status.DUE, target=Status.OVERDUE)
    def become_overdue(self):
        pass

    @transition(field=status, source=[Status.DUE, Status.OVERDUE], target=Status.PUBLISHED)
    def publish(self):
        pass
