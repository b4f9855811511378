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
