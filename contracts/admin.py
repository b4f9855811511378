from django.contrib import admin

from contracts.models import FeePeriod, Placement


class FeePeriodInline(admin.TabularInline):
    model = FeePeriod
    extra = 0
    can_delete = False
    readonly_fields = ["price", "unit", "effective_from", "effective_to", "reason", "created_by"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["id", "authority", "provider_name", "lot", "route", "status", "start_date",
                    "price", "price_unit"]
    list_filter = ["route", "status", "lot"]
    list_select_related = ["authority", "lot"]
    readonly_fields = ["status", "calloff", "eoi", "child", "created_by"]
    inlines = [FeePeriodInline]

    def has_add_permission(self, request):
        return False
