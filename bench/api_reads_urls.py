"""The production URLs plus the reference views bench/api_reads.py compares them with: the same
page of rows as the API list, read with `.values()` and returned by `JsonResponse`, no DRF,
no token (the minimal Django view of issue 19). Mounted only by api_reads_settings.py."""

from django.http import JsonResponse
from django.urls import path

from calloffs.models import CallOff
from contracts.models import Placement
from workspace.urls import urlpatterns as production

PLACEMENT_FIELDS = ["id", "authority_id", "provider_id", "provider_name", "lot__code", "route",
                    "calloff_id", "block_id", "start_date", "planned_end_date", "end_date",
                    "end_reason", "price", "price_unit", "hours_per_week", "status",
                    "approval", "child__first_name", "child__last_name",
                    "child__date_of_birth", "child__case_reference"]
CALLOFF_FIELDS = ["id", "lot__code", "status", "child_age", "deadline", "published_at"]


def raw_placements(request, authority_id):
    rows = (Placement.objects.filter(authority_id=authority_id)
            .order_by("-start_date", "-id"))
    return JsonResponse({"count": rows.count(),
                         "results": list(rows.values(*PLACEMENT_FIELDS)[:50])})


def raw_opportunities(request, provider_id):
    rows = (CallOff.objects.filter(invitations__provider_id=provider_id)
            .order_by("-published_at", "-id"))
    return JsonResponse({"count": rows.count(),
                         "results": list(rows.values(*CALLOFF_FIELDS)[:50])})


urlpatterns = [
    path("bench/raw/placements/<int:authority_id>/", raw_placements),
    path("bench/raw/opportunities/<int:provider_id>/", raw_opportunities),
    *production,
]
