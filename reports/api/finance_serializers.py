"""Query parameters and bodies of the finance reports (spend, commitments, payments, exports)."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from contracts.models import Placement
from providers.models import Lot
from reports.models import ExportJob
from reports.spend import GROUPINGS, LOCATIONS, range_problems

FORMATS = ("json", "csv", "xlsx")
BASES = ("accrued", "invoiced", "paid")


@extend_schema_field(OpenApiTypes.STR)
class LotRefField(serializers.Field):
    """A lot by code or id."""

    default_error_messages = {"unknown": "Unknown lot."}

    def to_internal_value(self, data):
        lots = Lot.objects.order_by("dps_id", "id")
        lot = lots.filter(pk=int(data)).first() if str(data).isdigit() else \
            lots.filter(code=str(data)).first()
        if lot is None:
            self.fail("unknown")
        return lot

    def to_representation(self, value):
        return value.code


class FilterFields(serializers.Serializer):
    """The filters every finance report takes."""

    lot = LotRefField(required=False, help_text="Lot code or id.")
    provider = serializers.IntegerField(required=False, min_value=1,
                                        help_text="Provider organisation id.")
    authority = serializers.IntegerField(required=False, min_value=1,
                                         help_text="Authority organisation id.")
    route = serializers.ChoiceField(Placement.Route.choices, required=False)
    location = serializers.ChoiceField(list(LOCATIONS.items()), required=False)

    def filters(self):
        data = self.validated_data
        out = {name: data[name] for name in ("provider", "authority", "route", "location")
               if data.get(name) not in (None, "")}
        if data.get("lot") is not None:
            out["lot"] = data["lot"].pk
        return out


class RangeFields(FilterFields):
    """`from` and `to` are Python keywords: declared in get_fields."""

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="First day, YYYY-MM-DD (inclusive).")
        fields["to"] = serializers.DateField(help_text="Last day, YYYY-MM-DD (inclusive).")
        return fields

    def validate(self, attrs):
        problems = range_problems(attrs.get("from"), attrs.get("to"))
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class SpendQuerySerializer(RangeFields):
    group_by = serializers.ChoiceField(GROUPINGS, required=False, allow_blank=True)
    basis = serializers.ChoiceField(
        BASES, required=False, default="accrued",
        help_text="accrued: what the placements cost by day (v1); invoiced: approved and paid "
                  "invoice lines by their days; paid: payments by the day paid.")
    format = serializers.ChoiceField(FORMATS, required=False, default="json")


class CommitmentsQuerySerializer(FilterFields):
    as_of = serializers.DateField(required=False, help_text="Default: today.")
    group_by = serializers.ChoiceField(GROUPINGS, required=False, allow_blank=True)
    format = serializers.ChoiceField(FORMATS, required=False, default="json")


class PaymentsQuerySerializer(RangeFields):
    format = serializers.ChoiceField(FORMATS, required=False, default="json")


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}], "nullable": True,
                      "description": "Lot code, organisation id, YYYY-MM, route or location "
                                     "code; null for a spot provider not listed."})
class GroupKeyField(serializers.Field):
    def to_representation(self, value):
        return value


class SpendRowSerializer(serializers.Serializer):
    key = GroupKeyField()
    label = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    void_bed_days = serializers.IntegerField(
        help_text="Block bed-days bought and not occupied (block rows only; else 0).")
    voids = serializers.DecimalField(max_digits=16, decimal_places=2,
                                     help_text="The cost of those void bed-days (within amount).")


# One report object, not a list (the views' action is `list`).
@extend_schema_serializer(many=False)
class SpendReportSerializer(serializers.Serializer):
    group_by = serializers.CharField(allow_null=True)
    rows = SpendRowSerializer(many=True)
    total = serializers.DecimalField(max_digits=16, decimal_places=2)
    void_bed_days = serializers.IntegerField()
    voids = serializers.DecimalField(max_digits=16, decimal_places=2)

    def get_fields(self):
        fields = super().get_fields()
        ordered = {"from": serializers.DateField(source="date_from"),
                   "to": serializers.DateField(source="date_to")}
        ordered.update(fields)
        return ordered


# One report object, not a list (the views' action is `list`).
@extend_schema_serializer(many=False)
class CommitmentsReportSerializer(SpendReportSerializer):
    as_of = serializers.DateField(source="date_from")


class ExportRequestSerializer(FilterFields):
    kind = serializers.ChoiceField(ExportJob.Kind.choices)
    format = serializers.ChoiceField(ExportJob.Format.choices)
    group_by = serializers.ChoiceField(GROUPINGS, required=False, allow_blank=True)
    as_of = serializers.DateField(required=False, help_text="Commitments only; default today.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(required=False,
                                               help_text="Spend and payments: first day.")
        fields["to"] = serializers.DateField(required=False,
                                             help_text="Spend and payments: last day.")
        return fields

    def validate(self, attrs):
        if attrs["kind"] != ExportJob.Kind.COMMITMENTS:
            missing = {name: ["Required for this kind of export."]
                       for name in ("from", "to") if not attrs.get(name)}
            if missing:
                raise serializers.ValidationError(missing)
        problems = range_problems(attrs.get("from"), attrs.get("to"))
        if problems:
            raise serializers.ValidationError(problems)
        return attrs


class ExportJobSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = ["id", "kind", "format", "status", "progress", "row_count", "params",
                  "filename", "error", "created_at", "started_at", "finished_at",
                  "download_url"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "uri", "nullable": True})
    def get_download_url(self, job):
        if job.status != ExportJob.Status.DONE:
            return None
        path = reverse("api-report-export-download", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path
