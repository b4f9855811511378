from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from calloffs import services as calloff_services
from calloffs.direct_award import direct_award
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.api.scoping import for_authority
from dps.errors import RuleViolation
from dps.models import Organisation, Role
from providers.api.views import resolve_dps
from referrals import services
from referrals.api import serializers as s
from referrals.models import Child, Need, Referral
from referrals.subject_access import subject_access_export

STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE)
COMMISSIONER = roles(Role.COMMISSIONER)


class ReferralViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                      viewsets.GenericViewSet):
    """Referrals, on the authority side only: the child's identity never leaves it."""

    carries_child_identity = True
    serializer_class = s.ReferralSerializer
    queryset = Referral.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": STAFF, "retrieve": STAFF, "create": COMMISSIONER,
                    "partial_update": COMMISSIONER, "publish": COMMISSIONER,
                    "panel_decision": COMMISSIONER, "withdraw": COMMISSIONER,
                    "direct_award": COMMISSIONER}
    filterset_fields = ["status", "urgency"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Referral.objects.none()
        queryset = Referral.objects.select_related("child", "lot", "calloff").prefetch_related(
            Prefetch("needs", queryset=Need.objects.order_by("position")))
        return for_authority(queryset, self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=s.ReferralInputSerializer, responses={201: s.ReferralSerializer})
    def create(self, request):
        data = self.validated(s.ReferralInputSerializer)
        dps = resolve_dps(data.pop("dps", None))
        lot = s.resolve_lot(data.pop("lot"), dps)
        if lot is None:
            raise RuleViolation("Unknown lot.", code="invalid",
                                fields={"lot": [f"Not a lot of {dps.name}."]})
        referral = services.create_referral(by=request.user, lot=lot, **data)
        return self.respond(self.get_queryset().get(pk=referral.pk),
                            status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReferralChangeSerializer, responses=s.ReferralSerializer,
                   description="Change a draft referral (the same service and checks as the "
                               "referral's change page); any other status is 409 "
                               "`invalid_transition`.")
    def partial_update(self, request, pk=None):
        referral = self.get_object()
        data = self.validated(s.ReferralChangeSerializer, partial=True)
        services.change_referral(referral, by=request.user, **data)
        return self.respond(self.get_queryset().get(pk=referral.pk))

    @extend_schema(request=s.PublishInputSerializer, responses={201: s.PublishOutputSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        referral = self.get_object()
        data = self.validated(s.PublishInputSerializer)
        calloff = calloff_services.publish_referral(referral, by=request.user, **data)
        return Response({"calloff": calloff.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DirectAwardInputSerializer,
                   responses={201: s.DirectAwardOutputSerializer},
                   description="The user-choice route (light-touch regimes only, else 409 "
                               "`direct_award_not_allowed`): the referral's call-off awaits "
                               "the budget holder's approval, with no invitations.")
    @action(detail=True, methods=["post"], url_path="direct-award")
    def direct_award(self, request, pk=None):
        referral = self.get_object()
        data = self.validated(s.DirectAwardInputSerializer)
        provider = Organisation.objects.filter(pk=data.pop("provider"),
                                               kind=Organisation.Kind.PROVIDER).first()
        if provider is None:
            raise RuleViolation("There is no such provider.", code="not_a_member",
                                fields={"provider": ["Not a provider admitted to the lot."]})
        calloff = direct_award(referral, by=request.user, provider=provider, **data)
        return Response(s.DirectAwardOutputSerializer(calloff).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PanelDecisionInputSerializer, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"], url_path="panel-decision")
    def panel_decision(self, request, pk=None):
        referral = self.get_object()
        data = self.validated(s.PanelDecisionInputSerializer)
        services.record_panel_decision(referral, by=request.user, **data)
        return self.respond(self.get_queryset().get(pk=referral.pk))

    @extend_schema(request=None, responses=s.ReferralSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        referral = self.get_object()
        services.withdraw_referral(referral, by=request.user)
        return self.respond(self.get_queryset().get(pk=referral.pk))


class NeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The needs taxonomy."""

    serializer_class = s.NeedSerializer
    queryset = Need.objects.filter(is_active=True).order_by("position", "name")
    pagination_class = None
    permission_classes = [ActionRoles]
    action_roles = {"list": "__any__"}


class ChildViewSet(viewsets.GenericViewSet):
    """Children's records for the DPS administrator: the subject-access export only."""

    carries_child_identity = True
    permission_classes = [ActionRoles]
    action_roles = {"subject_access": roles(Role.DPS_ADMIN)}
    queryset = Child.objects.select_related("authority").order_by("pk")
    serializer_class = None

    @extend_schema(request=None, responses={200: OpenApiTypes.OBJECT},
                   description="Everything held about one child (UK GDPR Article 15), as JSON. "
                               "DPS administrator only; the export is audited.")
    @action(detail=True, methods=["get"], url_path="subject-access")
    def subject_access(self, request, pk=None):
        return Response(subject_access_export(self.get_object(), by=request.user))
