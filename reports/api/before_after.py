"""The `before_after` block of `GET /api/v1/reports/market/` (API.md v1.1, ADR 0022)."""

from rest_framework import serializers


class BeforeAfterSerializer(serializers.Serializer):
    dps_start = serializers.DateField(help_text="The arrangement's `starts_on`.")
    providers_before = serializers.IntegerField(
        help_text="Providers used in the year before the arrangement started.")
    providers_after = serializers.IntegerField(help_text="Providers used in the latest year.")
    placements_before = serializers.IntegerField(
        help_text="Placements started in the year before the arrangement started.")
    placements_after = serializers.IntegerField(
        help_text="Placements started in the latest year.")
