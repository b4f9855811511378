from rest_framework import serializers

from contracts.models import Placement


class PlacementSerializer(serializers.ModelSerializer):
    lot = serializers.CharField(source="lot.code")
    end_date = serializers.SerializerMethodField()
    next_review_date = serializers.SerializerMethodField()

    class Meta:
        model = Placement
        fields = ["id", "authority", "provider", "provider_name", "lot", "route", "calloff",
                  "start_date", "planned_end_date", "end_date", "price", "price_unit",
                  "hours_per_week", "status", "next_review_date"]
        read_only_fields = fields

    def get_end_date(self, obj) -> str | None:
        end = obj.end_date or obj.planned_end_date
        return end.isoformat() if end else None

    def get_next_review_date(self, obj) -> str | None:
        return None  # review schedules arrive with the placements work


class AwardedProviderChildSerializer(serializers.Serializer):
    """The awarded provider needs to know whom it cares for: name and date of birth only."""

    first_name = serializers.CharField()
    last_name = serializers.CharField()
    date_of_birth = serializers.DateField()


class AuthorityChildSerializer(AwardedProviderChildSerializer):
    case_reference = serializers.CharField()


class ProviderPlacementSerializer(PlacementSerializer):
    child = AwardedProviderChildSerializer(read_only=True, allow_null=True)

    class Meta(PlacementSerializer.Meta):
        fields = [*PlacementSerializer.Meta.fields, "child"]
        read_only_fields = fields


class AuthorityPlacementSerializer(PlacementSerializer):
    child = AuthorityChildSerializer(read_only=True, allow_null=True)

    class Meta(PlacementSerializer.Meta):
        fields = [*PlacementSerializer.Meta.fields, "child", "exception_reason"]
        read_only_fields = fields
