"""Monitoring serializers for what providers return and councils review: KPIs and their
returns, outcome ratings, annual reports (split from monitoring/api/serializers.py, which keeps
risk, activities, action plans and attention). Input serializers check shape only."""


from decimal import ROUND_HALF_UP

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Placement
from dps.api.lean import LeanRepresentation
from monitoring.api.serializers import ONE_TO_FIVE, LotField, _username
from monitoring.models import (
    AnnualReport,
    Frequency,
    Kpi,
    KpiReturn,
    OutcomeRating,
)
from referrals.models import OutcomeDomain

# --- KPIs -----------------------------------------------------------------------------------

class KpiInputSerializer(serializers.Serializer):
    lot = LotField()
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=30)
    frequency = serializers.ChoiceField(Frequency.choices, default=Frequency.QUARTERLY)
    min_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                         allow_null=True, default=None)
    max_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                         allow_null=True, default=None)
    required = serializers.BooleanField(default=True)
    position = serializers.IntegerField(min_value=0, default=0)


class KpiUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    unit = serializers.CharField(max_length=30, required=False)
    min_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                         allow_null=True)
    max_value = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                         allow_null=True)
    required = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, required=False)


class KpiSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = LotField()

    class Meta:
        model = Kpi
        fields = ["id", "lot", "code", "name", "unit", "frequency", "min_value", "max_value",
                  "required", "is_active", "position"]
        read_only_fields = fields


class KpiSubmitSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
        help_text='KPI code → value, e.g. {"placement_stability": "92.50"}.')


class KpiValueSerializer(serializers.Serializer):
    kpi = serializers.IntegerField(source="kpi_id")
    code = serializers.CharField(source="kpi.code")
    name = serializers.CharField(source="kpi.name")
    unit = serializers.CharField(source="kpi.unit")
    value = serializers.DecimalField(max_digits=12, decimal_places=2)


class KpiReturnSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = LotField()
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    values = KpiValueSerializer(many=True, read_only=True)
    is_late = serializers.SerializerMethodField()
    was_late = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = KpiReturn
        fields = ["id", "provider", "provider_name", "lot", "frequency", "period_start",
                  "period_end", "due_date", "status", "submitted_at", "is_late", "was_late",
                  "values"]
        read_only_fields = fields

    def get_is_late(self, obj) -> bool:
        """Still due after its due date."""
        return obj.status == KpiReturn.Status.DUE and obj.due_date < timezone.localdate()


class KpiReturnDetailSerializer(KpiReturnSerializer):
    kpis = serializers.SerializerMethodField()

    class Meta(KpiReturnSerializer.Meta):
        fields = [*KpiReturnSerializer.Meta.fields, "kpis"]
        read_only_fields = fields

    @extend_schema_field(KpiSerializer(many=True))
    def get_kpis(self, obj):
        """The KPIs this return asks for."""
        return KpiSerializer(self.context.get("kpis", []), many=True).data


class KpiAveragesQuerySerializer(serializers.Serializer):
    lot = LotField()
    period_start = serializers.DateField(required=False)
    frequency = serializers.ChoiceField(Frequency.choices, required=False)


class KpiAverageSerializer(serializers.Serializer):
    kpi = serializers.IntegerField()
    code = serializers.CharField(source="kpi__code")
    name = serializers.CharField(source="kpi__name")
    unit = serializers.CharField(source="kpi__unit")
    period_start = serializers.DateField(source="kpi_return__period_start")
    period_end = serializers.DateField(source="kpi_return__period_end")
    average = serializers.DecimalField(max_digits=14, decimal_places=2, rounding=ROUND_HALF_UP)
    minimum = serializers.DecimalField(max_digits=12, decimal_places=2)
    maximum = serializers.DecimalField(max_digits=12, decimal_places=2)
    returns = serializers.IntegerField()


# --- Outcomes -------------------------------------------------------------------------------

class OutcomeRatingInputSerializer(serializers.Serializer):
    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.none())
    domain = serializers.ChoiceField(OutcomeDomain.choices)
    rating = serializers.IntegerField(**ONE_TO_FIVE)
    rated_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, placements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if placements is not None:
            # Only placements the caller may see: others are "does not exist", never "forbidden".
            self.fields["placement"].queryset = placements


class OutcomeRatingSerializer(LeanRepresentation, serializers.ModelSerializer):
    rated_by = serializers.SerializerMethodField()

    class Meta:
        model = OutcomeRating
        fields = ["id", "placement", "domain", "rating", "rated_on", "note", "rated_by",
                  "created_at"]
        read_only_fields = fields

    def get_rated_by(self, obj) -> str | None:
        return _username(obj.rated_by)


class TrendPointSerializer(serializers.Serializer):
    rated_on = serializers.DateField()
    rating = serializers.IntegerField()
    note = serializers.CharField()


class DomainTrendSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(OutcomeDomain.choices)
    label = serializers.CharField()
    points = TrendPointSerializer(many=True)


class OutcomeTrendSerializer(serializers.Serializer):
    placement = serializers.IntegerField()
    domains = DomainTrendSerializer(many=True)


class OutcomeAverageSerializer(serializers.Serializer):
    domain = serializers.ChoiceField(OutcomeDomain.choices)
    label = serializers.CharField()
    average = serializers.DecimalField(max_digits=4, decimal_places=2, rounding=ROUND_HALF_UP)
    ratings = serializers.IntegerField()
    placements = serializers.IntegerField()


# --- Annual reports -------------------------------------------------------------------------

class AnnualReportEvidenceSerializer(serializers.Serializer):
    """The social value evidence and narrative; the rules (year, local ≤ total, required
    texts) are the service's."""

    total_employees = serializers.IntegerField(min_value=0)
    local_employees = serializers.IntegerField(
        min_value=0, help_text="Staff living in the area of a council using the DPS.")
    apprenticeships = serializers.IntegerField(min_value=0)
    work_placements = serializers.IntegerField(min_value=0)
    community_hours = serializers.IntegerField(
        min_value=0, help_text="Hours of community work or volunteering by staff.")
    community_work = serializers.CharField(allow_blank=True)
    environmental_impact = serializers.CharField(allow_blank=True)
    narrative = serializers.CharField(allow_blank=True)


class AnnualReportInputSerializer(AnnualReportEvidenceSerializer):
    year = serializers.IntegerField(
        min_value=2000, max_value=2100,
        help_text="The financial year, by the year it starts: 2025 is April 2025 to March 2026.")


class AnnualReportReviewSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(AnnualReport.Outcome.choices)
    comments = serializers.CharField(allow_blank=True, required=False, default="",
                                     help_text="Required when the report is returned.")


class AnnualReportSerializer(LeanRepresentation, serializers.ModelSerializer):
    """The same for the provider and for staff: the review is addressed to the provider."""

    provider_name = serializers.CharField(source="provider.name", read_only=True)
    status = serializers.ChoiceField(AnnualReport.Status.choices, read_only=True)
    review_outcome = serializers.ChoiceField(AnnualReport.Outcome.choices, allow_blank=True,
                                             read_only=True)
    submitted_by = serializers.SerializerMethodField()
    reviewed_by = serializers.SerializerMethodField()

    class Meta:
        model = AnnualReport
        fields = ["id", "provider", "provider_name", "year", "status", "total_employees",
                  "local_employees", "apprenticeships", "work_placements", "community_hours",
                  "community_work", "environmental_impact", "narrative", "submitted_at",
                  "submitted_by", "submissions", "review_outcome", "review_comments",
                  "reviewed_at", "reviewed_by"]
        read_only_fields = fields

    def get_submitted_by(self, obj) -> str | None:
        return _username(obj.submitted_by)

    def get_reviewed_by(self, obj) -> str | None:
        return _username(obj.reviewed_by)
