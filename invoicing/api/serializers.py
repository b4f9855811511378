"""Invoice bodies of API.md v1.1: the provider's input, and the invoice as everyone sees it."""

from decimal import Decimal

from rest_framework import serializers

from dps.api.lean import LeanRepresentation
from invoicing.models import Invoice
from invoicing.submission import KIND_CHOICES, MAX_AMOUNT, MAX_LINES


class InvoiceLineInputSerializer(serializers.Serializer):
    """`from` and `to` are Python keywords: declared in get_fields."""

    kind = serializers.ChoiceField(KIND_CHOICES)
    placement = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                         help_text="The placement (placement and support "
                                                   "lines).")
    support_item = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                            help_text="The support item (support lines).")
    block = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                     help_text="The block contract (block lines).")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                                      max_value=MAX_AMOUNT,
                                      help_text="Pounds, two places, above 0.00.")

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(help_text="First day invoiced (inclusive).")
        fields["to"] = serializers.DateField(help_text="Last day invoiced (inclusive): "
                                                       "today at the latest.")
        return fields

    def validate(self, attrs):
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": ["Must be on or after `from`."]})
        return {"kind": attrs["kind"], "placement": attrs.get("placement"),
                "support_item": attrs.get("support_item"), "block": attrs.get("block"),
                "date_from": attrs["from"], "date_to": attrs["to"], "amount": attrs["amount"]}


class InvoiceInputSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=60, help_text="Your invoice number: unique "
                                                               "among your invoices.")
    lines = InvoiceLineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


class InvoiceLineSerializer(serializers.Serializer):
    """A line as stored: `expected` is the spend engine's accrual for its days."""

    id = serializers.IntegerField(read_only=True)
    placement = serializers.IntegerField(source="placement_id", read_only=True, allow_null=True)
    support_item = serializers.IntegerField(source="support_item_id", read_only=True,
                                            allow_null=True)
    block = serializers.IntegerField(source="block_id", read_only=True, allow_null=True)
    kind = serializers.ChoiceField(KIND_CHOICES, read_only=True)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    expected = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    difference = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True,
                                          help_text="amount − expected.")

    def get_fields(self):
        fields = super().get_fields()
        ordered = {}
        for name, field in fields.items():
            if name == "amount":
                ordered["from"] = serializers.DateField(source="date_from", read_only=True)
                ordered["to"] = serializers.DateField(source="date_to", read_only=True)
            ordered[name] = field
        return ordered


class InvoiceSerializer(LeanRepresentation, serializers.ModelSerializer):
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    authority = serializers.IntegerField(source="authority_id", read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)

    class Meta:
        model = Invoice
        fields = ["id", "reference", "status", "received_on", "total", "expected_total",
                  "provider", "authority", "channel", "reason", "approved_total", "paid_on",
                  "lines"]
        read_only_fields = fields


class UploadResultSerializer(serializers.Serializer):
    invoices = InvoiceSerializer(many=True)
