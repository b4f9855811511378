from rest_framework import serializers

from documents.access import ATTACHMENTS
from documents.models import Document, Kind


class DocumentSerializer(serializers.ModelSerializer):
    """What anyone who may see the object sees of a document (an allowlist)."""

    object = serializers.IntegerField(source="object_id")

    class Meta:
        model = Document
        fields = ["id", "name", "size", "content_type", "sha256", "kind", "expires_on",
                  "attached_to", "object", "scan", "text_checked", "uploaded_at"]


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=False, use_url=False)
    attached_to = serializers.ChoiceField(choices=list(ATTACHMENTS))
    object = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=Kind.choices)
    expires_on = serializers.DateField(required=False, allow_null=True)


class DocumentFilterSerializer(serializers.Serializer):
    attached_to = serializers.ChoiceField(choices=list(ATTACHMENTS), required=False)
    object = serializers.IntegerField(min_value=1, required=False)
