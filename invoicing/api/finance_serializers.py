"""Finance's invoice and payment bodies: inputs validate shape only; outputs are allowlists."""

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from invoicing.models import Invoice, InvoiceLine, Payment


class FinanceInvoiceLineSerializer(serializers.ModelSerializer):
    difference = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = InvoiceLine
        fields = ["id", "placement", "kind", "support_item", "block", "amount", "expected",
                  "difference"]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        out = {}
        for name, value in fields.items():
            out[name] = value
            if name == "block":  # `from` and `to` are Python keywords
                out["from"] = serializers.DateField(source="date_from", read_only=True)
                out["to"] = serializers.DateField(source="date_to", read_only=True)
        return out


class FinanceInvoiceSerializer(serializers.ModelSerializer):
    """An invoice as finance sees it after a decision or a payment."""

    lines = FinanceInvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "reference", "provider", "authority", "status", "received_on", "total",
                  "expected_total", "approved_total", "reason", "decided_at", "paid_on",
                  "lines"]
        read_only_fields = fields


class InvoiceApproveInputSerializer(serializers.Serializer):
    accept_difference_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=4000,
        help_text="Required for a queried invoice: why its difference is accepted (the "
                  "provider is told).")


class InvoiceReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, allow_blank=True,
                                   help_text="Shown to the provider.")


class BulkInvoiceApproveInputSerializer(serializers.Serializer):
    invoices = serializers.ListField(child=serializers.IntegerField(min_value=1),
                                     min_length=1, max_length=500)


class BulkApproveSerializer(serializers.Serializer):
    approved = serializers.ListField(child=serializers.IntegerField())


class PaymentInputSerializer(serializers.Serializer):
    invoice = serializers.IntegerField(min_value=1)
    paid_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    reference = serializers.CharField(max_length=60)


class PaymentSerializer(serializers.ModelSerializer):
    invoice_status = serializers.CharField(source="invoice.status", read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "invoice", "paid_on", "amount", "reference", "remittance",
                  "invoice_status", "recorded_at"]
        read_only_fields = fields


@extend_schema_serializer(many=False)
class RemittanceResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="remittance.pk")
    sha256 = serializers.CharField(source="remittance.sha256")
    rows = serializers.IntegerField(source="remittance.rows")
    imported_at = serializers.DateTimeField(source="remittance.imported_at")
    already_imported = serializers.BooleanField(
        help_text="True when this file was imported before: nothing changed.")
    payments = PaymentSerializer(source="created", many=True,
                                 help_text="The payments this import recorded.")
    skipped = serializers.IntegerField(
        help_text="Rows whose payment was already recorded (same reference, day, amount).")
