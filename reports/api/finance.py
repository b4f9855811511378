"""Finance reports over the API: spend, commitments and export jobs (the s.70 payments list is
invoicing's: invoicing/api/transparency.py, at /api/v1/reports/payments/).

Finance users see their own authority's figures; the DPS administrator sees every authority's
and may group or filter by authority. `?format=csv|xlsx` returns the same rows as a file.
"""

import datetime as dt

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.errors import Conflict
from dps.models import Role
from dps.replica import report_reads
from reports import exports, sources
from reports.api import finance_serializers as s
from reports.commitments import commitments
from reports.models import ExportJob
from reports.spend import GROUPINGS, authority_scope, spend

FINANCE = roles(Role.FINANCE, Role.DPS_ADMIN)
FILE_TYPES = {"csv": exports.CSV_TYPE, "xlsx": exports.XLSX_TYPE}
FILTER_PARAMS = [
    OpenApiParameter("lot", str, description="Lot code or id."),
    OpenApiParameter("provider", int, description="Provider organisation id."),
    OpenApiParameter("authority", int, description="Authority organisation id (a finance "
                                                   "user sees only their own)."),
    OpenApiParameter("route", str, enum=["dps", "spot", "block"]),
    OpenApiParameter("location", str, enum=["in_area", "out_of_area"]),
]
RANGE_PARAMS = [
    OpenApiParameter("from", OpenApiTypes.DATE, required=True, description="First day."),
    OpenApiParameter("to", OpenApiTypes.DATE, required=True, description="Last day."),
]
GROUP_PARAM = OpenApiParameter("group_by", str, enum=list(GROUPINGS))
FORMAT_PARAM = OpenApiParameter("format", str, enum=["json", "csv", "xlsx"],
                                description="csv or xlsx: the same rows as a file.")


def _file_responses(serializer):
    return {(200, "application/json"): serializer,
            (200, "text/csv"): OpenApiTypes.BINARY,
            (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
            400: OpenApiResponse(description="invalid: see fields."),
            403: OpenApiResponse(description="Not a finance user or the DPS administrator.")}


def file_response(table, fmt, filename):
    body = exports.csv_bytes(table) if fmt == "csv" else exports.xlsx_bytes(table)
    response = HttpResponse(body, content_type=FILE_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class FinanceReportView(ServiceActionMixin, viewsets.ViewSet):
    permission_classes = [ActionRoles]
    action_roles = {"list": FINANCE}

    def perform_content_negotiation(self, request, force=False):
        # `format=csv|xlsx` picks a file, not a renderer; errors and the JSON stay JSON.
        return super().perform_content_negotiation(request, force=True)

    def query(self, serializer_class):
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer

    def scope(self):
        return authority_scope(self.request.user)


class SpendView(FinanceReportView):
    @extend_schema(operation_id="v1_reports_spend", summary="Spend over a date range",
                   description="Placements accrue by day from their fee periods in their unit "
                               "(week: price/7, hour: price × hours_per_week/7, year: "
                               "price/365), support items weekly_cost/7, blocks every bed-day "
                               "bought (voids shown separately). Each fee period, support item "
                               "or block is rounded to pennies per calendar month once, so any "
                               "grouping's rows add up to the total exactly. `basis=invoiced` "
                               "counts approved and paid invoice lines by their days (each "
                               "line spread evenly over its days to the penny); `basis=paid` "
                               "counts payments by the day paid.",
                   parameters=[*RANGE_PARAMS, GROUP_PARAM, *FILTER_PARAMS, FORMAT_PARAM],
                   responses=_file_responses(s.SpendReportSerializer))
    @report_reads()
    def list(self, request):
        authority = self.scope()
        query = self.query(s.SpendQuerySerializer)
        data = query.validated_data
        engine = spend if data["basis"] == "accrued" else sources.basis(data["basis"])
        report = engine(date_from=data["from"], date_to=data["to"],
                        group_by=data.get("group_by") or None, authority=authority,
                        filters=query.filters())
        if data["format"] != "json":
            kind = "spend" if data["basis"] == "accrued" else f"spend-{data['basis']}"
            name = exports.export_filename(kind, data["format"], {
                "from": data["from"], "to": data["to"], "group_by": report.group_by})
            return file_response(exports.spend_table(report, for_api=True), data["format"], name)
        return Response(s.SpendReportSerializer(report).data)


class CommitmentsView(FinanceReportView):
    @extend_schema(operation_id="v1_reports_commitments",
                   summary="What current placements will cost to the end of the financial year",
                   description="Spend from `as_of` (default today) to 31 March, by the spend "
                               "engine: open-ended placements run to the year end.",
                   parameters=[OpenApiParameter("as_of", OpenApiTypes.DATE), GROUP_PARAM,
                               *FILTER_PARAMS, FORMAT_PARAM],
                   responses=_file_responses(s.CommitmentsReportSerializer))
    def list(self, request):
        authority = self.scope()
        query = self.query(s.CommitmentsQuerySerializer)
        data = query.validated_data
        as_of = data.get("as_of") or timezone.localdate()
        report = commitments(as_of=as_of, group_by=data.get("group_by") or None,
                             authority=authority, filters=query.filters())
        if data["format"] != "json":
            name = exports.export_filename("commitments", data["format"], {
                "as_of": as_of, "group_by": report.group_by})
            return file_response(exports.spend_table(report, title="Commitments", for_api=True),
                                 data["format"], name)
        return Response(s.CommitmentsReportSerializer(report).data)


def export_params(data, filters):
    """The JSON stored on a job: ISO dates, the grouping and the filters."""
    def iso(value):
        return value.isoformat() if isinstance(value, dt.date) else value

    params = {"filters": filters}
    for name in ("from", "to", "as_of"):
        if data.get(name):
            params[name] = iso(data[name])
    if data.get("group_by"):
        params["group_by"] = data["group_by"]
    if data["kind"] == ExportJob.Kind.COMMITMENTS and "as_of" not in params:
        params["as_of"] = timezone.localdate().isoformat()
    return params


def visible_jobs(user):
    """A person's own export jobs; the DPS administrator sees everyone's."""
    jobs = ExportJob.objects.select_related("requested_by").defer("content")
    if user.has_role(Role.DPS_ADMIN):
        return jobs
    return jobs.filter(requested_by=user)


class ExportJobViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Large exports built in the background: ask, watch the progress, download when ready."""

    queryset = ExportJob.objects.none()
    serializer_class = s.ExportJobSerializer
    permission_classes = [ActionRoles]
    action_roles = {"list": FINANCE, "retrieve": FINANCE, "create": FINANCE,
                    "download": FINANCE}
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExportJob.objects.none()
        return visible_jobs(self.request.user)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(
            request, force=force or getattr(self, "action", None) == "download")

    @extend_schema(request=s.ExportRequestSerializer,
                   responses={202: s.ExportJobSerializer,
                              400: OpenApiResponse(description="invalid: see fields.")})
    def create(self, request):
        """Queue an export; 202 with the job, whose `status` and `progress` say how far."""
        authority_scope(request.user)
        serializer = s.ExportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        job = exports.request_export(by=request.user, kind=data["kind"], fmt=data["format"],
                                     params=export_params(data, serializer.filters()))
        job.refresh_from_db()
        return self.respond(job, status_code=status.HTTP_202_ACCEPTED)

    @extend_schema(operation_id="v1_reports_exports_download",
                   responses={(200, "text/csv"): OpenApiTypes.BINARY,
                              (200, exports.XLSX_TYPE): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description="Not yours, or unknown."),
                              409: OpenApiResponse(description="conflict: not ready yet.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        content = ExportJob.objects.filter(pk=job.pk).values_list("content", flat=True).first()
        if job.status != ExportJob.Status.DONE or content is None:
            raise Conflict("The export is not ready yet: check its status.")
        response = HttpResponse(bytes(content), content_type=job.content_type)
        response["Content-Disposition"] = f'attachment; filename="{job.filename}"'
        response["Cache-Control"] = "private, no-store"
        return response
