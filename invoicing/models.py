"""Invoices and payments: what a provider asks to be paid, checked against what was accrued.

A provider sends one consolidated invoice per period: a line per placement (its fee), per
support item, or per block contract, each over a range of past days. Each line carries what the
spend engine accrues for those days (`expected`, reports/spend.py's rules, to the penny), so
vouching is a comparison, not a judgement: an invoice whose lines all match is `vouched`, any
difference puts it in `query`. Finance approves (in bulk for vouched ones, with a recorded
reason for a queried one), queries or rejects; payments (recorded or imported from the
ledger's remittance file) make it `paid` once they reach the approved total.

A day is invoiced at most once per placement (or block) and kind while its line is live
(`InvoiceLine.live`: the invoice is not rejected); a rejected invoice's days may be invoiced
again. This is enforced in the service under a row lock on the
placement (or block) and re-checked, so two invoices arriving at the same instant give one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition


class Invoice(FSMModelMixin, models.Model):
    class Status(models.TextChoices):
        VOUCHED = "vouched", "Vouched"
        QUERY = "query", "Queried"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        PAID = "paid", "Paid"

    provider = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                 related_name="invoices_sent")
    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="invoices_received")
    # The provider's own invoice number: unique per provider.
    reference = models.CharField(max_length=60)
    status = FSMField(max_length=10, choices=Status.choices, default=Status.QUERY,
                      protected=True, db_index=True)
    # The day the council received it (s.69 payment days count from here).
    received_on = models.DateField(db_index=True)
    total = models.DecimalField(max_digits=14, decimal_places=2)
    expected_total = models.DecimalField(max_digits=14, decimal_places=2)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(auto_now_add=True)
    # How it arrived: the portal, the API, or a CSV upload.
    channel = models.CharField(max_length=10, default="api")

    # Finance's decision. `reason` is shown to the provider (query and rejection reasons, the
    # reason a difference was accepted): staff-written, provider-readable (referrals/audience.py).
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    approved_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    # Paid in full on (the last payment's day): s.69 days from received_on to this.
    paid_on = models.DateField(null=True, blank=True, db_index=True)
    # Handed to the finance system once (the approved-invoices export).
    exported_at = models.DateTimeField(null=True, blank=True)
    export_batch = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "reference"],
                                    name="invoice_reference_unique_per_provider"),
        ]
        indexes = [models.Index(fields=["authority", "status"]),
                   models.Index(fields=["provider", "status"])]

    def __str__(self):
        return f"Invoice {self.reference} from {self.provider}"

    @transition(field=status, source=[Status.VOUCHED, Status.QUERY], target=Status.APPROVED)
    def approve(self):
        pass

    @transition(field=status, source=[Status.VOUCHED, Status.QUERY], target=Status.QUERY)
    def query(self):
        pass

    @transition(field=status, source=[Status.VOUCHED, Status.QUERY], target=Status.REJECTED)
    def reject(self):
        pass

    @transition(field=status, source=Status.APPROVED, target=Status.PAID)
    def mark_paid(self):
        pass


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        PLACEMENT = "placement", "Placement fee"
        SUPPORT = "support", "Extra support"
        BLOCK = "block", "Block contract"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    # placement and support lines name the placement (support lines also the item); block
    # lines name the block contract instead.
    placement = models.ForeignKey("contracts.Placement", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="invoice_lines")
    support_item = models.ForeignKey("contracts.SupportItem", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="invoice_lines")
    block = models.ForeignKey("contracts.BlockContract", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="invoice_lines")
    date_from = models.DateField()
    date_to = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    expected = models.DecimalField(max_digits=14, decimal_places=2)
    # Denormalised from the invoice so the already-invoiced check is one indexed query.
    live = models.BooleanField(default=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["placement", "kind", "date_from"],
                                condition=Q(live=True), name="invoiceline_live_placement"),
                   models.Index(fields=["block", "date_from"],
                                condition=Q(live=True), name="invoiceline_live_block"),
                   # The lines reaching an edge month (the month to date, ADR 0028): a few,
                   # not a scan of the year's.
                   models.Index(fields=["date_to"], name="invoiceline_date_to")]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")),
                                   name="invoiceline_range"),
            models.CheckConstraint(
                condition=(Q(kind="placement", placement__isnull=False, block__isnull=True,
                             support_item__isnull=True)
                           | Q(kind="support", placement__isnull=False, block__isnull=True,
                               support_item__isnull=False)
                           | Q(kind="block", placement__isnull=True, block__isnull=False,
                               support_item__isnull=True)),
                name="invoiceline_kind_target"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date_from}–{self.date_to}: {self.amount}"

    @property
    def difference(self):
        return self.amount - self.expected


class Payment(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    paid_on = models.DateField(db_index=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # The ledger's payment reference (remittance / payment-run line): unique per invoice.
    reference = models.CharField(max_length=60)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    # Set when it came from a remittance import (importing the same file twice changes nothing).
    remittance = models.ForeignKey("invoicing.RemittanceImport", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="payments")

    class Meta:
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "reference"],
                                    name="payment_reference_unique_per_invoice"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self):
        return f"Payment {self.reference} of {self.amount} on {self.paid_on}"


class RemittanceImport(models.Model):
    """One imported remittance / payment-run file, known by its content's digest."""

    authority = models.ForeignKey("dps.Organisation", on_delete=models.PROTECT,
                                  related_name="remittance_imports")
    sha256 = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    rows = models.PositiveIntegerField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["authority", "sha256"],
                                               name="remittance_unique_per_authority")]

    def __str__(self):
        return f"Remittance {self.name or self.sha256[:12]} ({self.rows} rows)"


# --- The maintained reconciliation sums (ADR 0028; invoicing/summary.py keeps them) -----------

class InvoicingSummaryState(models.Model):
    """One row once `rebuild_invoicing_summary` has run: until then every figure is computed
    from the lines and payments, and the services keep nothing."""

    built_at = models.DateTimeField()

    def __str__(self):
        return f"Reconciliation sums built {self.built_at:%Y-%m-%d %H:%M}"


class InvoicedTo(models.Model):
    """The last day on a live placement-fee line of each placement (lines of one placement never
    overlap): the late-placements list joins it instead of probing the lines per placement."""

    placement = models.OneToOneField("contracts.Placement", primary_key=True,
                                     on_delete=models.CASCADE, related_name="invoiced_to_row")
    invoiced_to = models.DateField()

    def __str__(self):
        return f"Placement {self.placement_id} invoiced to {self.invoiced_to}"


class InvoicedMonth(models.Model):
    """Pennies invoiced (approved and paid invoices' lines, basis.py's cumulative rounding) per
    calendar month, authority, lot, provider and placement or block."""

    month = models.IntegerField(help_text="year × 12 + month − 1")
    authority_id = models.BigIntegerField()
    lot_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    source = models.CharField(max_length=10)  # "placement" or "block"
    source_id = models.BigIntegerField()
    amount = models.BigIntegerField(default=0, help_text="Pennies.")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["authority_id", "month", "source", "source_id", "lot_id", "provider_id"],
            name="invoicedmonth_key")]
        indexes = [models.Index(fields=["source_id", "source"], name="invoicedmonth_source")]

    def __str__(self):
        return f"{self.source} {self.source_id} month {self.month}: {self.amount}p invoiced"


class PaidDay(models.Model):
    """Pennies paid per day, authority, lot, provider and placement or block: each payment
    shared among its invoice's lines by largest remainder (basis.py), so ranges are exact."""

    paid_on = models.DateField()
    authority_id = models.BigIntegerField()
    lot_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    source = models.CharField(max_length=10)
    source_id = models.BigIntegerField()
    amount = models.BigIntegerField(default=0, help_text="Pennies.")

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["authority_id", "paid_on", "source", "source_id", "lot_id", "provider_id"],
            name="paidday_key")]
        indexes = [models.Index(fields=["source_id", "source"], name="paidday_source")]

    def __str__(self):
        return f"{self.source} {self.source_id} on {self.paid_on}: {self.amount}p paid"
