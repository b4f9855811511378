"""Reports read the placements and call-offs; they own only their export jobs."""

from django.conf import settings
from django.db import models


class ExportJob(models.Model):
    """A report file built in the background (Celery) for one person, downloaded when done."""

    class Kind(models.TextChoices):
        SPEND = "spend", "Spend report"
        SPEND_LINES = "spend_lines", "Spend by placement and block"
        COMMITMENTS = "commitments", "Commitments to the end of the financial year"
        PAYMENTS = "payments", "Payments over £30,000 (Procurement Act 2023 s.70)"

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "Excel (XLSX)"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                     related_name="export_jobs")
    authority = models.ForeignKey(
        "dps.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The authority the figures were restricted to when requested; blank for all "
                  "(a DPS administrator).")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    format = models.CharField(max_length=10, choices=Format.choices)
    params = models.JSONField(default=dict, help_text="The report's query: dates, grouping, "
                                                      "filters.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED,
                              db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    row_count = models.PositiveIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} export {self.pk} ({self.status})"

    @property
    def content_type(self):
        if self.format == self.Format.XLSX:
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return "text/csv; charset=utf-8"


class SpendPiece(models.Model):
    """One of the engine's piece-months (ADR 0011, 0023): a fee period, support item or block
    cut to its placement and one calendar month, its days `s`..`e`, its rate `n / d` pennies a
    day and its rounded `amount`, with the columns every grouping and filter reads.

    Whole months of a report are summed from SpendMonth/SpendYear; a month cut by a report's
    range is re-rounded from these rows (days of `s`..`e` in the range × n / d), not re-cut
    from the fee periods. Rebuilt per placement or block by the services that change what it
    buys (reports.summary); plain integers, not foreign keys: a derived table that
    `rebuild_spend_summary` can empty and fill again. A block's voids are on its one piece a
    month.
    """

    source = models.CharField(max_length=10)  # "placement" or "block"
    source_id = models.BigIntegerField()
    month = models.IntegerField(help_text="year × 12 + month − 1")
    authority_id = models.BigIntegerField()
    provider_id = models.BigIntegerField(null=True)
    provider_name = models.CharField(max_length=200)
    lot_id = models.BigIntegerField()
    route = models.CharField(max_length=10)
    location = models.CharField(max_length=12)
    s = models.DateField()
    e = models.DateField()
    n = models.BigIntegerField()
    d = models.IntegerField()
    amount = models.BigIntegerField(default=0, help_text="Pennies.")
    void_bed_days = models.IntegerField(default=0)
    voids = models.BigIntegerField(default=0, help_text="Pennies.")

    class Meta:
        indexes = [models.Index(fields=["month", "source", "source_id"],
                                name="spendpiece_month"),
                   # An edge month of one lot (the market insight) without the other lots'.
                   models.Index(fields=["lot_id", "month"], name="spendpiece_lot_month"),
                   # A placement's or block's piece-months with every column of its spend line
                   # (ADR 0030): the lines of a long range are one index-only scan, in
                   # source order, summed as they come (no hashing); it also finds a source's
                   # rows for a rebuild, as the (source, source_id) index it replaces did.
                   models.Index(fields=["source", "source_id", "authority_id", "provider_id",
                                        "provider_name", "lot_id", "route", "location",
                                        "month"],
                                include=["amount", "void_bed_days", "voids"],
                                name="spendpiece_line"),
                   # One council's months (the reconciliation's month to date, ADR 0028)
                   # without the other councils' pieces: 15 ms, not 58, at regional scale.
                   models.Index(fields=["authority_id", "month"],
                                name="spendpiece_authority_month")]

    def __str__(self):
        return f"{self.source} {self.source_id} month {self.month}: {self.amount}p"


class SpendMonth(models.Model):
    """SpendPiece summed per month and grouping key: what whole months of a report read.

    `provider_id` is 0 for a spot provider that is not a listed organisation, named by
    `provider_name` (blank otherwise), so the key has no nulls and one unique index;
    `pieces` counts the SpendPiece rows summed, and a row with none is deleted.
    """

    month = models.IntegerField()
    authority_id = models.BigIntegerField()
    lot_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    provider_name = models.CharField(max_length=200, blank=True)
    route = models.CharField(max_length=10)
    location = models.CharField(max_length=12)
    amount = models.BigIntegerField(default=0)
    void_bed_days = models.BigIntegerField(default=0)
    voids = models.BigIntegerField(default=0)
    pieces = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["month", "authority_id", "lot_id", "provider_id", "provider_name", "route",
                    "location"], name="spendmonth_key")]
        indexes = [models.Index(fields=["lot_id", "month"], name="spendmonth_lot_month")]

    def __str__(self):
        return f"month {self.month} authority {self.authority_id}: {self.amount}p"


class SpendYear(models.Model):
    """SpendMonth's sums per calendar year: what the whole years of a long range read.

    Keyed as SpendMonth, with `year` (the calendar year) for `month`.
    """

    year = models.IntegerField()
    authority_id = models.BigIntegerField()
    lot_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    provider_name = models.CharField(max_length=200, blank=True)
    route = models.CharField(max_length=10)
    location = models.CharField(max_length=12)
    amount = models.BigIntegerField(default=0)
    void_bed_days = models.BigIntegerField(default=0)
    voids = models.BigIntegerField(default=0)
    pieces = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["year", "authority_id", "lot_id", "provider_id", "provider_name", "route",
                    "location"], name="spendyear_key")]
        indexes = [models.Index(fields=["lot_id", "year"], name="spendyear_lot_year")]

    def __str__(self):
        return f"year {self.year} authority {self.authority_id}: {self.amount}p"


class SpendMonthLot(models.Model):
    """SpendMonth without the provider: per month × authority × lot × route × location, a
    few hundred rows a month, what every report not grouped or filtered by provider reads."""

    month = models.IntegerField()
    authority_id = models.BigIntegerField()
    lot_id = models.BigIntegerField()
    route = models.CharField(max_length=10)
    location = models.CharField(max_length=12)
    amount = models.BigIntegerField(default=0)
    void_bed_days = models.BigIntegerField(default=0)
    voids = models.BigIntegerField(default=0)
    pieces = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["month", "authority_id", "lot_id", "route", "location"],
            name="spendmonthlot_key")]

    def __str__(self):
        return f"month {self.month} authority {self.authority_id} lot {self.lot_id}"


class SpendSpan(models.Model):
    """SpendMonth's sums over the `span` (11) months ending with `end_month` (ADR 0027): a
    market insight year is 11 whole months between its two edge months, so it reads one row
    per key instead of eleven, and a long range's months after its last whole calendar year
    likewise. Keyed as SpendMonth (provider 0 for an unlisted spot provider); `pieces` counts
    the piece-months summed, and a row with none is deleted."""

    end_month = models.IntegerField()
    span = models.SmallIntegerField()
    lot_id = models.BigIntegerField()
    authority_id = models.BigIntegerField()
    provider_id = models.BigIntegerField()
    provider_name = models.CharField(max_length=200, blank=True)
    route = models.CharField(max_length=10)
    location = models.CharField(max_length=12)
    amount = models.BigIntegerField(default=0)
    void_bed_days = models.BigIntegerField(default=0)
    voids = models.BigIntegerField(default=0)
    pieces = models.IntegerField(default=0)

    class Meta:
        # End month first, as SpendMonth: a report over every lot reads one end month's rows;
        # the insight reads one lot's (lot_id, end_month).
        constraints = [models.UniqueConstraint(
            fields=["end_month", "span", "authority_id", "lot_id", "provider_id",
                    "provider_name", "route", "location"], name="spendspan_key")]
        indexes = [models.Index(fields=["lot_id", "end_month"], name="spendspan_lot_month")]

    def __str__(self):
        return f"{self.span} months to {self.end_month} lot {self.lot_id}: {self.amount}p"


class InsightPlacement(models.Model):
    """One narrow row per placement as the market insight reads it (ADR 0029): its lot,
    authority, provider, dates, end reason and agreed starting price as a weekly equivalent
    (`reports.insight`'s own expression over its first fee period; null when it has none).

    The insight's counts, endings, prices and breakdown read these rows (one lot's lie together,
    and the index covers them) instead of the wide placement rows and one fee-period probe per
    placement. Every placement, whatever its approval or route. Kept with the spend summary:
    the services' `reports.summary.follow` computes a placement's row again, a full rebuild
    (or `rebuild_spend_summary --placements-only`) all of them; plain integers, not foreign
    keys, so it can be emptied and filled again.
    """

    placement_id = models.BigIntegerField(unique=True)
    lot_id = models.BigIntegerField()
    authority_id = models.BigIntegerField()
    provider_id = models.BigIntegerField(null=True)
    provider_name = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True)
    end_reason = models.CharField(max_length=30, blank=True)
    weekly = models.DecimalField(max_digits=14, decimal_places=2, null=True,
                                 help_text="The starting price a week, in pounds.")

    class Meta:
        # A lot's rows by start, covering every column read (an index-only scan on PostgreSQL).
        indexes = [models.Index(
            fields=["lot_id", "start_date"], name="insightplacement_lot_start",
            include=["end_date", "authority_id", "provider_id", "provider_name", "end_reason",
                     "weekly"])]

    def __str__(self):
        return f"Placement {self.placement_id} in lot {self.lot_id}"


class SpendSummaryState(models.Model):
    """One row once the summary is built: the last month it holds (`horizon`).

    No row: every report is computed live (a fresh database, or before the first
    `rebuild_spend_summary`), and the services keep nothing.
    """

    horizon = models.IntegerField(help_text="year × 12 + month − 1 of the last month held")
    built_at = models.DateTimeField()
    spans_built = models.BooleanField(
        default=False, help_text="SpendSpan filled (ADR 0027): until then reports read months "
                                 "(a summary built before the spans existed is not wrong).")
    placements_built = models.BooleanField(
        default=False, help_text="InsightPlacement filled (ADR 0029): until then the market "
                                 "insight reads the placements themselves.")

    def __str__(self):
        return f"Spend summary through month {self.horizon}"
