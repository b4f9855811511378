"""Serializers per actor. Provider-facing ones are allowlists: every field is named here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from calloffs.models import CallOff, ExpressionOfInterest, Question
from calloffs.selectors import is_above_budget
from dps.api.lean import LeanRepresentation

# --- Quality criteria (ADR 0026) ---------------------------------------------------------------

class CriterionSerializer(serializers.Serializer):
    """A published quality criterion: what providers are scored on, and its weight."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField(help_text="Out of 100 across the call-off's criteria.")


class CriterionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    weight = serializers.IntegerField(min_value=1, max_value=100)


class CriterionScoreSerializer(serializers.Serializer):
    """An offer's score on one criterion (null while unscored) and the note its bidder reads."""

    criterion = serializers.IntegerField()
    name = serializers.CharField()
    weight = serializers.IntegerField()
    score = serializers.IntegerField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


def _scored(eoi):
    """The offer's per-criterion scores from its prefetched rows (criterion selected)."""
    return CriterionScoreSerializer([
        {"criterion": row.criterion_id, "name": row.criterion.name,
         "weight": row.criterion.weight, "score": row.score, "note": row.note}
        for row in eoi.criterion_scores.all()], many=True).data


# --- Provider-facing (anonymised) ------------------------------------------------------------

class OpportunitySerializer(LeanRepresentation, serializers.ModelSerializer):
    """What a provider may know about a referral. Named field by field: nothing else leaks."""

    lot = serializers.CharField(source="lot.code")
    lot_name = serializers.CharField(source="lot.name")
    price_unit = serializers.CharField(source="lot.price_unit")
    age = serializers.IntegerField(source="child_age")
    needs = serializers.SerializerMethodField()
    outcomes = serializers.ListField(source="referral.outcomes", child=serializers.CharField())
    summary = serializers.CharField(source="referral.summary")
    placement_start = serializers.DateField(source="referral.placement_start")
    duration_weeks = serializers.IntegerField(source="referral.duration_weeks")
    hours_per_week = serializers.DecimalField(source="referral.hours_per_week", max_digits=5,
                                              decimal_places=2, allow_null=True)
    location_area = serializers.CharField(source="referral.location_area")
    urgency = serializers.CharField(source="referral.urgency")
    has_my_eoi = serializers.BooleanField(read_only=True, default=False)

    class Meta:
        model = CallOff
        fields = ["id", "status", "lot", "lot_name", "price_unit", "age", "needs", "outcomes",
                  "summary", "placement_start", "duration_weeks", "hours_per_week",
                  "location_area", "urgency", "deadline", "published_at", "has_my_eoi"]
        read_only_fields = fields

    def get_needs(self, obj) -> list[str]:
        codes = getattr(obj, "need_codes", None)  # the list's page: selectors.attach_need_codes
        if codes is not None:
            return codes
        return [need.code for need in obj.referral.needs.all()]


class ProviderQuestionSerializer(LeanRepresentation, serializers.ModelSerializer):
    """A question as every invited provider sees it: never who asked."""

    class Meta:
        model = Question
        fields = ["id", "text", "asked_at", "answer", "answered_at"]
        read_only_fields = fields


class OpportunityDetailSerializer(OpportunitySerializer):
    questions = serializers.SerializerMethodField()
    criteria = CriterionSerializer(many=True, read_only=True,
                                   help_text="The quality criteria offers are scored on.")
    quality_weight = serializers.IntegerField(read_only=True)
    price_weight = serializers.IntegerField(read_only=True)

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "quality_weight", "price_weight",
                  "criteria", "questions"]
        read_only_fields = fields

    def get_questions(self, obj) -> list[dict]:
        return ProviderQuestionSerializer(self.context["questions"], many=True).data


class EoiResultSerializer(serializers.Serializer):
    """A bidder's own outcome; scores are decimal strings, like the ranking's."""

    outcome = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    quality_score = serializers.IntegerField(allow_null=True)
    price_score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    feedback = serializers.CharField(help_text="The council's evaluation notes on the offer.")
    criteria = CriterionScoreSerializer(
        many=True, help_text="The score and note on each criterion; empty when the council "
                             "gave one overall quality score.")


class ProviderEoiSerializer(LeanRepresentation, serializers.ModelSerializer):
    """A provider's own EoI. Scores and rank appear only once the outcome is known."""

    opportunity = serializers.IntegerField(source="calloff_id")
    result = serializers.SerializerMethodField()

    class Meta:
        model = ExpressionOfInterest
        fields = ["id", "opportunity", "status", "price", "offered_price", "proposed_start",
                  "how_needs_met", "outcomes_approach", "submitted_at", "updated_at", "result"]
        read_only_fields = fields

    @extend_schema_field(EoiResultSerializer(allow_null=True))
    def get_result(self, obj):
        if not obj.outcome:
            return None
        return EoiResultSerializer({
            "outcome": obj.outcome, "rank": obj.rank, "quality_score": obj.quality_score,
            "price_score": obj.price_score, "total": obj.total_score,
            "feedback": obj.evaluation_notes, "criteria": _scored(obj)}).data


class EoiInputSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    proposed_start = serializers.DateField()
    how_needs_met = serializers.CharField()
    outcomes_approach = serializers.CharField(allow_blank=True, default="")


class EoiUpdateSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False)
    proposed_start = serializers.DateField(required=False)
    how_needs_met = serializers.CharField(required=False)
    outcomes_approach = serializers.CharField(allow_blank=True, required=False)


class RevisePriceInputSerializer(serializers.Serializer):
    price = serializers.DecimalField(max_digits=12, decimal_places=2)


class QuestionInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


# --- Authority-facing -------------------------------------------------------------------------

class AuthorityEoiSerializer(LeanRepresentation, serializers.ModelSerializer):
    provider_name = serializers.CharField(source="provider.name")
    above_budget = serializers.SerializerMethodField()
    # Blank until the call-off is decided: declared so the schema allows "" (read-only model
    # fields lose it).
    outcome = serializers.ChoiceField(choices=ExpressionOfInterest.Outcome.choices,
                                      allow_blank=True, read_only=True)
    criterion_scores = serializers.SerializerMethodField()

    class Meta:
        model = ExpressionOfInterest
        fields = ["id", "provider", "provider_name", "status", "price", "offered_price",
                  "above_budget", "proposed_start", "how_needs_met", "outcomes_approach",
                  "quality_score", "criterion_scores", "evaluation_notes", "submitted_at",
                  "outcome", "rank"]
        read_only_fields = fields

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criterion_scores(self, obj):
        return _scored(obj)

    def get_above_budget(self, obj) -> bool:
        return is_above_budget(obj.price, obj.calloff.referral.budget_amount)


class AuthorityQuestionSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Question
        fields = ["id", "text", "asked_at", "answer", "answered_at"]
        read_only_fields = fields


class CallOffSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")
    # Blank on a competition: declared so the schema allows "" (read-only fields lose it).
    choice_by = serializers.ChoiceField(choices=CallOff.ChoiceBy.choices, allow_blank=True,
                                        read_only=True)
    response_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = CallOff
        fields = ["id", "referral", "authority", "lot", "status", "route", "choice_by",
                  "deadline", "short_deadline_reason", "quality_weight", "price_weight",
                  "invited_count",
                  "response_count", "published_at", "closed_at", "negotiation_until",
                  "recommended_eoi", "recommendation_reason", "award_value",
                  "key_decision_reference", "approved_at", "ended_reason"]
        read_only_fields = fields


class CallOffDetailSerializer(CallOffSerializer):
    eois = serializers.SerializerMethodField()
    questions = AuthorityQuestionSerializer(many=True, read_only=True)
    budget_amount = serializers.DecimalField(source="referral.budget_amount", max_digits=12,
                                             decimal_places=2, allow_null=True)

    criteria = CriterionSerializer(many=True, read_only=True)

    class Meta(CallOffSerializer.Meta):
        fields = [*CallOffSerializer.Meta.fields, "budget_amount", "criteria", "eois",
                  "questions"]
        read_only_fields = fields

    def get_eois(self, obj) -> list[dict]:
        live = [e for e in obj.eois.all() if e.status == ExpressionOfInterest.Status.SUBMITTED]
        return AuthorityEoiSerializer(live, many=True).data


class RankingRowSerializer(serializers.Serializer):
    eoi = serializers.IntegerField()
    provider = serializers.IntegerField()
    provider_name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2)
    quality_score = serializers.IntegerField(allow_null=True)
    price_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    total = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    rank = serializers.IntegerField()
    criteria = CriterionScoreSerializer(many=True)


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    score = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(allow_blank=True, default="")


class EvaluateInputSerializer(serializers.Serializer):
    """v1's one `quality_score`, or (ADR 0026) a score per published criterion, whose
    weighted result becomes the quality_score; `scores` wins when both are sent."""

    quality_score = serializers.IntegerField(min_value=0, max_value=100, required=False)
    scores = ScoreInputSerializer(many=True, required=False)
    notes = serializers.CharField(allow_blank=True, default="")


class CriteriaInputSerializer(serializers.Serializer):
    criteria = CriterionInputSerializer(many=True)


class LotCriteriaSerializer(serializers.Serializer):
    """A lot's default quality criteria, which each call-off copies at publication."""

    lot = serializers.IntegerField()
    criteria = CriterionInputSerializer(many=True)


class RecommendInputSerializer(serializers.Serializer):
    eoi = serializers.IntegerField()
    reason = serializers.CharField()


class ApproveInputSerializer(serializers.Serializer):
    key_decision_reference = serializers.CharField(allow_blank=True, default="")


class ApproveOutputSerializer(serializers.Serializer):
    placement = serializers.IntegerField()


class PassOnInputSerializer(serializers.Serializer):
    to = serializers.IntegerField()
    note = serializers.CharField(allow_blank=True, default="")


class PassOnOutputSerializer(serializers.Serializer):
    to = serializers.IntegerField()
    name = serializers.CharField()


class CallOffReasonInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


class NegotiationInputSerializer(serializers.Serializer):
    until = serializers.DateTimeField()


class AnswerInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
