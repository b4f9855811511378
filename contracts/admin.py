"""Back-office views of placements. Read-only: every change goes through contracts.services."""

from django.contrib import admin

from contracts.models import (
    AgreementVersion,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class FeePeriodInline(ReadOnlyInline):
    model = FeePeriod
    fields = ["price", "unit", "effective_from", "effective_to", "fee_change", "reason",
              "created_by"]
    readonly_fields = fields


class FeeChangeInline(ReadOnlyInline):
    model = FeeChange
    fields = ["status", "new_price", "effective_from", "reason", "cap_warning_acknowledged",
              "requested_at", "decided_at", "decided_by"]
    readonly_fields = fields


class SupportItemInline(ReadOnlyInline):
    model = SupportItem
    fields = ["description", "weekly_cost", "start_date", "review_date", "end_date",
              "reviewed_on"]
    readonly_fields = fields


class PlacementReviewInline(ReadOnlyInline):
    model = PlacementReview
    fields = ["sequence", "due_date", "done_date", "notes"]
    readonly_fields = fields


class AgreementVersionInline(ReadOnlyInline):
    model = AgreementVersion
    fields = ["version", "reason", "sha256", "created_at", "created_by"]
    readonly_fields = fields


@admin.register(Placement)
class PlacementAdmin(admin.ModelAdmin):
    list_display = ["id", "authority", "provider_name", "lot", "route", "status", "start_date",
                    "end_date", "price", "price_unit"]
    list_filter = ["route", "status", "lot"]
    list_select_related = ["authority", "lot"]
    readonly_fields = ["status", "calloff", "eoi", "child", "created_by", "ended_by"]
    inlines = [FeePeriodInline, FeeChangeInline, SupportItemInline, PlacementReviewInline,
               AgreementVersionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Money and dates change only through the services (rules, audit, agreements).
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FeeChange)
class FeeChangeAdmin(ReadOnlyAdmin):
    list_display = ["id", "placement", "status", "new_price", "effective_from", "requested_at",
                    "decided_at"]
    list_filter = ["status"]


@admin.register(SupportItem)
class SupportItemAdmin(ReadOnlyAdmin):
    list_display = ["id", "placement", "weekly_cost", "start_date", "review_date", "end_date"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyAdmin):
    list_display = ["placement", "version", "reason", "created_at"]
    exclude = ["pdf"]
