"""Back-office view of export jobs. Read-only: jobs are asked for on the finance pages or API."""

from django.contrib import admin

from reports.models import ExportJob


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "format", "status", "progress", "requested_by", "created_at",
                    "finished_at"]
    list_filter = ["kind", "format", "status"]
    list_select_related = ["requested_by"]
    fields = ["requested_by", "authority", "kind", "format", "params", "status", "progress",
              "row_count", "filename", "error", "created_at", "started_at", "finished_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
