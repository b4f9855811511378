from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from dps import two_factor
from dps.errors import DomainError
from dps.models import AuditEntry, Organisation, Role, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_lead", "area", "postcode", "companies_house_number"]
    list_filter = ["kind", "is_lead"]
    search_fields = ["name", "companies_house_number", "postcode"]


class UserRolesForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = User
        fields = ["username", "email", "first_name", "last_name", "organisation", "roles",
                  "approval_limit", "is_active", "is_staff", "is_superuser"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    list_display = ["username", "email", "organisation", "roles", "approval_limit", "is_active"]
    list_filter = ["is_active", "is_staff", "organisation__kind"]
    list_select_related = ["organisation"]
    search_fields = ["username", "email", "organisation__name"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Placements DPS", {"fields": ("organisation", "roles", "approval_limit")}),
        # Invitations are resent and cancelled through the portal's services (audited), so
        # their stamps are shown, not edited, here.
        ("Supplier portal", {"fields": ("is_org_admin", "invited_by", "invitation_issued_at",
                                        "invitation_sent_at", "invitation_cancelled_at",
                                        "last_portal_visit")}),
        ("Two-factor sign-in", {"fields": ("two_factor_reset_at",)}),
    )
    readonly_fields = ["invited_by", "invitation_issued_at", "invitation_sent_at",
                       "invitation_cancelled_at", "last_portal_visit", "two_factor_reset_at"]
    actions = ["reset_two_factor"]

    @admin.action(description="Reset two-factor sign-in (one new app may be set up)")
    def reset_two_factor(self, request, queryset):
        # Through the audited service, one user at a time; a refusal is reported, not raised.
        for user in queryset:
            try:
                two_factor.reset(user, by=request.user)
            except DomainError as exc:
                self.message_user(request, f"{user.username}: {exc.detail}", messages.ERROR)
            else:
                self.message_user(request, f"{user.username} may set up a new authenticator app "
                                           f"at their next sign-in.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is written by services and never edited."""

    list_display = ["at", "actor", "action", "object_repr", "from_state", "to_state"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "reason", "actor__username"]
    list_select_related = ["actor", "content_type"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
