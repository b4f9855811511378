"""Documents API (API.md v1.1 "Documents"). Visibility is exactly the attached object's
(documents/access.py): a document on an object the caller may not see is 404."""

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser

from documents import services
from documents.api import serializers as s
from documents.models import Document
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ANY_AUTHENTICATED, ActionRoles, roles
from dps.models import Role
from dps.privacy import carries_child_identity

UPLOADERS = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.PROVIDER)
ERRORS = ("400 `invalid`, `file_too_large` (the kind's limit), `file_type_not_allowed` "
          "(decided from the content, not the name), `malware_detected`, `file_unreadable`, "
          "`text_not_readable` (a PDF with no text where providers will read it) and "
          "`identifiers_in_text` (a document staff attach where providers will read it names "
          "the child: its text is extracted and checked); 403 `forbidden` (a role that "
          "cannot attach to such an object); 404 an object the caller may not see; 503 "
          "`scanner_unavailable` (the malware scanner is configured but cannot be reached: "
          "nothing is stored).")


def attachment_response(document, handle):
    response = FileResponse(handle, as_attachment=True, filename=document.name,
                            content_type=document.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


class DocumentViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Files attached to applications, memberships, referrals, expressions of interest,
    monitoring activities, action items and placements."""

    serializer_class = s.DocumentSerializer
    queryset = Document.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED,
                    "download": ANY_AUTHENTICATED, "create": UPLOADERS,
                    "destroy": UPLOADERS}
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Document.objects.none()
        attached_to = object_id = None
        if self.action == "list":
            params = self.validated(s.DocumentFilterSerializer, data=self.request.query_params)
            attached_to, object_id = params.get("attached_to"), params.get("object")
        return services.visible_documents(self.request.user, attached_to, object_id)

    @extend_schema(parameters=[
        OpenApiParameter("attached_to", str, enum=list(s.ATTACHMENTS)),
        OpenApiParameter("object", int)])
    def list(self, request, *args, **kwargs):
        """The documents on objects the caller may see, newest first."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request={"multipart/form-data": s.DocumentUploadSerializer},
                   responses={201: s.DocumentSerializer}, description=ERRORS)
    def create(self, request):
        """Attach a file (multipart: `file`, `attached_to`, `object`, `kind`, `expires_on`)."""
        data = self.validated(s.DocumentUploadSerializer)
        document = services.upload_document(
            by=request.user, attached_to=data["attached_to"], object_id=data["object"],
            kind=data["kind"], file=data["file"], expires_on=data.get("expires_on"))
        return self.respond(document, status_code=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY,
                              404: OpenApiResponse(description="Not yours to see.")})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        """The bytes, as an attachment (`nosniff`, `no-store`); every download is audited."""
        document = self.get_object()
        return attachment_response(document, services.record_download(document,
                                                                      by=request.user))

    @extend_schema(responses={204: None}, description="The uploader deletes a document while "
                   "its object is a draft; afterwards documents are kept: 409 "
                   "`invalid_transition`. Anyone else: 403 `forbidden`.")
    def destroy(self, request, pk=None):
        from rest_framework.response import Response

        services.delete_document(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(
            request, force=force or getattr(self, "action", None) == "download")


# Downloads can carry a child's identity (a placement's care plan): never stored by a browser.
carries_child_identity(DocumentViewSet)
