from django.contrib import admin, messages

from dps.errors import DomainError
from providers import services
from providers.models import (
    AdmissionRound,
    Application,
    ApplicationLot,
    Debarment,
    Dps,
    Lot,
    Membership,
)


class LotInline(admin.TabularInline):
    model = Lot
    extra = 0


@admin.register(Dps)
class DpsAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "regime", "starts_on", "ends_on", "is_active"]
    inlines = [LotInline]


@admin.register(AdmissionRound)
class AdmissionRoundAdmin(admin.ModelAdmin):
    list_display = ["id", "dps", "opens_at", "closes_at", "status"]
    list_filter = ["dps", "status"]
    readonly_fields = ["status", "opened_at", "closed_at", "completed_at", "created_by"]
    actions = ["close_now"]

    @admin.action(description="Close the selected rounds now")
    def close_now(self, request, queryset):
        for round_ in queryset:
            try:
                services.close_round(round_, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{round_}: {exc.detail}", messages.ERROR)


class ApplicationLotInline(admin.TabularInline):
    model = ApplicationLot
    extra = 0
    readonly_fields = ["lot", "price_cap", "outcome", "reason"]
    can_delete = False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["id", "provider", "dps", "round", "status", "submitted_at", "evaluation_due"]
    list_filter = ["dps", "status"]
    list_select_related = ["provider", "dps", "round"]
    search_fields = ["provider__name", "ofsted_urn"]
    readonly_fields = ["status", "round", "submitted_at", "submitted_by", "evaluation_due",
                       "decided_at", "decided_by", "created_by"]
    inlines = [ApplicationLotInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """State changes go through the services (with audit), so status is read-only here."""

    list_display = ["provider", "lot", "price_cap", "status", "suspended_until"]
    list_filter = ["lot__dps", "lot", "status"]
    list_select_related = ["provider", "lot"]
    search_fields = ["provider__name"]
    readonly_fields = ["status", "suspended_from", "suspended_until", "removed_at",
                       "application", "admitted_at"]


@admin.register(Debarment)
class DebarmentAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "companies_house_number", "ground", "starts_on",
                    "ends_on"]
    search_fields = ["name", "companies_house_number"]
    readonly_fields = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
