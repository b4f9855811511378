from django.contrib import admin

from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Kpi,
    KpiReturn,
    MonitoringActivity,
    OutcomeRating,
    ReassessmentTrigger,
    RiskAssessment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Monitoring records change through the services (rules, audit); the admin reads them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["provider", "assessed_at", "score", "rag", "next_due", "is_current"]
    list_filter = ["rag", "is_current"]
    list_select_related = ["provider"]
    search_fields = ["provider__name"]


@admin.register(ReassessmentTrigger)
class ReassessmentTriggerAdmin(ReadOnlyAdmin):
    list_display = ["provider", "kind", "raised_at", "cleared_by_assessment"]
    list_filter = ["kind"]
    list_select_related = ["provider"]


@admin.register(MonitoringActivity)
class MonitoringActivityAdmin(ReadOnlyAdmin):
    list_display = ["provider", "kind", "status", "planned_date", "done_date"]
    list_filter = ["kind", "status"]
    list_select_related = ["provider"]


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    can_delete = False
    fields = ["action", "owner", "due_date", "status", "escalated_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ActionPlan)
class ActionPlanAdmin(ReadOnlyAdmin):
    list_display = ["id", "provider", "created_at"]
    list_select_related = ["provider"]
    inlines = [ActionItemInline]


@admin.register(Kpi)
class KpiAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "lot", "frequency", "is_active"]
    list_filter = ["lot", "frequency"]


@admin.register(KpiReturn)
class KpiReturnAdmin(ReadOnlyAdmin):
    list_display = ["provider", "lot", "period_start", "period_end", "due_date", "status"]
    list_filter = ["status", "lot"]
    list_select_related = ["provider", "lot"]


@admin.register(OutcomeRating)
class OutcomeRatingAdmin(ReadOnlyAdmin):
    list_display = ["placement", "domain", "rating", "rated_on"]
    list_filter = ["domain"]


@admin.register(AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["provider", "year", "status", "submitted_at", "reviewed_at"]
    list_filter = ["year", "status"]
    list_select_related = ["provider"]
