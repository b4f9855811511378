from django.contrib import admin

from calloffs.models import CallOff, ExpressionOfInterest, Question


class ReadOnlyAdmin(admin.ModelAdmin):
    """Call-off records change only through the services (rules and audit)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CallOff)
class CallOffAdmin(ReadOnlyAdmin):
    list_display = ["id", "authority", "lot", "status", "deadline", "invited_count",
                    "award_value"]
    list_filter = ["status", "lot"]
    list_select_related = ["authority", "lot"]


@admin.register(ExpressionOfInterest)
class ExpressionOfInterestAdmin(ReadOnlyAdmin):
    list_display = ["id", "calloff", "provider", "status", "price", "quality_score", "outcome"]
    list_filter = ["status", "outcome"]
    list_select_related = ["provider", "calloff"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyAdmin):
    list_display = ["id", "calloff", "asked_at", "answered_at"]
