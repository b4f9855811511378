"""Read queries for the documents pages and sections (fixed query counts)."""

from django.urls import NoReverseMatch, reverse

from documents import services
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
