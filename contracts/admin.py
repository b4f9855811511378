"""Back-office views of placements. Read-only: every change goes through contracts.services."""

from django.contrib import admin

from contracts.models import (
    AgreementVersion,
    BlockContract,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
    VolumeDiscountTier,
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
    list_display = ["id", "authority", "provider_name", "lot", "route", "status", "approval",
                    "start_date", "end_date", "price", "price_unit"]
    list_filter = ["route", "status", "approval", "lot"]
    list_select_related = ["authority", "lot"]
    readonly_fields = ["status", "approval", "calloff", "eoi", "child", "created_by", "ended_by",
                       "approved_by"]
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


class BlockPlacementInline(ReadOnlyInline):
    model = Placement
    fk_name = "block"
    fields = ["status", "child", "start_date", "planned_end_date", "end_date", "price"]
    readonly_fields = fields


@admin.register(BlockContract)
class BlockContractAdmin(ReadOnlyAdmin):
    """Read-only: blocks are bought through the service (membership and cap checks, audit)."""

    list_display = ["id", "reference", "authority", "provider", "lot", "beds", "price_per_bed",
                    "unit", "start_date", "end_date", "approval", "value"]
    list_filter = ["lot", "approval"]
    list_select_related = ["authority", "provider", "lot"]
    search_fields = ["reference", "provider__name", "authority__name"]
    inlines = [BlockPlacementInline]


@admin.register(VolumeDiscountTier)
class VolumeDiscountTierAdmin(ReadOnlyAdmin):
    """Read-only: tiers are set and removed on the volume discounts page (audited)."""

    list_display = ["id", "provider", "lot", "min_concurrent", "percent", "created_at"]
    list_filter = ["lot"]
    list_select_related = ["provider", "lot"]
    search_fields = ["provider__name"]
