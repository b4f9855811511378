"""Monitoring serializers: input serializers check shape only (the services hold the rules);
output serializers are allowlists, one per actor where the actors see different things."""


from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts.models import Placement
from dps.api.lean import LeanRepresentation
from dps.models import Organisation
from monitoring.models import (
    RAISABLE_TRIGGER_KINDS,
    ActionItem,
    ActionPlan,
    EscalationDecision,
    FinancialStanding,
    KpiTimeliness,
    MonitoringActivity,
    MonitoringLevel,
    Rag,
    ReassessmentTrigger,
    RegulatorRating,
    RiskAssessment,
)
from monitoring.selectors import attention_reasons
from providers.models import Lot, Membership

ONE_TO_FIVE = {"min_value": 1, "max_value": 5}


def _providers():
    return Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)


def _username(user):
    return user.username if user else None


@extend_schema_field(OpenApiTypes.STR)
class LotField(serializers.Field):
    """A lot by id or code (codes are unique within a DPS; the first DPS's lot wins)."""

    default_error_messages = {"unknown": "Unknown lot."}

    def to_internal_value(self, data):
        lots = Lot.objects.select_related("dps")
        lot = lots.filter(pk=int(data)).first() if str(data).isdigit() else \
            lots.filter(code=str(data)).order_by("dps_id").first()
        if lot is None:
            self.fail("unknown")
        return lot

    def to_representation(self, value):
        return value.code


# --- Risk -----------------------------------------------------------------------------------

class RiskAssessmentInputSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=_providers())
    impact = serializers.IntegerField(**ONE_TO_FIVE)
    probability = serializers.IntegerField(**ONE_TO_FIVE)
    notes = serializers.CharField(allow_blank=True, required=False, default="")
    next_due = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="Sooner than six months on if the assessor chooses; never later.")
    regulator_rating = serializers.ChoiceField(RegulatorRating.choices, required=False,
                                               allow_blank=True)
    regulator_rating_date = serializers.DateField(required=False, allow_null=True)
    complaints = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    safeguarding_concerns = serializers.IntegerField(min_value=0, required=False,
                                                     allow_null=True)
    notifications = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    financial_standing = serializers.ChoiceField(FinancialStanding.choices, required=False,
                                                 allow_blank=True)
    kpi_timeliness = serializers.ChoiceField(KpiTimeliness.choices, required=False,
                                             allow_blank=True)
    placement_breakdowns = serializers.IntegerField(min_value=0, required=False,
                                                    allow_null=True)
    staff_turnover = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                              max_value=100, required=False, allow_null=True)


EVIDENCE = ["regulator_rating", "regulator_rating_date", "complaints", "safeguarding_concerns",
            "notifications", "financial_standing", "kpi_timeliness", "placement_breakdowns",
            "staff_turnover"]


class ProviderRiskAssessmentSerializer(LeanRepresentation, serializers.ModelSerializer):
    """What a provider sees of its own assessments: the rating, what it calls for, when the
    next is due and the evidence considered. The assessor's notes and name stay internal."""

    # Optional evidence is "" when not given: declared so the schema allows "" (read-only
    # model fields lose allow_blank).
    regulator_rating = serializers.ChoiceField(RegulatorRating.choices, allow_blank=True,
                                               read_only=True)
    financial_standing = serializers.ChoiceField(FinancialStanding.choices, allow_blank=True,
                                                 read_only=True)
    kpi_timeliness = serializers.ChoiceField(KpiTimeliness.choices, allow_blank=True,
                                             read_only=True)

    class Meta:
        model = RiskAssessment
        fields = ["id", "provider", "assessed_at", "impact", "probability", "score", "rag",
                  "monitoring", "next_due", "is_current", *EVIDENCE]
        read_only_fields = fields


class RiskAssessmentSerializer(ProviderRiskAssessmentSerializer):
    assessed_by = serializers.SerializerMethodField()

    class Meta(ProviderRiskAssessmentSerializer.Meta):
        fields = [*ProviderRiskAssessmentSerializer.Meta.fields, "assessed_by", "notes",
                  "overdue_notified_at"]
        read_only_fields = fields

    def get_assessed_by(self, obj) -> str | None:
        return _username(obj.assessed_by)


class TriggerInputSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=_providers())
    kind = serializers.ChoiceField(RAISABLE_TRIGGER_KINDS)
    details = serializers.CharField()
    placement = serializers.PrimaryKeyRelatedField(queryset=Placement.objects.none(),
                                                   required=False, allow_null=True)

    def __init__(self, *args, placements=None, **kwargs):
        super().__init__(*args, **kwargs)
        if placements is not None:
            self.fields["placement"].queryset = placements


class TriggerSerializer(LeanRepresentation, serializers.ModelSerializer):
    raised_by = serializers.SerializerMethodField()
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReassessmentTrigger
        fields = ["id", "provider", "kind", "raised_at", "raised_by", "details", "placement",
                  "kpi_return", "is_open", "cleared_by_assessment"]
        read_only_fields = fields

    def get_raised_by(self, obj) -> str | None:
        return _username(obj.raised_by)


class ProviderRiskSerializer(serializers.Serializer):
    """A provider's risk page for its own users: current rating and history."""

    provider = serializers.IntegerField()
    current = ProviderRiskAssessmentSerializer(allow_null=True)
    history = ProviderRiskAssessmentSerializer(many=True)


class StaffProviderRiskSerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    current = RiskAssessmentSerializer(allow_null=True)
    reassessment_due_now = serializers.BooleanField(
        help_text="Open triggers: information arrived since the last assessment.")
    reassessment_overdue = serializers.BooleanField(help_text="next_due has passed.")
    visit_planned = serializers.BooleanField()
    open_triggers = TriggerSerializer(many=True)
    history = RiskAssessmentSerializer(many=True)


# --- Monitoring activities ------------------------------------------------------------------

class ActivityInputSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=_providers())
    kind = serializers.ChoiceField(MonitoringLevel.choices)
    planned_date = serializers.DateField()
    assessment = serializers.PrimaryKeyRelatedField(queryset=RiskAssessment.objects.all(),
                                                    required=False, allow_null=True)


class ActivityCompleteSerializer(serializers.Serializer):
    findings = serializers.CharField()
    done_date = serializers.DateField(required=False, allow_null=True, default=None)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class OptionalReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ActivitySerializer(LeanRepresentation, serializers.ModelSerializer):
    done_by = serializers.SerializerMethodField()

    class Meta:
        model = MonitoringActivity
        fields = ["id", "provider", "kind", "status", "assessment", "planned_date", "done_date",
                  "done_by", "findings", "cancelled_reason", "created_at"]
        read_only_fields = fields

    def get_done_by(self, obj) -> str | None:
        return _username(obj.done_by)


# --- Action plans ---------------------------------------------------------------------------

class ActionItemInputSerializer(serializers.Serializer):
    action = serializers.CharField()
    owner = serializers.CharField(max_length=200)
    due_date = serializers.DateField()


class ActionPlanInputSerializer(serializers.Serializer):
    provider = serializers.PrimaryKeyRelatedField(queryset=_providers())
    title = serializers.CharField(max_length=200)
    activity = serializers.PrimaryKeyRelatedField(queryset=MonitoringActivity.objects.all(),
                                                  required=False, allow_null=True)
    items = ActionItemInputSerializer(many=True, allow_empty=False)


class RespondSerializer(serializers.Serializer):
    provider_response = serializers.CharField()
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer):
    reason = serializers.CharField()
    due_date = serializers.DateField()


class DismissEscalationSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class SuspendProviderSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField()
    memberships = serializers.PrimaryKeyRelatedField(
        queryset=Membership.objects.all(), many=True, required=False, default=None,
        help_text="Which admitted memberships; all of the provider's by default.")


class ProviderActionItemSerializer(LeanRepresentation, serializers.ModelSerializer):
    """The provider's view of an item: what to do, by when, its answer and the reminder."""

    class Meta:
        model = ActionItem
        fields = ["id", "plan", "action", "owner", "due_date", "status", "provider_response",
                  "evidence", "responded_at", "reminder_sent_at"]
        read_only_fields = fields


class HistorySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    actor = serializers.SerializerMethodField()
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    reason = serializers.CharField()

    def get_actor(self, obj) -> str | None:
        return _username(obj.actor)


class ActionItemSerializer(ProviderActionItemSerializer):
    recommend_suspension = serializers.BooleanField(read_only=True)
    provider = serializers.IntegerField(source="plan.provider_id", read_only=True)
    escalation_decision = serializers.ChoiceField(EscalationDecision.choices, allow_blank=True,
                                                  read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(ProviderActionItemSerializer.Meta):
        fields = [*ProviderActionItemSerializer.Meta.fields, "provider", "closed_at",
                  "escalated_at", "recommend_suspension", "escalation_decision",
                  "escalation_decided_at", "escalation_decision_reason", "history"]
        read_only_fields = fields

    @extend_schema_field(HistorySerializer(many=True))
    def get_history(self, obj):
        history = self.context.get("history")
        if history is None:
            return None
        return HistorySerializer(history.get(obj.pk, []), many=True).data


class ProviderActionPlanSerializer(LeanRepresentation, serializers.ModelSerializer):
    items = ProviderActionItemSerializer(many=True, read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "provider", "title", "activity", "created_at", "items"]
        read_only_fields = fields


class ActionPlanSerializer(ProviderActionPlanSerializer):
    items = ActionItemSerializer(many=True, read_only=True)


class MembershipBriefSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")

    class Meta:
        model = Membership
        fields = ["id", "lot", "status", "suspended_until"]
        read_only_fields = fields


class EscalatedItemSerializer(ActionItemSerializer):
    """An escalated item for the DPS administrator: the history and the provider's
    memberships, to suspend through /memberships/{id}/suspend/ or /action-items/{id}/
    suspend-provider/."""

    provider_name = serializers.CharField(source="plan.provider.name", read_only=True)
    plan_title = serializers.CharField(source="plan.title", read_only=True)
    memberships = serializers.SerializerMethodField()

    class Meta(ActionItemSerializer.Meta):
        fields = [*ActionItemSerializer.Meta.fields, "provider_name", "plan_title",
                  "memberships"]
        read_only_fields = fields

    @extend_schema_field(MembershipBriefSerializer(many=True))
    def get_memberships(self, obj):
        memberships = self.context.get("memberships", {}).get(obj.plan.provider_id, [])
        return MembershipBriefSerializer(memberships, many=True).data


# --- Attention ------------------------------------------------------------------------------

class AttentionSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    rag = serializers.ChoiceField(Rag.choices, allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    monitoring = serializers.ChoiceField(MonitoringLevel.choices, allow_null=True)
    next_due = serializers.DateField(allow_null=True)
    open_triggers = serializers.IntegerField()
    overdue_actions = serializers.IntegerField()
    escalated_actions = serializers.IntegerField()
    late_returns = serializers.IntegerField()
    visit_planned = serializers.BooleanField()
    reasons = serializers.SerializerMethodField()

    def get_reasons(self, obj) -> list[str]:
        return attention_reasons(obj, self.context.get("today"))
