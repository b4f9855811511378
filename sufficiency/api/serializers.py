from rest_framework import serializers

from dps import areas
from dps.api.lean import LeanRepresentation
from dps.api.serializers import AreaField
from sufficiency.models import Vacancy

STATUSES = ["live", "expired", "hidden", "withdrawn"]


class VacancyInputSerializer(serializers.Serializer):
    """Shape only: the rules (admitted on the lot, needs in the taxonomy, ages in order) are
    the service's."""

    lot = serializers.CharField(help_text="Lot code (or id).")
    places = serializers.IntegerField(min_value=1, max_value=99)
    area = AreaField(help_text="A local authority area in England: ONS name or GSS code.")
    age_from = serializers.IntegerField(min_value=0, max_value=25)
    age_to = serializers.IntegerField(min_value=0, max_value=25)
    needs = serializers.ListField(child=serializers.CharField(max_length=40), default=list,
                                  help_text="Need codes (GET /api/v1/needs/).")
    available_from = serializers.DateField()
    notes = serializers.CharField(max_length=300, allow_blank=True, default="",
                                  help_text="Short, and no personal data about any child.")


class VacancyFilterSerializer(serializers.Serializer):
    lot = serializers.CharField(required=False)
    area = serializers.CharField(required=False, max_length=100)
    need = serializers.CharField(required=False, max_length=40)
    age = serializers.IntegerField(required=False, min_value=0, max_value=25)


class VacancySerializer(LeanRepresentation, serializers.ModelSerializer):
    """A vacancy as authority staff and its own provider see it (an allowlist)."""

    lot = serializers.SlugRelatedField(slug_field="code", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    area = serializers.SerializerMethodField()
    needs = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    status = serializers.ChoiceField(STATUSES, read_only=True,
                                     help_text="`hidden`: the provider is not admitted on the "
                                               "lot (suspended or removed).")

    class Meta:
        model = Vacancy
        fields = ["id", "provider", "provider_name", "lot", "places", "area", "area_code",
                  "age_from", "age_to", "needs", "available_from", "notes", "posted_at",
                  "confirmed_at", "expires_on", "status"]
        read_only_fields = fields

    def get_area(self, obj) -> str:
        area = areas.find(obj.area_code)
        return area.name if area else obj.area_code
