from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from dps.api.lean import LeanRepresentation
from notices import rules
from notices.models import Kind, Notice


class NoticeQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Notice.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)


class SubjectSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.IntegerField()


class NoticeSerializer(LeanRepresentation, serializers.ModelSerializer):
    code = serializers.SerializerMethodField(help_text="The Find a Tender notice code.")
    title = serializers.SerializerMethodField()
    subject = SubjectSerializer(read_only=True)
    ocds = serializers.SerializerMethodField(
        help_text="The notice's OCDS release with the UK extension's fields.")

    class Meta:
        model = Notice
        fields = ["id", "kind", "code", "title", "subject", "due_by", "status", "event_on",
                  "notice_identifier", "published_on", "ocds"]

    def get_code(self, notice) -> str:
        return rules.code(notice.kind)

    def get_title(self, notice) -> str:
        return f"{notice.get_kind_display()}: {notice.dps.name}"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_ocds(self, notice):
        return self.context["releases"][notice.pk]


class PublishedInputSerializer(serializers.Serializer):
    notice_identifier = serializers.CharField(max_length=100)
    published_on = serializers.DateField()
