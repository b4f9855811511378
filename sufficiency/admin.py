from django.contrib import admin

from sufficiency.models import Vacancy


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin):
    """Read-only: vacancies change through the provider's pages and the API (the services)."""

    list_display = ["id", "provider", "lot", "places", "area_code", "expires_on", "withdrawn_at"]
    list_filter = ["lot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
