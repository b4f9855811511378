"""The production URLs plus the reference views bench/api_reads.py compares them with: the same
page of rows as the API list, read with `.values()` and returned by `JsonResponse`, no DRF,
no token (the minimal Django view of issue 19). Mounted only by api_reads_settings.py.

"The same page of rows": the same columns, the same computed figures (a placement's price in
force and next review, from the selectors' annotations; a call-off's own-offer flag and its
referral's need codes, one query more, as the API), the same count, serialised by Django's own
JSON encoder. The first version returned a few columns only (figures before 3 December 2026)."""

from collections import defaultdict

from django.http import JsonResponse
from django.urls import path

from calloffs.models import Invitation
from calloffs.selectors import opportunities_for
from contracts.models import Placement
from contracts.selectors import with_current_figures
from referrals.models import Referral
from workspace.urls import urlpatterns as production

PLACEMENT_FIELDS = ["id", "authority_id", "provider_id", "provider_name", "lot__code", "route",
                    "calloff_id", "block_id", "start_date", "planned_end_date", "end_date",
                    "end_reason", "current_price", "price_unit", "hours_per_week",
                    "price_before_discount", "discount_percent", "status", "next_review",
                    "approval", "value", "child__first_name", "child__last_name",
                    "child__date_of_birth", "child__case_reference", "exception_reason",
                    "end_notes", "key_decision_reference", "approved_at", "approved_by_id"]
CALLOFF_FIELDS = ["id", "status", "lot__code", "lot__name", "lot__price_unit", "child_age",
                  "referral_id", "referral__outcomes", "referral__summary",
                  "referral__placement_start", "referral__duration_weeks",
                  "referral__hours_per_week", "referral__location_area", "referral__urgency",
                  "deadline", "published_at", "has_my_eoi"]


def raw_placements(request, authority_id):
    rows = with_current_figures(Placement.objects.filter(authority_id=authority_id)).order_by(
        "-start_date", "-id")
    return JsonResponse({"count": rows.count(),
                         "results": list(rows.values(*PLACEMENT_FIELDS)[:50])})


def raw_opportunities(request, provider_id):
    rows = opportunities_for(provider_id).prefetch_related(None).order_by("-published_at", "-id")
    page = list(rows.values(*CALLOFF_FIELDS)[:50])
    needs = defaultdict(list)
    for referral_id, code in (Referral.needs.through.objects
                              .filter(referral_id__in={row["referral_id"] for row in page})
                              .order_by("need__position", "need__name", "need_id")
                              .values_list("referral_id", "need__code")):
        needs[referral_id].append(code)
    for row in page:
        row["needs"] = needs[row["referral_id"]]
    return JsonResponse({"count": Invitation.objects.filter(provider_id=provider_id).count(),
                         "results": page})


urlpatterns = [
    path("bench/raw/placements/<int:authority_id>/", raw_placements),
    path("bench/raw/opportunities/<int:provider_id>/", raw_opportunities),
    *production,
]
