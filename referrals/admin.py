from django.contrib import admin

from referrals.models import Need, Referral


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin):
    """The needs taxonomy is maintained here."""

    list_display = ["name", "code", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name", "code"]


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ["id", "authority", "lot", "status", "urgency", "placement_start",
                    "created_at"]
    list_filter = ["status", "urgency", "lot"]
    list_select_related = ["authority", "lot"]
    # Identity is not shown in lists; state changes go through the services.
    readonly_fields = ["status", "child", "published_at", "published_by", "created_by"]
    exclude = ["needs"]
