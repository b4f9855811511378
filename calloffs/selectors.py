"""Read queries for call-offs: the ranking, and lists that stay flat as data grows."""

from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from dps.money import pennies


def ranking(calloff):
    """API.md's formula, best first. Offers without a quality score rank after scored ones.

    price_score = lowest price / price × price_weight; quality = quality_score / 100 ×
    quality_weight; total = their sum; each to two places.
    """
    eois = list(
        ExpressionOfInterest.objects.filter(
            calloff=calloff, status=ExpressionOfInterest.Status.SUBMITTED)
        .select_related("provider").order_by("submitted_at", "id")
    )
    if not eois:
        return []
    lowest = min(e.price for e in eois)
    rows = []
    for eoi in eois:
        price_score = pennies(lowest / eoi.price * Decimal(calloff.price_weight))
        quality = (None if eoi.quality_score is None
                   else pennies(Decimal(eoi.quality_score) / 100 * calloff.quality_weight))
        rows.append({
            "eoi": eoi.pk, "provider": eoi.provider_id, "provider_name": eoi.provider.name,
            "price": eoi.price, "quality_score": eoi.quality_score, "price_score": price_score,
            "quality": quality,
            "total": None if quality is None else pennies(price_score + quality),
            "submitted_at": eoi.submitted_at,
        })
    rows.sort(key=lambda r: (r["total"] is None, -(r["total"] or 0), r["price"],
                             r["submitted_at"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def calloffs_for_authority(user):
    queryset = CallOff.objects.select_related("lot", "referral", "authority").annotate(
        response_count=Count("eois", filter=Q(eois__status="submitted"), distinct=True))
    if user.is_dps_admin:
        return queryset
    return queryset.filter(authority_id=user.organisation_id)


def opportunities_for(provider_id):
    """Call-offs this provider was invited to, with its own live EoI id (one query)."""
    own_eoi = ExpressionOfInterest.objects.filter(
        calloff=OuterRef("pk"), provider_id=provider_id, status="submitted")
    return (
        CallOff.objects.filter(
            Exists(Invitation.objects.filter(calloff=OuterRef("pk"), provider_id=provider_id)))
        .select_related("lot", "referral")
        .prefetch_related("referral__needs")
        .annotate(has_my_eoi=Exists(own_eoi))
    )


def questions_visible_to(calloff, provider_id):
    """Answered questions (to everyone, unnamed) and the provider's own unanswered ones."""
    return calloff.questions.filter(
        Q(answered_at__isnull=False) | Q(asked_by_id=provider_id)).order_by("asked_at", "id")


def calloff_detail(queryset):
    return queryset.prefetch_related(
        Prefetch("eois", queryset=ExpressionOfInterest.objects.select_related("provider")
                 .order_by("submitted_at", "id")),
        Prefetch("questions", queryset=Question.objects.order_by("asked_at", "id")),
    )
