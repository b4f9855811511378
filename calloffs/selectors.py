"""Read queries for call-offs: the ranking, and lists that stay flat as data grows."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.db.models.lookups import IsNull
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from calloffs.quality import breakdown
from dps.models import Role, User
from dps.money import pennies
from providers.models import Membership


def ranking(calloff):
    """API.md's formula, best first. Offers without a quality score rank after scored ones.

    price_score = lowest price / price × price_weight; quality = quality_score / 100 ×
    quality_weight; total = their sum; each to two places.
    """
    eois = list(
        ExpressionOfInterest.objects.filter(
            calloff=calloff, status=ExpressionOfInterest.Status.SUBMITTED)
        .select_related("provider").prefetch_related("criterion_scores").order_by(
            "submitted_at", "id")
    )
    return rank_offers(calloff, eois)


def rank_offers(calloff, eois):
    """The ranking of `eois` (live, with their providers and criterion scores prefetched),
    each row with its score on each of the call-off's criteria: no query once the call-off's
    criteria are prefetched, one otherwise."""
    if not eois:
        return []
    criteria = list(calloff.criteria.all())
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
            "criteria": breakdown(criteria, eoi.criterion_scores.all()),
        })
    rows.sort(key=lambda r: (r["total"] is None, -(r["total"] or 0), r["price"],
                             r["submitted_at"]))
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
    return rows


def live_response_count():
    """Each call-off's live EoIs, as a correlated subquery rather than a JOIN + GROUP BY: it is
    computed for the rows of the page only, and the paginator's COUNT leaves it out (the
    GROUP BY made both aggregate every EoI of every call-off in the list)."""
    live = (ExpressionOfInterest.objects
            .filter(calloff=OuterRef("pk"), status=ExpressionOfInterest.Status.SUBMITTED)
            .order_by().values("calloff").annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(live, output_field=IntegerField()), Value(0))


def calloffs_for_authority(user):
    queryset = CallOff.objects.select_related("lot", "referral", "authority").annotate(
        response_count=live_response_count())
    if user.is_dps_admin:
        return queryset
    return queryset.filter(authority_id=user.organisation_id)


def opportunities_for(provider_id):
    """Call-offs this provider was invited to, with its own live EoI id (one query)."""
    # Not Exists(): PostgreSQL runs an EXISTS in the select list as a hashed subplan that
    # reads every live EoI the provider ever made, on each page. A LIMIT 1 scalar subquery is
    # probed through the one_live_eoi index for the page's rows only.
    own_eoi = ExpressionOfInterest.objects.filter(
        calloff=OuterRef("pk"), provider_id=provider_id, status="submitted",
    ).order_by().values("pk")[:1]
    return (
        CallOff.objects.filter(
            Exists(Invitation.objects.filter(calloff=OuterRef("pk"), provider_id=provider_id)))
        .select_related("lot", "referral")
        .prefetch_related("referral__needs")
        .annotate(has_my_eoi=IsNull(Subquery(own_eoi), False))
    )


# What the opportunity list shows (calloffs.api.serializers.OpportunitySerializer): a page of
# rows reads these columns only.
OPPORTUNITY_LIST_COLUMNS = (
    "id", "status", "child_age", "deadline", "published_at", "lot", "lot__code", "lot__name",
    "lot__price_unit", "referral", "referral__outcomes", "referral__summary",
    "referral__placement_start", "referral__duration_weeks", "referral__hours_per_week",
    "referral__location_area", "referral__urgency")


def opportunity_list(provider_id):
    """The list's rows: the listed columns, and no prefetch (`attach_need_codes` per page)."""
    return (opportunities_for(provider_id).prefetch_related(None)
            .only(*OPPORTUNITY_LIST_COLUMNS))


def attach_need_codes(calloffs):
    """Set `need_codes` on each call-off: its referral's needs in the taxonomy's order, from one
    query of plain values (a prefetch built a Need and a through row per need: issue 19)."""
    through = CallOff.referral.field.related_model.needs.through
    codes = defaultdict(list)
    rows = (through.objects.filter(referral_id__in={c.referral_id for c in calloffs})
            .order_by("need__position", "need__name", "need_id")
            .values_list("referral_id", "need__code"))
    for referral_id, code in rows:
        codes[referral_id].append(code)
    for calloff in calloffs:
        calloff.need_codes = codes.get(calloff.referral_id, [])
    return calloffs


def questions_visible_to(calloff, provider_id):
    """Answered questions (to everyone, unnamed) and the provider's own unanswered ones."""
    return calloff.questions.filter(
        Q(answered_at__isnull=False) | Q(asked_by_id=provider_id)).order_by("asked_at", "id")


def calloff_detail(queryset):
    return queryset.prefetch_related(
        "criteria",
        Prefetch("eois", queryset=ExpressionOfInterest.objects.select_related("provider")
                 .prefetch_related("criterion_scores__criterion")
                 .order_by("submitted_at", "id")),
        Prefetch("questions", queryset=Question.objects.order_by("asked_at", "id")),
    )


# --- Pages ----------------------------------------------------------------------------------
# Each list is one query (plus the paginator's count) however many rows it has.

# "Closing soon" on the provider's opportunity list: open, with at most this long to go.
CLOSING_SOON = timedelta(hours=48)


def authority_calloffs(authority_id):
    """An authority's own call-offs with their response counts, newest first."""
    return (
        CallOff.objects.filter(authority_id=authority_id)
        .select_related("lot", "referral", "referral__child")
        .annotate(response_count=live_response_count())
        .order_by("-published_at", "-id")
    )


def authority_calloff_detail(authority_id):
    """One of the authority's call-offs with everything its page shows, in a few queries."""
    return calloff_detail(authority_calloffs(authority_id)).select_related(
        "lot__dps", "recommended_eoi", "recommended_eoi__provider", "recommended_by",
        "approved_by", "placement",
    ).prefetch_related("referral__needs")


def is_above_budget(price, budget):
    """Offers above the referral's budget are flagged to the council, never hidden."""
    return budget is not None and price > budget


def live_offers(calloff):
    """The live EoIs of a call-off from `authority_calloff_detail`, each flagged when its price
    is above the referral's budget (flagged, never hidden)."""
    budget = calloff.referral.budget_amount
    offers = [eoi for eoi in calloff.eois.all()
              if eoi.status == ExpressionOfInterest.Status.SUBMITTED]
    for eoi in offers:
        eoi.above_budget = is_above_budget(eoi.price, budget)
    return offers


def invited_calloff(provider_id):
    """The call-offs a provider may open: those it was invited to (others are not found).
    Needs come in the taxonomy's order (the model's ordering)."""
    return opportunities_for(provider_id)


def filter_opportunities(queryset, *, lot="", need="", area="", closing_soon=False, now=None):
    if lot:
        queryset = queryset.filter(lot__code=lot)
    if need:
        queryset = queryset.filter(referral__needs__code=need)
    if area:
        queryset = queryset.filter(referral__location_area__iexact=area.strip())
    if closing_soon:
        now = now or timezone.now()
        queryset = queryset.filter(status=CallOff.Status.OPEN, deadline__gt=now,
                                   deadline__lte=now + CLOSING_SOON)
    return queryset


def accepts_responses(calloff, now=None):
    """Open and before its deadline: offers and questions may still come in."""
    now = now or timezone.now()
    return calloff.status == CallOff.Status.OPEN and now < calloff.deadline


def in_negotiation(calloff, now=None):
    """Closed, with a negotiation window still running: bidders may lower their prices."""
    now = now or timezone.now()
    return (calloff.status == CallOff.Status.CLOSED and calloff.negotiation_until is not None
            and calloff.negotiation_until > now)


def is_closing_soon(calloff, now=None):
    now = now or timezone.now()
    return calloff.status == CallOff.Status.OPEN and now < calloff.deadline <= now + CLOSING_SOON


def own_response(calloff, provider_id):
    """The provider's live EoI on the call-off, else its latest withdrawn one, else None."""
    eois = list(ExpressionOfInterest.objects.filter(calloff=calloff, provider_id=provider_id)
                .order_by("-submitted_at", "-id"))
    live = [e for e in eois if e.status == ExpressionOfInterest.Status.SUBMITTED]
    return (live or eois or [None])[0]


def price_cap(provider_id, lot_id):
    """The provider's own price cap on the lot (its live membership), or None."""
    return (Membership.objects.filter(provider_id=provider_id, lot_id=lot_id,
                                      status__in=Membership.LIVE)
            .values_list("price_cap", flat=True).first())


def provider_responses(provider_id):
    """The provider's own EoIs, newest first, with the anonymised call-off they answer."""
    return (ExpressionOfInterest.objects.filter(provider_id=provider_id)
            .select_related("calloff", "calloff__lot", "calloff__referral")
            .order_by("-submitted_at", "-id"))


def rankings_for(calloffs):
    """{call-off id: ranking} for several call-offs in one query."""
    ids = [calloff.pk for calloff in calloffs]
    offers = defaultdict(list)
    for eoi in (ExpressionOfInterest.objects
                .filter(calloff_id__in=ids, status=ExpressionOfInterest.Status.SUBMITTED)
                .select_related("provider").prefetch_related("criterion_scores")
                .order_by("submitted_at", "id")):
        offers[eoi.calloff_id].append(eoi)
    return {calloff.pk: rank_offers(calloff, offers[calloff.pk]) for calloff in calloffs}


def budget_holders(authority_id):
    """The authority's active budget holders, highest approval limit first.

    Roles are a JSON list, so they are filtered here rather than in SQL: one authority has
    few users.
    """
    users = User.objects.filter(organisation_id=authority_id, is_active=True,
                                approval_limit__isnull=False).order_by("-approval_limit", "id")
    return [user for user in users if user.has_role(Role.BUDGET_HOLDER)]


def able_to_approve(holders, value, *, exclude=None):
    """Those of `holders` whose approval limit covers `value` (never `exclude`)."""
    return [user for user in holders
            if user.approval_limit >= value and (exclude is None or user.pk != exclude.pk)]


def awaiting_approval(authority_id):
    return (CallOff.objects.filter(authority_id=authority_id,
                                   status=CallOff.Status.AWAITING_APPROVAL)
            .select_related("lot", "referral", "referral__child", "recommended_eoi",
                            "recommended_eoi__provider", "recommended_by")
            .order_by("recommended_at", "id"))


def approval_summary(calloff, ranking, *, user, holders):
    """What a budget holder weighs: the award's value against their limit, the recommended
    offer's place in the ranking, and who else could approve it."""
    from calloffs.services import award_value
    from dps.approvals import KEY_DECISION_THRESHOLD, approval_limit_of, within_approval_limit

    eoi = calloff.recommended_eoi
    referral = calloff.referral
    value = award_value(price=eoi.price, unit=calloff.lot.price_unit,
                        duration_weeks=referral.duration_weeks,
                        hours_per_week=referral.hours_per_week)
    limit = approval_limit_of(user)
    row = next((r for r in ranking if r["eoi"] == eoi.pk), None)
    return {
        "calloff": calloff, "eoi": eoi, "value": value, "limit": limit,
        "within_limit": within_approval_limit(user, value),
        "key_decision": value > KEY_DECISION_THRESHOLD,
        "ranking": ranking, "row": row,
        "ranked_first": bool(ranking) and ranking[0]["eoi"] == eoi.pk,
        "others": able_to_approve(holders, value, exclude=user),
    }


def passes_on(calloff_ids, holders):
    """{call-off id: (approver, when)}: the latest time each award was passed to an approver
    (calloffs.approval_requests.pass_recommendation audits it), so the queue says it was, not
    "ask them" again. One query."""
    from django.contrib.contenttypes.models import ContentType

    from dps.models import AuditEntry

    by_id = {holder.pk: holder for holder in holders}
    found = {}
    for object_id, data, at in (AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(CallOff), object_id__in=calloff_ids,
            action="calloff.approval_passed_on").order_by("at", "id")
            .values_list("object_id", "data", "at")):
        approver = by_id.get((data or {}).get("to"))
        if approver is not None:
            found[int(object_id)] = (approver, at)
    return found


def approval_queue(user):
    """Every recommendation awaiting approval in the user's authority, oldest first, each with
    its approval summary and whether it was passed on: five queries however many there are."""
    # The rankings show each criterion's score: the call-offs' criteria in one query.
    calloffs = list(awaiting_approval(user.organisation_id).prefetch_related("criteria"))
    rankings = rankings_for(calloffs)
    holders = budget_holders(user.organisation_id)
    passed = passes_on([calloff.pk for calloff in calloffs], holders)
    return [{**approval_summary(calloff, rankings[calloff.pk], user=user, holders=holders),
             "passed_to": passed.get(calloff.pk)} for calloff in calloffs]
