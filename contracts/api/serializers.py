"""Serializers per actor and action. Provider-facing ones are allowlists: every field named."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contracts import services
from contracts.models import (
    AgreementVersion,
    BlockContract,
    EndReason,
    FeeChange,
    FeePeriod,
    Placement,
    PlacementReview,
    SupportItem,
    VolumeDiscountTier,
)
from dps.api.lean import LeanRepresentation
from referrals.api.serializers import ChildInputSerializer

MONEY = {"max_digits": 12, "decimal_places": 2}
# One field formats every row's price (issue 19: building a DecimalField per row was a tenth
# of a list request); to_representation reads only the field's settings, never its binding.
PRICE = serializers.DecimalField(**MONEY)


# --- Placements -------------------------------------------------------------------------------

class PlacementSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")
    # "" until the placement ends: declared so the schema allows it.
    end_reason = serializers.ChoiceField(EndReason.choices, allow_blank=True, read_only=True)
    end_date = serializers.SerializerMethodField()
    price = serializers.SerializerMethodField()
    next_review_date = serializers.SerializerMethodField()

    class Meta:
        model = Placement
        fields = ["id", "authority", "provider", "provider_name", "lot", "route", "calloff",
                  "block", "start_date", "planned_end_date", "end_date", "end_reason", "price",
                  "price_unit", "hours_per_week", "price_before_discount", "discount_percent",
                  "status", "next_review_date", "approval", "value"]
        read_only_fields = fields

    def get_end_date(self, obj) -> str | None:
        end = obj.end_date or obj.planned_end_date
        return end.isoformat() if end else None

    @extend_schema_field(serializers.DecimalField(**MONEY))
    def get_price(self, obj):
        # The price in force today, from the fee periods (annotated by the selector).
        price = getattr(obj, "current_price", None)
        return PRICE.to_representation(obj.price if price is None else price)

    def get_next_review_date(self, obj) -> str | None:
        if hasattr(obj, "next_review"):
            due = obj.next_review
        else:
            review = services.next_review(obj)
            due = review.due_date if review else None
        return due.isoformat() if due else None


class AwardedProviderChildSerializer(LeanRepresentation, serializers.Serializer):
    """The awarded provider needs to know whom it cares for: name and date of birth only."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()


class AuthorityChildSerializer(AwardedProviderChildSerializer):
    case_reference = serializers.CharField()


class FeePeriodSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = FeePeriod
        fields = ["price", "unit", "effective_from", "effective_to", "fee_change"]
        read_only_fields = fields


class ProviderPlacementSerializer(PlacementSerializer):
    child = AwardedProviderChildSerializer(read_only=True, allow_null=True)

    class Meta(PlacementSerializer.Meta):
        fields = [*PlacementSerializer.Meta.fields, "child"]
        read_only_fields = fields


class AuthorityPlacementSerializer(PlacementSerializer):
    child = AuthorityChildSerializer(read_only=True, allow_null=True)

    class Meta(PlacementSerializer.Meta):
        fields = [*PlacementSerializer.Meta.fields, "child", "exception_reason", "end_notes",
                  "key_decision_reference", "approved_at", "approved_by"]
        read_only_fields = fields


class ProviderPlacementDetailSerializer(ProviderPlacementSerializer):
    fee_periods = FeePeriodSerializer(many=True, read_only=True)

    class Meta(ProviderPlacementSerializer.Meta):
        fields = [*ProviderPlacementSerializer.Meta.fields, "fee_periods"]
        read_only_fields = fields


class AuthorityPlacementDetailSerializer(AuthorityPlacementSerializer):
    fee_periods = FeePeriodSerializer(many=True, read_only=True)

    class Meta(AuthorityPlacementSerializer.Meta):
        fields = [*AuthorityPlacementSerializer.Meta.fields, "fee_periods"]
        read_only_fields = fields


class SpotPlacementInputSerializer(serializers.Serializer):
    provider_name = serializers.CharField(max_length=200, allow_blank=True, default="")
    provider = serializers.IntegerField(required=False, allow_null=True, default=None,
                                        help_text="The provider organisation, if listed.")
    lot = serializers.CharField(help_text="Lot code (or id).")
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    price = serializers.DecimalField(**MONEY)
    start_date = serializers.DateField()
    planned_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                              max_value=168, required=False, allow_null=True,
                                              default=None)
    exception_reason = serializers.CharField(
        help_text="Why the placement is bought off-contract.")
    calloff = serializers.IntegerField(required=False, allow_null=True, default=None,
                                       help_text="The call-off that ended without an award.")
    child = ChildInputSerializer(required=False, allow_null=True, default=None)
    key_decision_reference = serializers.CharField(
        max_length=100, allow_blank=True, default="",
        help_text="When the caller is a budget holder and the value is above £500,000: the key "
                  "decision's reference, to approve it at once.")


class ApprovalInputSerializer(serializers.Serializer):
    key_decision_reference = serializers.CharField(
        max_length=100, allow_blank=True, default="",
        help_text="Required when the value is above £500,000 (a key decision).")


class EndInputSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason = serializers.ChoiceField(EndReason.choices)
    notes = serializers.CharField(allow_blank=True, default="")


# --- Fee changes ------------------------------------------------------------------------------

class FeeChangeSerializer(LeanRepresentation, serializers.ModelSerializer):
    """The same for both sides: nothing here identifies the child."""

    class Meta:
        model = FeeChange
        fields = ["id", "placement", "status", "new_price", "previous_price", "effective_from",
                  "reason", "backdating_reason", "price_cap", "cap_warning_acknowledged",
                  "requested_at", "decided_at", "decline_reason"]
        read_only_fields = fields


class FeeChangeInputSerializer(serializers.Serializer):
    new_price = serializers.DecimalField(**MONEY)
    effective_from = serializers.DateField()
    reason = serializers.CharField()
    backdating_reason = serializers.CharField(allow_blank=True, default="")
    acknowledge_cap_warning = serializers.BooleanField(
        default=False, help_text="Commissioners: accept a new price above the provider's cap.")


class ApproveFeeChangeInputSerializer(serializers.Serializer):
    acknowledge_cap_warning = serializers.BooleanField(default=False)


class DeclineFeeChangeInputSerializer(serializers.Serializer):
    reason = serializers.CharField()


# --- Support items and reviews ----------------------------------------------------------------

class SupportItemSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = SupportItem
        fields = ["id", "placement", "description", "weekly_cost", "start_date", "review_date",
                  "end_date", "reviewed_on"]
        read_only_fields = fields


class SupportItemInputSerializer(serializers.Serializer):
    description = serializers.CharField()
    weekly_cost = serializers.DecimalField(**MONEY)
    start_date = serializers.DateField()
    review_date = serializers.DateField()
    end_date = serializers.DateField()


class SupportReviewInputSerializer(serializers.Serializer):
    reviewed_on = serializers.DateField()
    next_review_date = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(allow_blank=True, default="")


class ProviderReviewSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = PlacementReview
        fields = ["sequence", "due_date", "done_date"]
        read_only_fields = fields


class AuthorityReviewSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = PlacementReview
        fields = ["sequence", "due_date", "done_date", "notes"]
        read_only_fields = fields


class ReviewInputSerializer(serializers.Serializer):
    done_date = serializers.DateField()
    notes = serializers.CharField(allow_blank=True, default="")


class AgreementVersionSerializer(LeanRepresentation, serializers.ModelSerializer):
    class Meta:
        model = AgreementVersion
        fields = ["version", "reason", "sha256", "created_at"]
        read_only_fields = fields


# --- Block contracts --------------------------------------------------------------------------

class BlockContractSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")
    provider_name = serializers.CharField(source="provider.name")
    occupied_today = serializers.SerializerMethodField(
        help_text="Beds occupied today by placements into the block.")

    class Meta:
        model = BlockContract
        fields = ["id", "authority", "provider", "provider_name", "lot", "reference", "beds",
                  "price_per_bed", "unit", "hours_per_week", "start_date", "end_date", "notes",
                  "price_cap", "cap_warning_acknowledged", "occupied_today", "created_at",
                  "approval", "value"]
        read_only_fields = fields

    def get_occupied_today(self, obj) -> int:
        return getattr(obj, "occupied_today", 0) or 0


class BlockContractInputSerializer(serializers.Serializer):
    provider = serializers.IntegerField(help_text="The provider organisation: an admitted "
                                                  "member of the lot.")
    lot = serializers.CharField(help_text="Lot code (or id).")
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    reference = serializers.CharField(max_length=60, allow_blank=True, default="")
    beds = serializers.IntegerField(min_value=1, max_value=10000)
    price_per_bed = serializers.DecimalField(**MONEY, help_text="In the lot's unit.")
    hours_per_week = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                              max_value=168, required=False, allow_null=True,
                                              default=None,
                                              help_text="Needed when the lot is priced by hour.")
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    notes = serializers.CharField(allow_blank=True, default="")
    acknowledge_cap_warning = serializers.BooleanField(
        default=False, help_text="Accept a price per bed above the provider's cap.")
    key_decision_reference = serializers.CharField(
        max_length=100, allow_blank=True, default="",
        help_text="When the caller is a budget holder and the value is above £500,000: the key "
                  "decision's reference, to approve it at once.")


class BlockPlacementInputSerializer(serializers.Serializer):
    start_date = serializers.DateField(help_text="Within the block's dates.")
    planned_end_date = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="On or before the block's end; the block's end by default.")
    child = ChildInputSerializer(required=False, allow_null=True, default=None)


class OccupancySerializer(serializers.Serializer):
    block = serializers.IntegerField()
    date_from = serializers.DateField(help_text="As asked (`from`).")
    date_to = serializers.DateField(help_text="As asked (`to`).")
    days = serializers.IntegerField(help_text="Days of the range within the block's dates.")
    beds = serializers.IntegerField()
    bed_days_bought = serializers.IntegerField()
    bed_days_occupied = serializers.IntegerField()
    void_bed_days = serializers.IntegerField()
    occupancy_percent = serializers.DecimalField(max_digits=5, decimal_places=2,
                                                 allow_null=True)
    daily_bed_price = serializers.DecimalField(
        max_digits=14, decimal_places=4,
        help_text="price / 7 (week), price × hours_per_week / 7 (hour), price / 365 (year).")
    cost_bought = serializers.DecimalField(**MONEY, help_text="Bed-days bought × daily price.")
    void_cost = serializers.DecimalField(**MONEY, help_text="Void bed-days × daily price.")
    placements = serializers.IntegerField(help_text="Placements with days in the range.")


# --- Volume discounts -------------------------------------------------------------------------

class VolumeDiscountSerializer(LeanRepresentation, serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")
    provider_name = serializers.CharField(source="provider.name")

    class Meta:
        model = VolumeDiscountTier
        fields = ["id", "provider", "provider_name", "lot", "min_concurrent", "percent",
                  "created_at"]
        read_only_fields = fields


class VolumeDiscountInputSerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    lot = serializers.CharField(help_text="Lot code (or id).")
    dps = serializers.SlugField(required=False, help_text="DPS code; the children's by default.")
    min_concurrent = serializers.IntegerField(
        help_text="Applies when the provider has at least this many live placements on the "
                  "lot, the new one included (2 or more).")
    percent = serializers.DecimalField(max_digits=5, decimal_places=2,
                                       help_text="More than 0 and less than 100.")
