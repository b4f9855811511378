"""Read queries for the documents pages and sections (fixed query counts)."""

from django.db.models import Exists, OuterRef
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from documents import services
from documents.models import AttachedTo, Document
from dps.models import Role


def documents_on(user, attached_to, object_id):
    return list(services.visible_documents(user, attached_to, object_id)
                .select_related("uploaded_by").order_by("-uploaded_at", "-id"))


# Where the documents page leads back to: the object's own page, for whoever is looking.
BACK = {
    "application": lambda o, u: ("providers:decide", o.pk) if u.has_role(Role.DPS_ADMIN)
    else ("providers:my-applications", None),
    "referral": lambda o, u: ("calloffs:opportunity", o.calloff.pk)
    if u.has_role(Role.PROVIDER) and not u.is_authority_user else ("referrals:detail", o.pk),
    "eoi": lambda o, u: ("calloffs:opportunity", o.calloff_id)
    if not u.is_authority_user else ("calloffs:detail", o.calloff_id),
    "placement": lambda o, u: ("contracts:detail", o.pk),
    "monitoring_activity": lambda o, u: ("monitoring:provider", o.provider_id)
    if u.is_authority_user else ("portal", None),
}


def back_link(attached_to, obj, user):
    target = BACK.get(attached_to)
    if target is None:
        return reverse("home")
    try:
        name, pk = target(obj, user)
        return reverse(name, args=[pk] if pk else [])
    except (NoReverseMatch, AttributeError):
        return reverse("home")


def lapsed_certificates(provider_id=None):
    """Lapsed certificates of applications and memberships not replaced by a current one of
    the same kind for the provider, soonest expired first: the membership's flag on the
    dashboard, the portal and the provider's profile (one query)."""
    today = timezone.localdate()
    renewed = Document.objects.filter(provider_id=OuterRef("provider_id"),
                                      kind=OuterRef("kind"), expires_on__gte=today)
    queryset = (Document.objects.filter(lapsed_at__isnull=False,
                                        attached_to__in=[AttachedTo.APPLICATION,
                                                         AttachedTo.MEMBERSHIP])
                .exclude(Exists(renewed)).select_related("provider")
                .order_by("expires_on", "id"))
    if provider_id is not None:
        queryset = queryset.filter(provider_id=provider_id)
    return queryset


def renewal_page(document, memberships=()):
    """Where a provider uploads the renewal of a lapsed certificate: the membership it was
    attached to, else its first live membership (a renewal of the same kind anywhere clears
    the flag), else the application it came with."""
    if document.attached_to == AttachedTo.MEMBERSHIP:
        return reverse("documents:membership", args=[document.object_id])
    live = [m for m in memberships if m.status in ("admitted", "suspended")]
    if live:
        return reverse("documents:membership", args=[live[0].pk])
    return reverse("documents:application", args=[document.object_id])


def profile_page(document):
    """Where staff see the provider's certificates: the object's documents page."""
    return reverse(f"documents:{document.attached_to}", args=[document.object_id])
