
from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from calloffs import quality, selectors, services
from calloffs.api import serializers as s
from calloffs.models import CallOff, ExpressionOfInterest, Invitation, Question
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.api.scoping import for_authority, for_provider
from dps.errors import NotFound, RuleViolation
from dps.models import Role
from providers.models import Lot

DPS_ADMIN = roles(Role.DPS_ADMIN)
STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE)
COMMISSIONER = roles(Role.COMMISSIONER)
BUDGET_HOLDER = roles(Role.BUDGET_HOLDER)
PROVIDER = roles(Role.PROVIDER)
# Staff and providers read EoIs through different serializers: the schema names both.
EOI_FOR_CALLER = PolymorphicProxySerializer(
    component_name="EoiForCaller",
    serializers=[s.AuthorityEoiSerializer, s.ProviderEoiSerializer],
    resource_type_field_name=None)


class OpportunityViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """The call-offs a provider is invited to, anonymised. Others are 404."""

    serializer_class = s.OpportunitySerializer
    queryset = CallOff.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": PROVIDER, "retrieve": PROVIDER, "eois": PROVIDER,
                    "questions": PROVIDER}

    @extend_schema(parameters=[
        OpenApiParameter("lot", str, description="Lot code."),
        OpenApiParameter("need", str, description="Need code."),
        OpenApiParameter("area", str, description="Location area (exact, any case)."),
        OpenApiParameter("status", str, description="e.g. open"),
        OpenApiParameter("closing_soon", bool, description="Open and closing within 48 hours."),
    ])
    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.attach_need_codes(list(page))
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallOff.objects.none()
        if self.action != "list":
            return selectors.opportunities_for(self.request.user.organisation_id).order_by(
                "-published_at", "-id")
        params = self.request.query_params
        queryset = selectors.filter_opportunities(
            selectors.opportunity_list(self.request.user.organisation_id),
            lot=params.get("lot", ""), need=params.get("need", ""), area=params.get("area", ""),
            closing_soon=params.get("closing_soon", "").lower() in {"1", "true", "yes"})
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        return queryset.order_by("-published_at", "-id")

    def exact_count(self):
        """Unfiltered, the list is the provider's invitations (one per call-off: a unique
        constraint), counted from their index alone (1 ms instead of 5-179 ms)."""
        if self.action != "list" or self.request.query_params.keys() - {"page", "page_size"}:
            return None
        return Invitation.objects.filter(provider_id=self.request.user.organisation_id).count()

    def get_serializer_class(self):
        return s.OpportunityDetailSerializer if self.action == "retrieve" \
            else s.OpportunitySerializer

    def retrieve(self, request, *args, **kwargs):
        calloff = self.get_object()
        questions = selectors.questions_visible_to(calloff, request.user.organisation_id)
        data = s.OpportunityDetailSerializer(calloff, context={"questions": questions}).data
        return Response(data)

    def _calloff_for_response(self, pk):
        # API.md: a provider not invited gets 403 not_invited here (the service decides).
        calloff = CallOff.objects.filter(pk=pk).first() if str(pk).isdigit() else None
        if calloff is None:
            raise NotFound()
        return calloff

    @extend_schema(request=s.EoiInputSerializer, responses={201: s.ProviderEoiSerializer})
    @action(detail=True, methods=["post"])
    def eois(self, request, pk=None):
        calloff = self._calloff_for_response(pk)
        data = self.validated(s.EoiInputSerializer)
        eoi = services.submit_eoi(calloff, by=request.user, **data)
        return self.respond(eoi, s.ProviderEoiSerializer, status.HTTP_201_CREATED)

    @extend_schema(request=s.QuestionInputSerializer,
                   responses={201: s.ProviderQuestionSerializer})
    @action(detail=True, methods=["post"])
    def questions(self, request, pk=None):
        calloff = self._calloff_for_response(pk)
        data = self.validated(s.QuestionInputSerializer)
        question = services.ask_question(calloff, by=request.user, **data)
        return self.respond(question, s.ProviderQuestionSerializer, status.HTTP_201_CREATED)


class EoiViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                 viewsets.GenericViewSet):
    """Providers see and change their own EoIs; the authority evaluates those it received."""

    queryset = ExpressionOfInterest.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": PROVIDER | STAFF, "retrieve": PROVIDER | STAFF,
                    "partial_update": PROVIDER, "withdraw": PROVIDER,
                    "revise_price": PROVIDER, "evaluate": COMMISSIONER}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _is_provider_view(self):
        user = self.request.user
        return self.action in {"partial_update", "withdraw", "revise_price"} or (
            self.action in {"list", "retrieve"}
            and not getattr(user, "is_authority_user", False))

    def get_serializer_class(self):
        return s.ProviderEoiSerializer if self._is_provider_view() else s.AuthorityEoiSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ExpressionOfInterest.objects.none()
        queryset = ExpressionOfInterest.objects.select_related(
            "provider", "calloff", "calloff__referral").prefetch_related(
            "criterion_scores__criterion").order_by("-submitted_at", "-id")
        if self._is_provider_view():
            return for_provider(queryset, self.request.user)
        return for_authority(queryset, self.request.user, field="calloff__authority")

    @extend_schema(responses=EOI_FOR_CALLER)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=EOI_FOR_CALLER)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.EoiUpdateSerializer, responses=s.ProviderEoiSerializer)
    def partial_update(self, request, pk=None):
        eoi = self.get_object()
        data = self.validated(s.EoiUpdateSerializer)
        if not data:
            raise RuleViolation("Nothing to change.", code="invalid",
                                fields={"non_field_errors": ["Send at least one field."]})
        return self.respond(services.amend_eoi(eoi, by=request.user, **data))

    @extend_schema(request=None, responses=s.ProviderEoiSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self.respond(services.withdraw_eoi(self.get_object(), by=request.user))

    @extend_schema(request=s.RevisePriceInputSerializer, responses=s.ProviderEoiSerializer)
    @action(detail=True, methods=["post"], url_path="revise-price")
    def revise_price(self, request, pk=None):
        eoi = self.get_object()
        data = self.validated(s.RevisePriceInputSerializer)
        return self.respond(services.revise_price(eoi, by=request.user, **data))

    @extend_schema(request=s.EvaluateInputSerializer, responses=s.AuthorityEoiSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request, pk=None):
        eoi = self.get_object()
        data = self.validated(s.EvaluateInputSerializer)
        return self.respond(services.evaluate_eoi(eoi, by=request.user, **data))


class CallOffViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Call-offs on the authority side: status, offers, ranking, recommendation and award."""

    queryset = CallOff.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {
        "list": STAFF, "retrieve": STAFF, "ranking": STAFF,
        "close": COMMISSIONER, "cancel": COMMISSIONER, "recommend": COMMISSIONER,
        "no_award": COMMISSIONER, "negotiation": COMMISSIONER, "answer": COMMISSIONER,
        "approve": BUDGET_HOLDER, "reject_recommendation": BUDGET_HOLDER,
        "pass_on": BUDGET_HOLDER, "criteria": COMMISSIONER,
    }
    filterset_fields = ["status"]

    def get_serializer_class(self):
        return s.CallOffDetailSerializer if self.action == "retrieve" else s.CallOffSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CallOff.objects.none()
        queryset = selectors.calloffs_for_authority(self.request.user)
        if self.action == "retrieve":
            queryset = selectors.calloff_detail(queryset)
        return queryset.order_by("-published_at", "-id")

    def _fresh(self, calloff):
        return self.respond(self.get_queryset().get(pk=calloff.pk), s.CallOffSerializer)

    @extend_schema(request=None, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._fresh(services.close_calloff(self.get_object(), by=request.user))

    @extend_schema(request=s.CallOffReasonInputSerializer, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.CallOffReasonInputSerializer)
        return self._fresh(services.cancel_calloff(calloff, by=request.user, **data))

    @extend_schema(responses=s.RankingRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def ranking(self, request, pk=None):
        rows = selectors.ranking(self.get_object())
        return Response(s.RankingRowSerializer(rows, many=True).data)

    @extend_schema(request=s.CriteriaInputSerializer, responses={409: None},
                   description="Always 409 `invalid_transition`: a call-off's quality criteria "
                               "are published with it and fixed (ADR 0026). Set them at "
                               "publication (`criteria` on the referral's publish).")
    @action(detail=True, methods=["put"])
    def criteria(self, request, pk=None):
        # The state decides before the body: whatever is sent, published criteria stay.
        quality.change_criteria(self.get_object(), by=request.user, criteria=request.data)

    @extend_schema(request=s.RecommendInputSerializer, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"])
    def recommend(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.RecommendInputSerializer)
        eoi = ExpressionOfInterest.objects.filter(pk=data["eoi"], calloff=calloff).first()
        if eoi is None:
            raise RuleViolation("Recommend an offer made to this call-off.", code="invalid",
                                fields={"eoi": ["Not an offer on this call-off."]})
        return self._fresh(services.recommend(calloff, by=request.user, eoi=eoi,
                                              reason=data["reason"]))

    @extend_schema(request=s.CallOffReasonInputSerializer, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"], url_path="no-award")
    def no_award(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.CallOffReasonInputSerializer)
        return self._fresh(services.declare_no_award(calloff, by=request.user, **data))

    @extend_schema(request=s.NegotiationInputSerializer, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"])
    def negotiation(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.NegotiationInputSerializer)
        return self._fresh(services.open_negotiation(calloff, by=request.user, **data))

    @extend_schema(request=s.ApproveInputSerializer, responses=s.ApproveOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.ApproveInputSerializer)
        placement = services.approve_award(calloff, by=request.user, **data)
        return Response({"placement": placement.pk})

    @extend_schema(request=s.CallOffReasonInputSerializer, responses=s.CallOffSerializer)
    @action(detail=True, methods=["post"], url_path="reject-recommendation")
    def reject_recommendation(self, request, pk=None):
        calloff = self.get_object()
        data = self.validated(s.CallOffReasonInputSerializer)
        return self._fresh(services.reject_recommendation(calloff, by=request.user, **data))

    @extend_schema(request=s.PassOnInputSerializer, responses=s.PassOnOutputSerializer)
    @action(detail=True, methods=["post"], url_path="pass-on")
    def pass_on(self, request, pk=None):
        """Above the caller's limit: pass the award to a budget holder whose limit covers it."""
        from calloffs.approval_requests import pass_recommendation

        calloff = self.get_object()
        data = self.validated(s.PassOnInputSerializer)
        approver = pass_recommendation(calloff, by=request.user, **data)
        return Response({"to": approver.pk,
                         "name": approver.get_full_name() or approver.username})

    @extend_schema(request=s.AnswerInputSerializer, responses=s.AuthorityQuestionSerializer)
    @action(detail=True, methods=["post"], url_path=r"questions/(?P<qid>\d+)/answer")
    def answer(self, request, pk=None, qid=None):
        calloff = self.get_object()
        question = Question.objects.filter(Q(pk=qid) & Q(calloff=calloff)).first()
        if question is None:
            raise NotFound()
        data = self.validated(s.AnswerInputSerializer)
        question = services.answer_question(question, by=request.user, **data)
        return self.respond(question, s.AuthorityQuestionSerializer)


class LotCriteriaViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    """A lot's default quality criteria (ADR 0026): staff read them, the DPS administrator
    replaces them (weights adding up to 100). Published call-offs keep their own."""

    queryset = Lot.objects.all()
    serializer_class = s.LotCriteriaSerializer
    permission_classes = [ActionRoles]
    action_roles = {"retrieve": STAFF, "update": DPS_ADMIN}
    http_method_names = ["get", "put", "head", "options"]

    def _body(self, lot):
        return Response({"lot": lot.pk, "criteria": quality.lot_criteria(lot)})

    @extend_schema(responses=s.LotCriteriaSerializer)
    def retrieve(self, request, pk=None):
        return self._body(self.get_object())

    @extend_schema(request=s.CriteriaInputSerializer, responses=s.LotCriteriaSerializer)
    def update(self, request, pk=None):
        lot = self.get_object()
        data = self.validated(s.CriteriaInputSerializer)
        quality.set_lot_criteria(lot, by=request.user, **data)
        return self._body(lot)
