"""Who may see and attach documents on each kind of object: exactly the object's own
visibility (ADR 0016). Rows outside what the caller may see are 404; a role that may never
attach to such an object is 403.

The models are reached through `django.apps` so this app imports none of the others' modules:
documents sit beside them, not above them.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Exists, OuterRef

from documents.models import AttachedTo, Kind
from dps.models import Role

MB = 1024 * 1024
STAFF_MONITORING = frozenset({Role.DPS_ADMIN, Role.COMMISSIONER})
CASE_STAFF = frozenset({Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER})
# A placement's authority: finance pays it, so it reads its agreement and care plan too.
PLACEMENT_STAFF = CASE_STAFF | {Role.FINANCE}

# Size limit per kind (bytes): certificates are a page or two; packs and evidence are larger.
SIZE_LIMITS = {
    Kind.INSURANCE: 10 * MB, Kind.REGISTRATION_CERTIFICATE: 10 * MB,
    Kind.SAFEGUARDING_POLICY: 15 * MB, Kind.EQUALITY_POLICY: 15 * MB,
    Kind.REFERRAL_PACK: 20 * MB, Kind.PLACEMENT_PLAN: 20 * MB, Kind.HOME_PROFILE: 20 * MB,
    Kind.EVIDENCE: 20 * MB, Kind.SIGNED_AGREEMENT: 15 * MB, Kind.CARE_PLAN_SUMMARY: 15 * MB,
    Kind.OTHER: 10 * MB,
}
EXPIRING_KINDS = frozenset({Kind.INSURANCE, Kind.REGISTRATION_CERTIFICATE})


@dataclass(frozen=True)
class Attachment:
    name: str
    model: str                 # "app.Model"
    kinds: tuple
    staff_readers: frozenset   # authority roles that read (scoped to the authority if any)
    staff_uploaders: frozenset
    provider_uploads: bool
    provider_field: str        # path to the provider organisation
    authority_field: str = ""  # path to the owning authority ("" = DPS-wide)
    draft: tuple = ()          # (field, value): the object is still a draft
    concerns: str = ""         # what a staff upload is scanned against (referrals.audience)

    def model_class(self):
        return apps.get_model(self.model)

    def readable(self, user):
        """The objects of this kind the user may see (a queryset)."""
        queryset = self.model_class().objects.all()
        if user.has_role(*self.staff_readers):
            if user.has_role(Role.DPS_ADMIN) or not self.authority_field:
                return queryset
            return queryset.filter(**{f"{self.authority_field}_id": user.organisation_id})
        if user.has_role(Role.PROVIDER) and user.organisation_id:
            if self.name == AttachedTo.REFERRAL:
                return queryset.filter(Exists(apps.get_model("calloffs", "Invitation").objects
                                              .filter(calloff__referral=OuterRef("pk"),
                                                      provider_id=user.organisation_id)))
            return queryset.filter(**{f"{self.provider_field}_id": user.organisation_id})
        return queryset.none()

    def may_upload(self, user):
        """Whether the user's roles may ever attach to this kind of object (else 403)."""
        return user.has_role(*self.staff_uploaders) or (
            self.provider_uploads and user.has_role(Role.PROVIDER))

    def uploads_as_provider(self, user):
        return not user.has_role(*self.staff_uploaders)

    def provider_id(self, obj):
        if not self.provider_field:
            return None
        value = obj
        for part in self.provider_field.split("__"):
            value = getattr(value, part)
            if value is None:
                return None
        return value.pk

    def is_draft(self, obj):
        """Still a draft: its uploader may delete its documents (afterwards they are kept)."""
        if not self.draft:
            return False
        field, value = self.draft
        return _attr(obj, field) == value

    def scan_subject(self, obj):
        """What the identifier scan of a staff upload concerns (referrals.audience)."""
        if self.concerns == "provider":
            return apps.get_model("dps", "Organisation").objects.get(pk=self.provider_id(obj))
        return obj


ATTACHMENTS = {a.name: a for a in (
    Attachment(AttachedTo.APPLICATION, "providers.Application",
               (Kind.INSURANCE, Kind.SAFEGUARDING_POLICY, Kind.EQUALITY_POLICY,
                Kind.REGISTRATION_CERTIFICATE, Kind.OTHER),
               STAFF_MONITORING, frozenset(), True, "provider", draft=("status", "draft")),
    Attachment(AttachedTo.MEMBERSHIP, "providers.Membership",
               (Kind.INSURANCE, Kind.REGISTRATION_CERTIFICATE, Kind.OTHER),
               STAFF_MONITORING, frozenset({Role.DPS_ADMIN}), True, "provider",
               concerns="provider"),
    Attachment(AttachedTo.REFERRAL, "referrals.Referral", (Kind.REFERRAL_PACK, Kind.OTHER),
               CASE_STAFF, frozenset({Role.COMMISSIONER}), False, "",
               authority_field="authority", draft=("status", "draft"), concerns="referral"),
    Attachment(AttachedTo.EOI, "calloffs.ExpressionOfInterest",
               (Kind.PLACEMENT_PLAN, Kind.HOME_PROFILE, Kind.OTHER),
               CASE_STAFF, frozenset(), True, "provider",
               authority_field="calloff__authority", draft=("calloff.status", "open")),
    Attachment(AttachedTo.MONITORING_ACTIVITY, "monitoring.MonitoringActivity",
               (Kind.EVIDENCE,), STAFF_MONITORING, STAFF_MONITORING, True, "provider",
               draft=("status", "planned"), concerns="provider"),
    Attachment(AttachedTo.ACTION_ITEM, "monitoring.ActionItem", (Kind.EVIDENCE,),
               STAFF_MONITORING, STAFF_MONITORING, True, "plan__provider",
               draft=("status", "open"), concerns="provider"),
    Attachment(AttachedTo.PLACEMENT, "contracts.Placement",
               (Kind.SIGNED_AGREEMENT, Kind.CARE_PLAN_SUMMARY, Kind.OTHER),
               PLACEMENT_STAFF, frozenset({Role.COMMISSIONER}), True, "provider",
               authority_field="authority", draft=("status", "pending_start"),
               concerns="placement"),
)}


def attachment(name):
    return ATTACHMENTS.get(name)


def _attr(obj, dotted):
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj
