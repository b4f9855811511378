from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ANY_AUTHENTICATED, ActionRoles, roles
from dps.errors import NotFound, RuleViolation
from dps.models import Role
from providers import selectors, services
from providers.api import serializers as s
from providers.models import AdmissionRound, Application, Debarment, Dps, Lot, Membership

ADMIN = roles(Role.DPS_ADMIN)
PROVIDER = roles(Role.PROVIDER)
APPLICATION_READERS = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.PROVIDER)
DPS_PARAM = OpenApiParameter("dps", str, description="DPS code; the children's DPS by default.")


def resolve_dps(code):
    # A NUL byte cannot reach PostgreSQL (it would be a 500): such a code names no DPS.
    dps = None if code and "\x00" in str(code) else selectors.dps_by_code(code)
    if dps is None:
        raise RuleViolation(f"There is no DPS with code {code!r}.", code="invalid",
                            fields={"dps": ["Unknown DPS."]})
    return dps


class DpsViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                 viewsets.GenericViewSet):
    """The arrangements run in this installation, with their lots and rule settings."""

    serializer_class = s.DpsSerializer
    queryset = Dps.objects.prefetch_related("lots").order_by("name")
    lookup_field = "code"
    permission_classes = [ActionRoles]
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED, "create": ADMIN,
                    "dynamic_market": ADMIN, "conditions": ADMIN}

    @extend_schema(request=s.DpsInputSerializer, responses={201: s.DpsSerializer})
    def create(self, request):
        data = self.validated(s.DpsInputSerializer)
        dps = services.create_dps(by=request.user, **data)
        return self.respond(dps, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConditionsInputSerializer, responses=s.DpsSerializer,
                   description="Change the conditions of membership. In an established "
                               "dynamic market under the Act they are fixed (s.36): 409 "
                               "`conditions_fixed` unless a `modification_reason` records a "
                               "modification.")
    @action(detail=True, methods=["post"])
    def conditions(self, request, code=None):
        from providers.conditions import change_conditions

        dps = self.get_object()
        data = self.validated(s.ConditionsInputSerializer)
        change_conditions(dps, by=request.user, **data)
        return self.respond(Dps.objects.prefetch_related("lots").get(pk=dps.pk))

    @extend_schema(request=s.DynamicMarketInputSerializer, responses={201: s.DpsSerializer},
                   description="Start a dynamic market under the Procurement Act 2023 from this "
                               "DPS under the 2015 Regulations: its lots and units are copied "
                               "and its current members are invited to apply (ADR 0017).")
    @action(detail=True, methods=["post"], url_path="dynamic-market")
    def dynamic_market(self, request, code=None):
        from providers.successor import start_dynamic_market

        dps = self.get_object()
        data = self.validated(s.DynamicMarketInputSerializer)
        market = start_dynamic_market(dps, by=request.user, **data)
        return self.respond(Dps.objects.prefetch_related("lots").get(pk=market.pk),
                            status_code=status.HTTP_201_CREATED)


class LotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Lots of a DPS (public information: anyone may read them)."""

    serializer_class = s.LotSerializer
    # For the schema generator only (it must not touch the database); see get_queryset.
    queryset = Lot.objects.none()
    permission_classes = [AllowAny]
    pagination_class = None

    @extend_schema(parameters=[DPS_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        if self.action == "retrieve":
            return Lot.objects.select_related("dps")
        return selectors.lots_for(resolve_dps(self.request.query_params.get("dps"))) \
            .select_related("dps")


class RoundViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   viewsets.GenericViewSet):
    serializer_class = s.RoundSerializer
    # For the schema generator only (it must not touch the database); see get_queryset.
    queryset = AdmissionRound.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED, "create": ADMIN,
                    "close": ADMIN, "open": ADMIN}
    filterset_fields = ["status"]

    @extend_schema(parameters=[DPS_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        queryset = AdmissionRound.objects.select_related("dps").order_by("-opens_at", "-id")
        if self.action == "list":
            queryset = queryset.filter(dps=resolve_dps(self.request.query_params.get("dps")))
        return queryset

    @extend_schema(request=s.RoundInputSerializer, responses={201: s.RoundSerializer})
    def create(self, request):
        data = self.validated(s.RoundInputSerializer)
        round_ = services.create_round(
            by=request.user, dps=resolve_dps(data.get("dps")), opens_at=data["opens_at"],
            closes_at=data["closes_at"],
        )
        return self.respond(round_, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self.respond(services.close_round(self.get_object(), by=request.user))

    @extend_schema(request=None, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self.respond(services.open_round(self.get_object(), by=request.user))


class ApplicationViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    serializer_class = s.ApplicationSerializer
    # For the schema generator only; get_queryset scopes the rows per caller.
    queryset = Application.objects.none()
    permission_classes = [ActionRoles]
    # Applications carry credit checks and financial standing: the DPS team and commissioners
    # read them; budget holders and finance do not need to.
    action_roles = {
        "list": APPLICATION_READERS, "retrieve": APPLICATION_READERS,
        "create": PROVIDER, "partial_update": PROVIDER, "submit": PROVIDER, "withdraw": PROVIDER,
        "decide": ADMIN, "extend_evaluation": ADMIN,
    }
    filterset_fields = ["status", "round"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        queryset = selectors.applications_with_lots().order_by("-created_at", "-id")
        if user.has_role(Role.DPS_ADMIN, Role.COMMISSIONER):
            return queryset
        return queryset.filter(provider_id=user.organisation_id)

    def get_object(self):
        application = super().get_object()
        # Providers change only their own; staff only decide (queryset already scopes reads).
        if self.action in {"partial_update", "submit", "withdraw"} and \
                application.provider_id != self.request.user.organisation_id:
            raise NotFound()
        return application

    def _fresh(self, application):
        return selectors.applications_with_lots().get(pk=application.pk)

    @extend_schema(request=s.ApplicationInputSerializer, responses={201: s.ApplicationSerializer})
    def create(self, request):
        data = self.validated(s.ApplicationInputSerializer)
        dps = resolve_dps(data.pop("dps", None))
        application = services.create_application(
            by=request.user, provider=request.user.organisation, dps=dps, **data
        )
        return self.respond(self._fresh(application), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ApplicationUpdateSerializer, responses=s.ApplicationSerializer)
    def partial_update(self, request, pk=None):
        application = self.get_object()
        data = self.validated(s.ApplicationUpdateSerializer)
        application = services.update_application(application, by=request.user, **data)
        return self.respond(self._fresh(application))

    @extend_schema(request=None, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = services.submit_application(self.get_object(), by=request.user)
        return self.respond(self._fresh(application))

    @extend_schema(request=s.ReasonInputSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self.validated(s.ReasonInputSerializer)
        application = services.withdraw_application(self.get_object(), by=request.user, **data)
        return self.respond(self._fresh(application))

    @extend_schema(request=s.DecideInputSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        data = self.validated(s.DecideInputSerializer)
        application = services.decide_application(application, by=request.user, **data)
        return self.respond(self._fresh(application))

    @extend_schema(request=s.ExtendEvaluationInputSerializer, responses=s.ApplicationSerializer)
    @action(detail=True, methods=["post"], url_path="extend-evaluation")
    def extend_evaluation(self, request, pk=None):
        application = self.get_object()
        data = self.validated(s.ExtendEvaluationInputSerializer)
        application = services.extend_evaluation(application, by=request.user, **data)
        return self.respond(self._fresh(application))


class MembershipViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = s.MembershipSerializer
    # For the schema generator only; get_queryset scopes the rows per caller.
    queryset = Membership.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED,
                    "suspend": ADMIN, "reinstate": ADMIN, "remove": ADMIN}

    @extend_schema(parameters=[
        OpenApiParameter("provider", int),
        OpenApiParameter("lot", str, description="Lot code or id."),
        OpenApiParameter("status", str, enum=["admitted", "suspended", "removed"]),
        OpenApiParameter("dps", str, description="DPS code."),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        queryset = selectors.memberships().order_by("lot__dps_id", "lot__position",
                                                    "provider__name", "id")
        if not user.is_authority_user:
            queryset = queryset.filter(provider_id=user.organisation_id)
        if self.action != "list":
            return queryset
        params = self.request.query_params
        if params.get("provider"):
            if not params["provider"].isdigit():
                raise RuleViolation("provider must be an id.", code="invalid",
                                    fields={"provider": ["Must be a whole number."]})
            queryset = queryset.filter(provider_id=int(params["provider"]))
        if params.get("lot"):
            lot = params["lot"]
            queryset = queryset.filter(Q(lot__code=lot) | Q(lot_id=int(lot)) if lot.isdigit()
                                       else Q(lot__code=lot))
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if params.get("dps"):
            queryset = queryset.filter(lot__dps__code=params["dps"])
        return queryset

    @extend_schema(request=s.SuspendInputSerializer, responses=s.MembershipSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        membership = self.get_object()
        data = self.validated(s.SuspendInputSerializer)
        return self.respond(services.suspend_membership(membership, by=request.user, **data))

    @extend_schema(request=s.ReasonInputSerializer, responses=s.MembershipSerializer)
    @action(detail=True, methods=["post"])
    def reinstate(self, request, pk=None):
        membership = self.get_object()
        data = self.validated(s.ReasonInputSerializer)
        return self.respond(services.reinstate_membership(membership, by=request.user, **data))

    @extend_schema(request=s.RequiredReasonInputSerializer, responses=s.MembershipSerializer)
    @action(detail=True, methods=["post"])
    def remove(self, request, pk=None):
        membership = self.get_object()
        data = self.validated(s.RequiredReasonInputSerializer)
        return self.respond(services.remove_membership(membership, by=request.user, **data))


class DebarmentViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """The debarment list the DPS administrator keeps: a listed provider cannot be admitted."""

    serializer_class = s.DebarmentSerializer
    queryset = Debarment.objects.order_by("-starts_on", "-id")
    permission_classes = [ActionRoles]
    action_roles = {"list": ADMIN, "retrieve": ADMIN, "create": ADMIN}

    @extend_schema(request=s.DebarmentInputSerializer, responses={201: s.DebarmentSerializer})
    def create(self, request):
        data = self.validated(s.DebarmentInputSerializer)
        debarment = services.add_debarment(by=request.user, **data)
        return self.respond(debarment, status_code=status.HTTP_201_CREATED)
