"""Read queries for the referral pages: an authority's own referrals, in a fixed number of
queries however many there are."""

from django.db.models import Count, Prefetch, Q

from providers import selectors as admission
from referrals.models import Need, Referral


def referrals_for(user):
    """The referrals of the user's own authority: anything else is not found."""
    return Referral.objects.filter(authority_id=user.organisation_id)


def referral_list(user):
    """For the list page: lot, child, call-off and its response count in one query."""
    return (
        referrals_for(user)
        .select_related("lot", "child", "calloff")
        .annotate(response_count=Count("calloff__eois",
                                       filter=Q(calloff__eois__status="submitted")))
        .order_by("-created_at", "-id")
    )


def referral_detail(user):
    return referrals_for(user).select_related(
        "lot", "lot__dps", "child", "authority", "calloff", "created_by",
    ).prefetch_related(Prefetch("needs", queryset=Need.objects.order_by("position", "name")))


def active_needs():
    return Need.objects.filter(is_active=True).order_by("position", "name")


def referral_lots():
    """The lots a referral may be for: the children's placements DPS."""
    return admission.lots_for(admission.default_dps())
