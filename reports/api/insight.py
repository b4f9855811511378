"""Market insight and open data (OCDS) over the API: serializers and views.

Views are thin: they validate the query, scope it to the caller (an authority's staff see their
own authority; the DPS administrator all) and call `reports.insight` or `reports.ocds`.
"""

from django.http import Http404, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from calloffs.models import CallOff
from dps.api.permissions import ActionRoles, roles
from dps.api.scoping import for_authority
from dps.errors import Forbidden
from dps.models import Organisation, Role
from dps.replica import report_reads
from providers.models import Lot
from reports import insight, ocds
from reports.api.before_after import BeforeAfterSerializer
from reports.before_after import before_after

INSIGHT_READERS = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.FINANCE)
AUTHORITY_STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE)
MONEY = {"max_digits": 14, "decimal_places": 2}
# The bulk OCDS endpoint answers at most a year at a time (streamed); the command does more.
MAX_PERIOD_DAYS = 366
PERCENT = {"max_digits": 5, "decimal_places": 1, "allow_null": True,
           "help_text": "Per cent, one place; null when there is nothing to divide by."}


class _RenamedFieldsMixin:
    """Lets a serializer use Python keywords (`from`) as field names: `RENAMED = {"from":
    "date_from"}` exposes the field declared as `date_from` under the name `from`."""

    RENAMED = {}

    def get_fields(self):
        fields = super().get_fields()
        for public, declared in self.RENAMED.items():
            field = fields.pop(declared)
            field.source = field.source or declared
            fields[public] = field
        return fields


# --- Input ----------------------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.STR)
class LotField(serializers.Field):
    """A lot by id or code (codes are unique within a DPS; the first DPS's lot wins)."""

    default_error_messages = {"unknown": "Unknown lot."}

    def to_internal_value(self, data):
        lots = Lot.objects.select_related("dps")
        text = str(data).strip()
        lot = (lots.filter(pk=int(text)).first() if text.isdigit()
               else lots.filter(code=text).order_by("dps_id", "id").first())
        if lot is None:
            self.fail("unknown")
        return lot

    def to_representation(self, value):
        return value.code


class MarketQuerySerializer(serializers.Serializer):
    lot = LotField(help_text="Lot code or id.")
    years = serializers.IntegerField(min_value=1, max_value=insight.MAX_YEARS, default=3,
                                     help_text="How many twelve-month periods, ending on `to`.")
    to = serializers.DateField(required=False,
                               help_text="The last day of the newest year (default today).")
    authority = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY), required=False,
        allow_null=True,
        help_text="DPS administrators: one authority's figures (default all). Other staff "
                  "always see their own authority's.")
    view = serializers.ChoiceField(
        choices=[("full", "Full"), ("forum", "Providers' forum")], default="full",
        help_text="`forum`: the same figures without the per-authority breakdown.")


class PeriodQuerySerializer(_RenamedFieldsMixin, serializers.Serializer):
    RENAMED = {"from": "date_from", "to": "date_to"}

    date_from = serializers.DateField(help_text="First day (inclusive).")
    date_to = serializers.DateField(help_text="Last day (inclusive).")

    def validate(self, attrs):
        if attrs["date_to"] < attrs["date_from"]:
            raise serializers.ValidationError({"to": ["The last day must not be before the "
                                                      "first day."]})
        if (attrs["date_to"] - attrs["date_from"]).days >= MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"to": [
                f"Ask for at most {MAX_PERIOD_DAYS} days at a time; longer periods are "
                "exported with manage.py export_ocds."]})
        return attrs


# --- Output ---------------------------------------------------------------------------------

class InsightLotSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    price_unit = serializers.CharField()


class PriceSpreadSerializer(serializers.Serializer):
    placements = serializers.IntegerField(help_text="Placements started in the year, priced.")
    average = serializers.DecimalField(**MONEY, allow_null=True)
    minimum = serializers.DecimalField(**MONEY, allow_null=True)
    lower_quartile = serializers.DecimalField(**MONEY, allow_null=True)
    median = serializers.DecimalField(**MONEY, allow_null=True)
    upper_quartile = serializers.DecimalField(**MONEY, allow_null=True)
    maximum = serializers.DecimalField(**MONEY, allow_null=True)


class RouteShareSerializer(serializers.Serializer):
    route = serializers.CharField(help_text="dps, spot or block.")
    label = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    share = serializers.DecimalField(**PERCENT)


class ReasonCountSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="The placement's end reason code.")
    label = serializers.CharField()
    count = serializers.IntegerField()


class AuthorityRowSerializer(serializers.Serializer):
    authority = serializers.IntegerField()
    name = serializers.CharField()
    placements_started = serializers.IntegerField()
    placements_live = serializers.IntegerField()
    spend = serializers.DecimalField(**MONEY)


class YearFiguresSerializer(_RenamedFieldsMixin, serializers.Serializer):
    RENAMED = {"from": "date_from", "to": "date_to"}

    label = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    placements_started = serializers.IntegerField()
    placements_live = serializers.IntegerField(help_text="Live at any time in the year.")
    providers_used = serializers.IntegerField()
    providers_admitted = serializers.IntegerField()
    spend_total = serializers.DecimalField(**MONEY)
    top_providers_spend = serializers.DecimalField(**MONEY,
                                                   help_text="Spend with the top 10 providers.")
    top_providers_share = serializers.DecimalField(**PERCENT)
    providers_paid = serializers.IntegerField()
    routes = RouteShareSerializer(many=True)
    in_area_spend = serializers.DecimalField(**MONEY)
    out_of_area_spend = serializers.DecimalField(**MONEY)
    in_area_share = serializers.DecimalField(**PERCENT)
    weekly_price = PriceSpreadSerializer(
        help_text="Weekly equivalent of the starting price of placements started in the year.")
    sector_weekly_price = PriceSpreadSerializer(help_text="The same over all authorities.")
    placements_ended = serializers.IntegerField()
    turnover_rate = serializers.DecimalField(**PERCENT)
    median_length_days = serializers.DecimalField(max_digits=8, decimal_places=1,
                                                  allow_null=True)
    endings = ReasonCountSerializer(many=True)
    authorities = AuthorityRowSerializer(
        many=True, allow_null=True,
        help_text="Per authority (DPS administrator, all authorities, full view); else null.")


class MarketInsightSerializer(_RenamedFieldsMixin, serializers.Serializer):
    RENAMED = {"from": "date_from", "to": "date_to"}

    lot = InsightLotSerializer()
    authority = serializers.IntegerField(source="authority.pk", allow_null=True,
                                         default=None)
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    view = serializers.SerializerMethodField()
    years = YearFiguresSerializer(many=True)

    def get_view(self, obj) -> str:
        return "forum" if obj.forum else "full"


class MarketWithBeforeAfterSerializer(MarketInsightSerializer):
    """The response with v1.1's `before_after` block (reports/before_after.py)."""

    before_after = BeforeAfterSerializer()


OCDS_PACKAGE = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="An OCDS 1.1.5 release package (`version`, `publishedDate`, `publisher`, "
                "`releases`): one release per call-off, valid against the release package "
                "schema. Nothing about the child is ever included.")


# --- Views ----------------------------------------------------------------------------------

def authority_in_scope(user, wanted):
    """The authority whose figures the caller gets: DPS administrators choose (None: all);
    other staff get their own, and asking for another is refused as invalid."""
    if user.has_role(Role.DPS_ADMIN):
        return wanted
    own = user.organisation if user.organisation_id else None
    if own is None or not own.is_authority:
        raise Forbidden("Market insight is for authority staff.")
    if wanted is not None and wanted.pk != own.pk:
        raise serializers.ValidationError(
            {"authority": ["You can see only your own authority's figures."]})
    return own


class MarketInsightViewSet(viewsets.GenericViewSet):
    """Market insight per lot for commissioners, finance and the DPS administrator."""

    permission_classes = [ActionRoles]
    action_roles = {"market": INSIGHT_READERS}
    serializer_class = MarketInsightSerializer

    @extend_schema(operation_id="reports_market", parameters=[MarketQuerySerializer],
                   responses=MarketWithBeforeAfterSerializer)
    @report_reads()
    def market(self, request):
        """Placements, providers, spend shares, weekly prices and turnover for one lot, per
        twelve-month period. Figures are aggregated in the database."""
        params = MarketQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        authority = authority_in_scope(request.user, data.get("authority"))
        report = insight.market_insight(
            lot=data["lot"], to=data.get("to") or timezone.localdate(), years=data["years"],
            authority=authority, forum=data["view"] == "forum")
        block = before_after(lot=data["lot"], to=report.date_to, authority=authority)
        return Response({**MarketInsightSerializer(report).data,
                         "before_after": BeforeAfterSerializer(block).data})


class OcdsViewSet(viewsets.GenericViewSet):
    """Open data: OCDS release packages for call-offs the caller's authority ran."""

    permission_classes = [ActionRoles]
    action_roles = {"calloff": AUTHORITY_STAFF, "period": AUTHORITY_STAFF}
    queryset = CallOff.objects.none()

    def scoped(self):
        return for_authority(CallOff.objects.all(), self.request.user)

    @extend_schema(operation_id="calloffs_ocds", responses={200: OCDS_PACKAGE})
    def calloff(self, request, pk=None):
        """The call-off's OCDS release, in a release package."""
        calloffs = list(ocds.for_export(self.scoped().filter(pk=pk)))
        if not calloffs:
            raise Http404
        return Response(ocds.package(calloffs, uri=request.build_absolute_uri()))

    @extend_schema(operation_id="reports_ocds", parameters=[PeriodQuerySerializer],
                   responses={200: OCDS_PACKAGE})
    def period(self, request):
        """Every call-off published in the period (inclusive, at most 366 days), one release
        each, streamed."""
        params = PeriodQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        calloffs = ocds.calloffs_published(data["date_from"], data["date_to"], self.scoped())
        # Streamed, release by release: a year of a region's call-offs never sits in memory.
        return StreamingHttpResponse(
            ocds.stream_package(calloffs, uri=request.build_absolute_uri()),
            content_type="application/json")
