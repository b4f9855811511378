from django.contrib.auth import authenticate
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from dps import services, two_factor
from dps.api import serializers as s
from dps.api.auth import ExpiringTokenAuthentication, token_expired
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ANY_AUTHENTICATED, ActionRoles, roles
from dps.api.throttling import ScopedThrottle
from dps.errors import RuleViolation
from dps.models import AuditEntry, Organisation, Role, User

ADMIN = roles(Role.DPS_ADMIN)


class TokenView(APIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedThrottle]
    throttle_scope = "login"

    @extend_schema(request=s.TokenInputSerializer, responses={200: s.TokenOutputSerializer})
    def post(self, request):
        data = s.TokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes marks a lockout on it and its
        # middleware answers 429 from that mark.
        user = authenticate(request._request, username=data.validated_data["username"],
                            password=data.validated_data["password"])
        if user is None:
            raise RuleViolation("The username or password is not right.",
                                code="invalid_credentials")
        two_factor.verify_for_token(user, data.validated_data.get("otp"))
        token, _ = Token.objects.get_or_create(user=user)
        if token_expired(token):
            # An expired token is replaced, never revived.
            token.delete()
            token = Token.objects.create(user=user)
        return Response({"token": token.key})

    def get_authenticators(self):
        # Anyone may ask for a token, even with a stale one still in the header; revoking
        # needs the token itself.
        if getattr(self.request, "method", None) == "DELETE":
            return [ExpiringTokenAuthentication()]
        return []

    def get_permissions(self):
        if getattr(self.request, "method", None) == "DELETE":
            return [IsAuthenticated()]
        return super().get_permissions()

    @extend_schema(request=None, responses={204: None},
                   description="Revoke the caller's API token (sign out of the API).")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProviderRegisterView(APIView):
    """A provider registers itself: its organisation and first user."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedThrottle]
    throttle_scope = "register"

    @extend_schema(request=s.RegisterInputSerializer, responses={201: s.RegisterOutputSerializer})
    def post(self, request):
        data = s.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organisation, user = services.register_provider(**data.validated_data)
        return Response({"organisation": organisation.pk, "user": user.pk},
                        status=status.HTTP_201_CREATED)


class OrganisationViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    serializer_class = s.OrganisationSerializer
    # For the schema generator only; get_queryset scopes the rows per caller.
    queryset = Organisation.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED, "create": ADMIN}
    filterset_fields = ["kind", "is_lead", "area"]

    def get_queryset(self):
        user = self.request.user
        queryset = Organisation.objects.order_by("name")
        if user.is_authority_user:
            return queryset
        # A provider sees only its own organisation.
        return queryset.filter(pk=user.organisation_id)

    @extend_schema(request=s.OrganisationInputSerializer, responses={201: s.OrganisationSerializer})
    def create(self, request):
        data = self.validated(s.OrganisationInputSerializer)
        organisation = services.create_organisation(by=request.user, **data)
        return self.respond(organisation, status_code=status.HTTP_201_CREATED)


class UserViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    serializer_class = s.UserSerializer
    permission_classes = [ActionRoles]
    action_roles = {"list": ADMIN, "retrieve": ADMIN, "create": ADMIN, "me": ANY_AUTHENTICATED,
                    "reset_two_factor": ADMIN}
    filterset_fields = ["organisation", "is_active"]

    def get_queryset(self):
        return User.objects.order_by("username")

    @extend_schema(request=s.UserInputSerializer, responses={201: s.UserSerializer})
    def create(self, request):
        data = self.validated(s.UserInputSerializer)
        user = services.create_user(by=request.user, site_url=request.build_absolute_uri("/"),
                                    **data)
        return self.respond(user, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.UserSerializer,
                   description="Remove the user's authenticator apps; they may set up one new "
                               "app at their next sign-in (once). Audited; not one's own.")
    @action(detail=True, methods=["post"], url_path="reset-two-factor")
    def reset_two_factor(self, request, pk=None):
        user = two_factor.reset(self.get_object(), by=request.user)
        return self.respond(user)

    @extend_schema(responses=s.UserSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request):
        return self.respond(request.user)


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    """The audit trail, for the DPS administrator. Filter by `object_type` (app.model) and id."""

    serializer_class = s.AuditEntrySerializer
    permission_classes = [ActionRoles]
    action_roles = {"list": ADMIN, "retrieve": ADMIN}

    @extend_schema(parameters=[
        OpenApiParameter("object_type", str, description="e.g. providers.membership"),
        OpenApiParameter("object_id", int),
        OpenApiParameter("action", str),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
        params = self.request.query_params
        object_type = params.get("object_type", "")
        if object_type:
            app_label, _, model = object_type.partition(".")
            ct = ContentType.objects.filter(app_label=app_label, model=model).first()
            queryset = queryset.filter(content_type=ct) if ct else queryset.none()
        object_id = params.get("object_id", "")
        if object_id:
            if not object_id.isdigit():
                raise RuleViolation("object_id must be a whole number.", code="invalid",
                                    fields={"object_id": ["Must be a whole number."]})
            queryset = queryset.filter(object_id=int(object_id))
        if params.get("action"):
            queryset = queryset.filter(Q(action=params["action"]))
        return queryset
