"""Demand ahead and before/after the DPS over the API (API.md v1.1 "Demand and sufficiency").

`GET /api/v1/reports/demand/?lot=&authority=`: commissioners and finance officers get their own
authority's figures; the DPS administrator chooses one authority or all (no `authority`).
The `before_after` block of `GET /api/v1/reports/market/` is in reports/api/before_after.py.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from dps.api.permissions import ActionRoles
from dps.models import Organisation
from reports import demand
from reports.api.insight import INSIGHT_READERS, LotField, authority_in_scope


class DemandQuerySerializer(serializers.Serializer):
    lot = LotField(help_text="Lot code or id.")
    authority = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY), required=False,
        allow_null=True,
        help_text="DPS administrators: one authority's figures (default all). Other staff "
                  "always see their own authority's.")


class DemandMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    started = serializers.IntegerField(help_text="Placements started in the month.")


class DemandForecastMonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM.")
    expected = serializers.FloatField(help_text="Placements expected to start (≥ 0).")
    low = serializers.FloatField(help_text="Lower end of the interval (≤ expected).")
    high = serializers.FloatField(help_text="Upper end of the interval (≥ expected).")


class DemandReportSerializer(serializers.Serializer):
    lot = serializers.CharField(source="lot.code")
    authority = serializers.IntegerField(source="authority.pk", allow_null=True, default=None)
    history = DemandMonthSerializer(many=True)
    forecast = DemandForecastMonthSerializer(many=True)
    method = serializers.CharField(
        help_text="ets_seasonal (24+ months of history), ets_level (3–23) or mean (fewer).")
    interval = serializers.IntegerField(help_text="The interval's coverage, per cent.")


class DemandViewSet(viewsets.GenericViewSet):
    """Placements started per month and the next twelve months forecast."""

    permission_classes = [ActionRoles]
    action_roles = {"demand": INSIGHT_READERS}
    serializer_class = DemandReportSerializer

    @extend_schema(operation_id="reports_demand", parameters=[DemandQuerySerializer],
                   responses=DemandReportSerializer)
    def demand(self, request):
        params = DemandQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        authority = authority_in_scope(request.user, data.get("authority"))
        report = demand.demand(lot=data["lot"], authority=authority,
                               today=timezone.localdate())
        return Response(DemandReportSerializer(report).data)
