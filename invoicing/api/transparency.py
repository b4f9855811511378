"""What finance publishes: the s.70 payments list and the s.69 payment compliance figures."""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from invoicing import exports
from invoicing.transparency import payment_compliance, published_payments
from reports.api import finance_serializers as rs
from reports.api.finance import (
    FILTER_PARAMS,
    FORMAT_PARAM,
    RANGE_PARAMS,
    FinanceReportView,
    _file_responses,
    file_response,
)
from reports.exports import export_filename


class PublishedPaymentSerializer(serializers.Serializer):
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2,
                                      help_text="The payment, including VAT.")
    provider = serializers.CharField()
    provider_identifier = serializers.CharField(
        help_text="GB-COH-<Companies House number>, else dps-org-<id>.")
    description = serializers.CharField()
    reference = serializers.CharField(help_text="The ledger's payment reference.")
    authority = serializers.CharField()


@extend_schema_serializer(many=False)
class PublishedPaymentsSerializer(serializers.Serializer):
    threshold = serializers.DecimalField(max_digits=16, decimal_places=2)
    rows = PublishedPaymentSerializer(many=True)

    def get_fields(self):
        fields = super().get_fields()
        ordered = {"from": serializers.DateField(source="date_from"),
                   "to": serializers.DateField(source="date_to")}
        ordered.update(fields)
        return ordered


class ComplianceQuerySerializer(rs.RangeFields):
    pass


@extend_schema_serializer(many=False)
class ComplianceSerializer(serializers.Serializer):
    invoices_paid = serializers.IntegerField()
    average_days_to_pay = serializers.DecimalField(max_digits=8, decimal_places=1,
                                                   allow_null=True)
    paid_within_30_days_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    paid_31_to_60_days_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    paid_after_60_days_pct = serializers.DecimalField(max_digits=5, decimal_places=1)
    due_unpaid_pct = serializers.DecimalField(
        max_digits=5, decimal_places=1,
        help_text="Of the invoices falling due (30 days after receipt) in the range, the share "
                  "not paid in full by its last day.")
    invoices_due = serializers.IntegerField()
    invoices_due_unpaid = serializers.IntegerField()

    def get_fields(self):
        fields = super().get_fields()
        ordered = {"from": serializers.DateField(source="date_from"),
                   "to": serializers.DateField(source="date_to")}
        ordered.update(fields)
        return ordered


class PublishedPaymentsView(FinanceReportView):
    @extend_schema(operation_id="v1_reports_payments",
                   summary="Each payment over £30,000 (Procurement Act 2023 s.70)",
                   description="Actual payments (recorded or imported) over £30,000 including "
                               "VAT, each payment on its own row, never summed. `format=csv` "
                               "is the publication's layout.",
                   parameters=[*RANGE_PARAMS, *FILTER_PARAMS, FORMAT_PARAM],
                   responses=_file_responses(PublishedPaymentsSerializer))
    def list(self, request):
        authority = self.scope()
        query = self.query(rs.PaymentsQuerySerializer)
        data = query.validated_data
        report = published_payments(date_from=data["from"], date_to=data["to"],
                                    authority=authority, filters=query.filters())
        if data["format"] != "json":
            name = export_filename("payments-over-30000", data["format"],
                                   {"from": data["from"], "to": data["to"]})
            return file_response(exports.published_payments_table(report), data["format"],
                                 name)
        return Response(PublishedPaymentsSerializer(report).data)


class ComplianceView(FinanceReportView):
    @extend_schema(operation_id="v1_reports_payment_compliance",
                   summary="Payment compliance (Procurement Act 2023 s.69, reg. 38)",
                   description="Over the invoices paid in full in the range: days from "
                               "received_on to paid_on, one decimal place. An invoice is due "
                               "30 days after it was received; due_unpaid_pct is the share of "
                               "those due in the range not paid by its last day.",
                   parameters=RANGE_PARAMS,
                   responses={200: ComplianceSerializer})
    def list(self, request):
        authority = self.scope()
        query = self.query(ComplianceQuerySerializer)
        data = query.validated_data
        report = payment_compliance(date_from=data["from"], date_to=data["to"],
                                    authority=authority, filters=query.filters())
        return Response(ComplianceSerializer(report).data)
