from rest_framework import serializers

from dps.models import Organisation
from providers.models import (
    AdmissionRound,
    Application,
    ApplicationLot,
    CreditCheckResult,
    Debarment,
    Dps,
    ExclusionGround,
    Lot,
    Membership,
    Outcome,
    PriceUnit,
    Regime,
    Regulator,
)
from providers.regimes import PA2023_REGIMES
from providers.services import days_left_to_decide


class LotSerializer(serializers.ModelSerializer):
    dps = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Lot
        fields = ["id", "code", "name", "price_unit", "dps", "description",
                  "requires_regulator_reference"]
        read_only_fields = fields


class RegimeRulesSerializer(serializers.Serializer):
    """What the law makes of the arrangement's regime (providers/regimes.py, ADR 0017)."""

    label = serializers.CharField()
    law = serializers.CharField()
    standstill_working_days = serializers.IntegerField(allow_null=True)
    user_choice_direct_award = serializers.BooleanField()
    conditions_fixed = serializers.BooleanField()
    removes_excluded_members = serializers.BooleanField()
    transition_end = serializers.DateField(allow_null=True)


class DpsSerializer(serializers.ModelSerializer):
    lots = LotSerializer(many=True, read_only=True)
    regime_rules = RegimeRulesSerializer(source="rules", read_only=True)

    class Meta:
        model = Dps
        fields = ["id", "code", "name", "description", "lead_authority", "regime", "starts_on",
                  "ends_on", "extension_options", "max_extension_months",
                  "evaluation_working_days", "evaluation_max_working_days",
                  "max_suspension_months", "min_response_days", "fixed_price_months",
                  "regulator", "required_declarations", "is_active", "regime_rules", "lots"]
        read_only_fields = fields


class LotInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    price_unit = serializers.ChoiceField(choices=PriceUnit.choices)
    description = serializers.CharField(allow_blank=True, default="")
    requires_regulator_reference = serializers.BooleanField(default=False)


class DeclarationSerializer(serializers.Serializer):
    key = serializers.SlugField()
    label = serializers.CharField()


class DpsInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, default="")
    regime = serializers.ChoiceField(choices=Regime.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    extension_options = serializers.CharField(allow_blank=True, default="")
    regulator = serializers.ChoiceField(choices=Regulator.choices, default=Regulator.NONE)
    required_declarations = DeclarationSerializer(many=True, default=list)
    lots = LotInputSerializer(many=True, allow_empty=False)
    # Rule settings: when left out, the regime's defaults apply.
    max_extension_months = serializers.IntegerField(min_value=0, max_value=120, required=False)
    evaluation_working_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    evaluation_max_working_days = serializers.IntegerField(min_value=1, max_value=90,
                                                           required=False)
    max_suspension_months = serializers.IntegerField(min_value=1, max_value=24, required=False)
    min_response_days = serializers.IntegerField(min_value=0, max_value=60, required=False)
    fixed_price_months = serializers.IntegerField(min_value=0, max_value=60, required=False)


class ConditionsInputSerializer(serializers.Serializer):
    required_declarations = DeclarationSerializer(many=True, required=False)
    regulator = serializers.ChoiceField(choices=Regulator.choices, required=False)
    modification_reason = serializers.CharField(allow_blank=True, default="")


class DynamicMarketInputSerializer(serializers.Serializer):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    regime = serializers.ChoiceField(choices=PA2023_REGIMES)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class RoundSerializer(serializers.ModelSerializer):
    dps = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = AdmissionRound
        fields = ["id", "dps", "status", "opens_at", "closes_at", "opened_at", "closed_at",
                  "completed_at"]
        read_only_fields = fields


class RoundInputSerializer(serializers.Serializer):
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()


class ApplicationLotSerializer(serializers.ModelSerializer):
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    # Blank until decided: declared so the schema allows "" (read-only model fields lose it).
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = ApplicationLot
        fields = ["lot", "price_cap", "outcome", "reason"]
        read_only_fields = fields


class ApplicationSerializer(serializers.ModelSerializer):
    dps = serializers.SlugRelatedField(slug_field="code", read_only=True)
    lots = ApplicationLotSerializer(many=True, read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    days_left_to_decide = serializers.SerializerMethodField()
    credit_check_result = serializers.ChoiceField(choices=CreditCheckResult.choices,
                                                  allow_blank=True, read_only=True)

    class Meta:
        model = Application
        fields = ["id", "dps", "provider", "provider_name", "round", "status", "lots",
                  "ofsted_urn", "cqc_location_id", "declarations", "credit_check_date",
                  "credit_check_result", "financial_standing_notes", "created_at",
                  "submitted_at", "evaluation_due", "evaluation_extension_reason",
                  "days_left_to_decide", "decided_at"]
        read_only_fields = fields

    def get_days_left_to_decide(self, obj) -> int | None:
        if obj.status != Application.Status.SUBMITTED:
            return None
        return days_left_to_decide(obj)


class PriceCapSerializer(serializers.Serializer):
    lot = serializers.SlugField()
    price_cap = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)


class ApplicationInputSerializer(serializers.Serializer):
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    lots = PriceCapSerializer(many=True, default=list)
    ofsted_urn = serializers.RegexField(
        # Any case: the service stores it upper-cased.
        r"^(?:[Ss][Cc]\d{6}|\d{6,7})\Z", allow_blank=True, default="",
        error_messages={"invalid": "An Ofsted URN looks like SC123456 or 123456."})
    cqc_location_id = serializers.RegexField(
        r"^1-\d{6,12}\Z", allow_blank=True, default="",
        error_messages={"invalid": "A CQC location ID looks like 1-123456789."})
    declarations = serializers.DictField(child=serializers.BooleanField(), default=dict)
    credit_check_date = serializers.DateField(required=False, allow_null=True, default=None)
    credit_check_result = serializers.ChoiceField(
        choices=CreditCheckResult.choices, allow_blank=True, default="")
    financial_standing_notes = serializers.CharField(allow_blank=True, default="")


class ApplicationUpdateSerializer(ApplicationInputSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("dps")
        for field in self.fields.values():
            field.required = False
            field.default = serializers.empty


class DecisionSerializer(serializers.Serializer):
    lot = serializers.SlugField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    reason = serializers.CharField(allow_blank=True, default="")


class DecideInputSerializer(serializers.Serializer):
    decisions = DecisionSerializer(many=True, allow_empty=False)


class ExtendEvaluationInputSerializer(serializers.Serializer):
    working_days = serializers.IntegerField(min_value=1)
    reason = serializers.CharField()


class ReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, default="")


class RequiredReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class SuspendInputSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField()


class MembershipSerializer(serializers.ModelSerializer):
    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    dps = serializers.CharField(source="lot.dps.code", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "provider", "provider_name", "dps", "lot", "price_cap", "status",
                  "admitted_at", "suspended_from", "suspended_until", "removed_at",
                  "status_reason"]
        read_only_fields = fields


class DebarmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Debarment
        fields = ["id", "organisation", "name", "companies_house_number", "starts_on", "ends_on",
                  "ground", "reason", "created_at"]
        read_only_fields = fields


class DebarmentInputSerializer(serializers.Serializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200)
    companies_house_number = serializers.CharField(max_length=8, allow_blank=True, default="")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    ground = serializers.ChoiceField(choices=ExclusionGround.choices,
                                     default=ExclusionGround.MANDATORY)
    reason = serializers.CharField()
