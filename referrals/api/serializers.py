from rest_framework import serializers

from calloffs.api.serializers import CriterionInputSerializer
from calloffs.models import CallOff
from dps.api.serializers import AreaField
from providers.models import Lot
from referrals.models import (
    Alternative,
    BudgetKind,
    Child,
    Need,
    OutcomeDomain,
    PanelDecision,
    Referral,
    Urgency,
)


class ChildInputSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    date_of_birth = serializers.DateField()
    case_reference = serializers.CharField(max_length=50)
    postcode = serializers.CharField(max_length=10, allow_blank=True, default="")


class ChildSerializer(serializers.ModelSerializer):
    """Authority side only."""

    class Meta:
        model = Child
        fields = ["first_name", "last_name", "date_of_birth", "case_reference", "postcode"]
        read_only_fields = fields


class NeedSerializer(serializers.ModelSerializer):
    class Meta:
        model = Need
        fields = ["code", "name"]
        read_only_fields = fields


class ReferralInputSerializer(serializers.Serializer):
    child = ChildInputSerializer()
    lot = serializers.CharField(help_text="Lot code (or id).")
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    needs = serializers.ListField(child=serializers.SlugField(), default=list)
    outcomes = serializers.ListField(child=serializers.ChoiceField(OutcomeDomain.choices),
                                     default=list)
    summary = serializers.CharField()
    placement_start = serializers.DateField()
    duration_weeks = serializers.IntegerField(min_value=1, max_value=520)
    hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                              max_value=168, required=False, allow_null=True,
                                              default=None)
    location_area = AreaField()
    urgency = serializers.ChoiceField(Urgency.choices, default=Urgency.ROUTINE)
    budget_kind = serializers.ChoiceField(BudgetKind.choices, allow_blank=True, default="")
    budget_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                             required=False, allow_null=True, default=None)
    alternatives_considered = serializers.ListField(
        child=serializers.ChoiceField(Alternative.choices), default=list)
    alternatives_notes = serializers.CharField(allow_blank=True, default="")
    panel_date = serializers.DateField(required=False, allow_null=True, default=None)
    panel_decision = serializers.ChoiceField(PanelDecision.choices, allow_blank=True, default="")
    panel_notes = serializers.CharField(allow_blank=True, default="")


class ReferralChangeSerializer(serializers.Serializer):
    """PATCH /api/v1/referrals/{id}/ (API.md v1.1): any of these; `child` may give some of the
    child's fields. Validated with partial=True, so nothing is required and no default fills
    in what was not sent."""

    child = ChildInputSerializer()
    needs = serializers.ListField(child=serializers.SlugField())
    outcomes = serializers.ListField(child=serializers.ChoiceField(OutcomeDomain.choices))
    summary = serializers.CharField()
    placement_start = serializers.DateField()
    duration_weeks = serializers.IntegerField(min_value=1, max_value=520)
    hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                              max_value=168, allow_null=True)
    location_area = AreaField()
    budget_kind = serializers.ChoiceField(BudgetKind.choices, allow_blank=True)
    budget_amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                             allow_null=True)

    def validate(self, attrs):
        # A field this PATCH does not change is refused, not silently dropped: the caller
        # would otherwise believe it changed (the page changes the others).
        sent = set(self.initial_data) if hasattr(self.initial_data, "keys") else set()
        unknown = sorted(sent - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Cannot be changed through this operation."] for name in unknown})
        return attrs


class ReferralSerializer(serializers.ModelSerializer):
    """The authority's view of a referral, identity included."""

    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    child = ChildSerializer(read_only=True)
    needs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    calloff = serializers.SerializerMethodField()
    # Optional choices: declared so the schema allows "" (read-only model fields lose it).
    budget_kind = serializers.ChoiceField(BudgetKind.choices, allow_blank=True, read_only=True)
    panel_decision = serializers.ChoiceField(PanelDecision.choices, allow_blank=True,
                                             read_only=True)

    class Meta:
        model = Referral
        fields = ["id", "status", "authority", "lot", "child", "needs", "outcomes", "summary",
                  "placement_start", "duration_weeks", "hours_per_week", "location_area",
                  "urgency", "budget_kind", "budget_amount", "alternatives_considered",
                  "alternatives_notes", "panel_date", "panel_decision", "panel_notes",
                  "created_at", "published_at", "calloff"]
        read_only_fields = fields

    def get_calloff(self, obj) -> int | None:
        calloff = getattr(obj, "calloff", None)
        return calloff.pk if calloff else None


class PublishInputSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField()
    short_deadline_reason = serializers.CharField(allow_blank=True, default="")
    quality_weight = serializers.IntegerField(min_value=0, max_value=100, default=60)
    price_weight = serializers.IntegerField(min_value=0, max_value=100, default=40)
    criteria = CriterionInputSerializer(
        many=True, required=False,
        help_text="The quality criteria, weights adding up to 100; the lot's defaults when "
                  "left out. Fixed once published.")


class PublishOutputSerializer(serializers.Serializer):
    calloff = serializers.IntegerField()


class PanelDecisionInputSerializer(serializers.Serializer):
    panel_date = serializers.DateField()
    panel_decision = serializers.ChoiceField(PanelDecision.choices)
    panel_notes = serializers.CharField(allow_blank=True, default="")


def resolve_lot(value, dps):
    lots = Lot.objects.filter(dps=dps)
    lot = (lots.filter(pk=int(value)).first() if str(value).isdigit()
           else lots.filter(code=value).first())
    return lot


class DirectAwardInputSerializer(serializers.Serializer):
    """The user-choice route (API.md v1.1): whose choice decided, the provider, its price."""

    provider = serializers.IntegerField(min_value=1)
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    choice_by = serializers.ChoiceField(choices=CallOff.ChoiceBy.choices)
    reason = serializers.CharField()


class DirectAwardOutputSerializer(serializers.Serializer):
    calloff = serializers.IntegerField(source="pk")
    route = serializers.CharField()
    status = serializers.CharField()
    choice_by = serializers.CharField()
    provider = serializers.IntegerField(source="recommended_eoi.provider_id")
    price = serializers.DecimalField(source="recommended_eoi.price", max_digits=12,
                                     decimal_places=2)
