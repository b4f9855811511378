"""Monitoring API. Who sees what:

- Monitoring is DPS-wide: DPS administrators and commissioners (of any authority using the DPS)
  read every provider's assessments, triggers, activities, action plans and KPI returns, and
  record them. Budget holders and finance have no monitoring role (403).
- A provider sees its own risk rating and history (score, RAG, monitoring level, next due date
  and the evidence considered; not the assessor's notes or name, and not the reassessment
  triggers, which may carry third-party intelligence), its own monitoring activities, action
  plans (without the escalation flag) and KPI returns. Anything else is 404.
- Outcome ratings belong to a placement: staff of the placement's authority read and record
  them (a DPS administrator, all); a provider sees only averages across its own placements.
"""

from collections import defaultdict

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from contracts.models import Placement
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ANY_AUTHENTICATED, ActionRoles, roles
from dps.api.scoping import for_authority, for_provider
from dps.errors import NotFound, RuleViolation
from dps.models import Organisation, Role
from monitoring import selectors, services
from monitoring.api import filters
from monitoring.api import serializers as s
from monitoring.api import serializers_returns as r
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Kpi,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    OutcomeRating,
    ReassessmentTrigger,
    RiskAssessment,
)
from providers.models import Membership
from referrals.models import OutcomeDomain

STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER)
ADMIN = roles(Role.DPS_ADMIN)
PROVIDER = roles(Role.PROVIDER)
READERS = STAFF | PROVIDER


def is_staff(user):
    return user.has_role(Role.DPS_ADMIN, Role.COMMISSIONER)


class MonitoringViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    permission_classes = [ActionRoles]
    provider_field = "provider"

    def scope(self, queryset):
        """Staff see every provider's rows; a provider only its own (others are 404)."""
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        user = self.request.user
        if is_staff(user):
            return queryset
        return for_provider(queryset, user, self.provider_field)

    def staff_view(self):
        return is_staff(self.request.user)

    def placements(self):
        """Placements the caller's authority may refer to."""
        return for_authority(Placement.objects.all(), self.request.user)


# --- Risk -----------------------------------------------------------------------------------

class RiskAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Risk assessments: score = impact × probability; green ≤ 6 → issue-based monitoring,
    amber 8–12 → distance monitoring, red ≥ 15 → full monitoring visit. `next_due` is at most
    six months after the assessment (sooner if the assessor chooses). Commissioners and the DPS
    administrator record and read them all; a provider reads its own (rating, score, level,
    next due date and the evidence considered, without the assessor's notes or name)."""

    queryset = RiskAssessment.objects.none()
    action_roles = {"list": READERS, "retrieve": READERS, "create": STAFF}
    filterset_class = filters.RiskAssessmentFilter

    def get_queryset(self):
        return self.scope(RiskAssessment.objects.select_related("assessed_by")
                          .order_by("-assessed_at", "-id"))

    def get_serializer_class(self):
        if self.staff_view():
            return s.RiskAssessmentSerializer
        return s.ProviderRiskAssessmentSerializer

    @extend_schema(request=s.RiskAssessmentInputSerializer,
                   responses={201: s.RiskAssessmentSerializer})
    def create(self, request):
        data = self.validated(s.RiskAssessmentInputSerializer)
        assessment = services.record_risk_assessment(by=request.user, **data)
        return self.respond(assessment, s.RiskAssessmentSerializer, status.HTTP_201_CREATED)


class ProviderRiskViewSet(mixins.RetrieveModelMixin, MonitoringViewSet):
    """A provider's risk page: current rating and history; for staff also the open triggers
    (reassessment due now), whether the reassessment is overdue and whether a visit is planned.
    The id is the provider organisation's."""

    queryset = Organisation.objects.none()
    action_roles = {"retrieve": READERS}
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        providers = Organisation.objects.filter(kind=Organisation.Kind.PROVIDER)
        if getattr(self, "swagger_fake_view", False):
            return providers.none()
        if self.staff_view():
            return providers
        return providers.filter(pk=self.request.user.organisation_id)

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or self.staff_view():
            return s.StaffProviderRiskSerializer
        return s.ProviderRiskSerializer

    @extend_schema(responses=s.StaffProviderRiskSerializer,
                   description="Providers get their own page only: `provider`, `current` and "
                               "`history`, without notes or triggers.")
    def retrieve(self, request, pk=None):
        provider = self.get_object()
        page = selectors.provider_risk(provider.pk)
        return Response(self.get_serializer_class()(page).data)


class TriggerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Information between assessments (a safeguarding concern, a regulator downgrade, a
    placement breakdown; late KPI returns are raised by the scheduler). While a trigger is open
    the provider's reassessment is due now; the next assessment clears it."""

    queryset = ReassessmentTrigger.objects.none()
    serializer_class = s.TriggerSerializer
    action_roles = {"list": STAFF, "retrieve": STAFF, "create": STAFF}
    filterset_class = filters.TriggerFilter

    def get_queryset(self):
        return self.scope(ReassessmentTrigger.objects.select_related("raised_by")
                          .order_by("-raised_at", "-id"))

    @extend_schema(request=s.TriggerInputSerializer, responses={201: s.TriggerSerializer})
    def create(self, request):
        data = self.validated(s.TriggerInputSerializer, placements=self.placements())
        trigger = services.raise_trigger(by=request.user, **data)
        return self.respond(trigger, status_code=status.HTTP_201_CREATED)


# --- Monitoring activities ------------------------------------------------------------------

class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Full visits, distance monitoring requests and issue-based reviews, planned and done."""

    queryset = MonitoringActivity.objects.none()
    serializer_class = s.ActivitySerializer
    action_roles = {"list": READERS, "retrieve": READERS, "create": STAFF, "complete": STAFF,
                    "cancel": STAFF}
    filterset_class = filters.ActivityFilter

    def get_queryset(self):
        return self.scope(MonitoringActivity.objects.select_related("done_by")
                          .order_by("-planned_date", "-id"))

    @extend_schema(request=s.ActivityInputSerializer, responses={201: s.ActivitySerializer})
    def create(self, request):
        data = self.validated(s.ActivityInputSerializer)
        activity = services.schedule_activity(by=request.user, **data)
        return self.respond(activity, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ActivityCompleteSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        activity = self.get_object()
        data = self.validated(s.ActivityCompleteSerializer)
        return self.respond(services.complete_activity(activity, by=request.user, **data))

    @extend_schema(request=s.ReasonSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        data = self.validated(s.ReasonSerializer)
        return self.respond(services.cancel_activity(activity, by=request.user, **data))


# --- Action plans ---------------------------------------------------------------------------

class ActionPlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Action plans with their items. Providers answer items at /action-items/{id}/respond/."""

    queryset = ActionPlan.objects.none()
    action_roles = {"list": READERS, "retrieve": READERS, "create": STAFF}
    filterset_class = filters.ActionPlanFilter

    def get_queryset(self):
        return self.scope(selectors.action_plans().order_by("-created_at", "-id"))

    def get_serializer_class(self):
        return s.ActionPlanSerializer if self.staff_view() else s.ProviderActionPlanSerializer

    @extend_schema(request=s.ActionPlanInputSerializer, responses={201: s.ActionPlanSerializer})
    def create(self, request):
        data = self.validated(s.ActionPlanInputSerializer)
        plan = services.create_action_plan(by=request.user, **data)
        return self.respond(selectors.action_plans().get(pk=plan.pk), s.ActionPlanSerializer,
                            status.HTTP_201_CREATED)


class ActionItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Action items. Overdue items escalate: a reminder to the provider once, then (after the
    grace period, still unanswered) a flag to the DPS administrator recommending suspension,
    listed at /action-items/escalated/ with the history that justifies it."""

    queryset = ActionItem.objects.none()
    action_roles = {"list": READERS, "retrieve": READERS, "answer": PROVIDER,
                    "complete": STAFF, "cancel": STAFF, "reopen": STAFF, "escalated": ADMIN,
                    "suspend_provider": ADMIN, "dismiss_escalation": ADMIN}
    filterset_class = filters.ActionItemFilter
    provider_field = "plan__provider"

    def get_queryset(self):
        return self.scope(selectors.action_items().order_by("due_date", "id"))

    def get_serializer_class(self):
        if self.action == "escalated":
            return s.EscalatedItemSerializer
        if self.action == "answer" or not self.staff_view():
            return s.ProviderActionItemSerializer
        return s.ActionItemSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve" and self.staff_view():
            context["history"] = selectors.audit_history([self.get_object()])
        return context

    @extend_schema(request=s.RespondSerializer, responses=s.ProviderActionItemSerializer)
    @action(detail=True, methods=["post"], url_path="respond")
    def answer(self, request, pk=None):
        """The provider's response to one of its own items (others are 404)."""
        item = self.get_object()
        data = self.validated(s.RespondSerializer)
        item = services.respond_to_action(item, by=request.user,
                                          response=data["provider_response"],
                                          evidence=data["evidence"])
        return self.respond(item)

    @extend_schema(request=s.OptionalReasonSerializer, responses=s.ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        item = self.get_object()
        data = self.validated(s.OptionalReasonSerializer)
        return self.respond(services.complete_action(item, by=request.user, **data))

    @extend_schema(request=s.ReasonSerializer, responses=s.ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        item = self.get_object()
        data = self.validated(s.ReasonSerializer)
        return self.respond(services.cancel_action(item, by=request.user, **data))

    @extend_schema(request=s.ReopenSerializer, responses=s.ActionItemSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        item = self.get_object()
        data = self.validated(s.ReopenSerializer)
        return self.respond(services.reopen_action(item, by=request.user, **data))

    @extend_schema(responses=s.EscalatedItemSerializer(many=True))
    @action(detail=False, methods=["get"])
    def escalated(self, request):
        queryset = selectors.escalated_action_items().select_related(
            "plan", "plan__provider").order_by("escalated_at", "id")
        page = self.paginate_queryset(queryset)
        memberships = defaultdict(list)
        for membership in (Membership.objects.filter(
                provider_id__in={item.plan.provider_id for item in page})
                .select_related("lot").order_by("lot__position", "id")):
            memberships[membership.provider_id].append(membership)
        context = {**self.get_serializer_context(), "history": selectors.audit_history(page),
                   "memberships": memberships}
        return self.get_paginated_response(s.EscalatedItemSerializer(page, many=True,
                                                                   context=context).data)

    @extend_schema(request=s.SuspendProviderSerializer,
                   responses=inline_serializer("SuspendedMemberships", {
                       "memberships": s.MembershipBriefSerializer(many=True)}))
    @action(detail=True, methods=["post"], url_path="suspend-provider")
    def suspend_provider(self, request, pk=None):
        item = self.get_object()
        data = self.validated(s.SuspendProviderSerializer)
        suspended = services.suspend_for_escalation(item, by=request.user, **data)
        return Response({"memberships": s.MembershipBriefSerializer(suspended, many=True).data})

    @extend_schema(request=s.DismissEscalationSerializer, responses=s.ActionItemSerializer)
    @action(detail=True, methods=["post"], url_path="dismiss-escalation")
    def dismiss_escalation(self, request, pk=None):
        """The DPS administrator decides not to suspend: the decision and reason are recorded
        and the item leaves /action-items/escalated/ (the item stays open)."""
        item = self.get_object()
        data = self.validated(s.DismissEscalationSerializer)
        item = services.dismiss_escalation(item, by=request.user, reason=data["reason"])
        return self.respond(item, s.ActionItemSerializer)


# --- KPIs -----------------------------------------------------------------------------------

class KpiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """KPIs per lot, defined by the DPS administrator; everyone signed in may read them."""

    queryset = Kpi.objects.none()
    serializer_class = r.KpiSerializer
    action_roles = {"list": ANY_AUTHENTICATED, "retrieve": ANY_AUTHENTICATED, "create": ADMIN,
                    "partial_update": ADMIN}
    filterset_class = filters.KpiFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return Kpi.objects.select_related("lot").order_by("lot__dps_id", "lot__position",
                                                          "position", "code")

    @extend_schema(request=r.KpiInputSerializer, responses={201: r.KpiSerializer})
    def create(self, request):
        data = self.validated(r.KpiInputSerializer)
        return self.respond(services.define_kpi(by=request.user, **data),
                            status_code=status.HTTP_201_CREATED)

    @extend_schema(request=r.KpiUpdateSerializer, responses=r.KpiSerializer)
    def partial_update(self, request, pk=None):
        kpi = self.get_object()
        data = self.validated(r.KpiUpdateSerializer)
        if not data:
            raise RuleViolation("Nothing to change.", code="invalid",
                                fields={"non_field_errors": ["Send at least one field."]})
        return self.respond(services.update_kpi(kpi, by=request.user, **data))


class KpiReturnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """KPI returns by provider and period. The scheduler opens each period's return for every
    live member; the provider submits it once the period has ended; it is late after its due
    date (and raises a late-return trigger, once)."""

    queryset = KpiReturn.objects.none()
    action_roles = {"list": READERS, "retrieve": READERS, "submit": PROVIDER, "averages": STAFF}
    filterset_class = filters.KpiReturnFilter

    def get_queryset(self):
        return self.scope(KpiReturn.objects.select_related("provider", "lot").prefetch_related(
            Prefetch("values", queryset=KpiValue.objects.select_related("kpi")))
            .order_by("-period_start", "provider__name", "lot_id", "id"))

    def get_serializer_class(self):
        if self.action in {"retrieve", "submit"}:
            return r.KpiReturnDetailSerializer
        return r.KpiReturnSerializer

    def _detail(self, kpi_return):
        kpi_return = self.get_queryset().get(pk=kpi_return.pk)
        context = {**self.get_serializer_context(),
                   "kpis": services.expected_kpis(kpi_return)}
        return Response(r.KpiReturnDetailSerializer(kpi_return, context=context).data)

    def retrieve(self, request, pk=None):
        return self._detail(self.get_object())

    @extend_schema(request=r.KpiSubmitSerializer, responses=r.KpiReturnDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        kpi_return = self.get_object()
        data = self.validated(r.KpiSubmitSerializer)
        services.submit_kpi_return(kpi_return, by=request.user, values=data["values"])
        return self._detail(kpi_return)

    @extend_schema(
        parameters=[OpenApiParameter("lot", str, required=True, description="Lot code or id."),
                    OpenApiParameter("period_start", str, description="YYYY-MM-DD"),
                    OpenApiParameter("frequency", str,
                                     enum=["monthly", "quarterly", "annually"])],
        responses=inline_serializer("KpiAverages", {
            "lot": serializers.CharField(), "rows": r.KpiAverageSerializer(many=True)}))
    @action(detail=False, methods=["get"])
    def averages(self, request):
        """Sector averages per KPI and period over submitted returns."""
        params = r.KpiAveragesQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        lot = params.validated_data["lot"]
        rows = selectors.kpi_averages(lot.pk, params.validated_data.get("period_start"),
                                      params.validated_data.get("frequency"))
        return Response({"lot": lot.code, "rows": r.KpiAverageSerializer(rows, many=True).data})


# --- Outcomes -------------------------------------------------------------------------------

class OutcomeRatingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Child outcomes: ratings from 1 to 5 per placement and outcome domain, recorded by the
    placement's authority. A provider sees averages across its own placements only."""

    queryset = OutcomeRating.objects.none()
    serializer_class = r.OutcomeRatingSerializer
    action_roles = {"list": STAFF, "retrieve": STAFF, "create": STAFF, "trend": STAFF,
                    "averages": READERS}
    filterset_class = filters.OutcomeRatingFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return OutcomeRating.objects.none()
        ratings = OutcomeRating.objects.select_related("rated_by").order_by(
            "placement_id", "domain", "rated_on", "id")
        if self.staff_view():
            return for_authority(ratings, self.request.user, field="placement__authority")
        return for_provider(ratings, self.request.user, field="placement__provider")

    @extend_schema(request=r.OutcomeRatingInputSerializer,
                   responses={201: r.OutcomeRatingSerializer})
    def create(self, request):
        data = self.validated(r.OutcomeRatingInputSerializer, placements=self.placements())
        return self.respond(services.record_outcome_rating(by=request.user, **data),
                            status_code=status.HTTP_201_CREATED)

    @extend_schema(parameters=[OpenApiParameter("placement", int, required=True)],
                   responses=r.OutcomeTrendSerializer)
    @action(detail=False, methods=["get"])
    def trend(self, request):
        """Each domain's ratings over time for one placement (the placement page's trend)."""
        placement_id = request.query_params.get("placement", "")
        if not placement_id.isdigit():
            raise RuleViolation("Say which placement.", code="invalid",
                                fields={"placement": ["A placement id is required."]})
        if not self.placements().filter(pk=int(placement_id)).exists():
            raise NotFound()
        points = defaultdict(list)
        for rating in selectors.outcome_trend(int(placement_id)):
            points[rating.domain].append(rating)
        domains = [{"domain": domain.value, "label": domain.label, "points": points[domain]}
                   for domain in OutcomeDomain if points[domain.value]]
        return Response(r.OutcomeTrendSerializer({"placement": int(placement_id),
                                                  "domains": domains}).data)

    @extend_schema(parameters=[OpenApiParameter("provider", int,
                                                description="Staff only: one provider.")],
                   responses=inline_serializer("OutcomeAverages", {
                       "rows": r.OutcomeAverageSerializer(many=True)}))
    @action(detail=False, methods=["get"])
    def averages(self, request):
        """Average rating per domain: for staff over their authority's placements (a DPS
        administrator, all), optionally one provider's; for a provider, its own placements."""
        ratings = self.get_queryset()
        provider = request.query_params.get("provider")
        if provider and self.staff_view():
            if not provider.isdigit():
                raise RuleViolation("provider must be an id.", code="invalid",
                                    fields={"provider": ["Must be a whole number."]})
            ratings = ratings.filter(placement__provider_id=int(provider))
        labels = dict(OutcomeDomain.choices)
        rows = [{**row, "label": labels[row["domain"]]}
                for row in selectors.outcome_averages(ratings)]
        return Response({"rows": r.OutcomeAverageSerializer(rows, many=True).data})


# --- Annual reports -------------------------------------------------------------------------

class AnnualReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MonitoringViewSet):
    """Annual monitoring reports with social value evidence, one per provider and financial
    year. The provider submits (`POST /annual-reports/`) and, when a report is returned for
    changes, resubmits it (`POST /annual-reports/{id}/submit/`); a commissioner or the DPS
    administrator reviews a submitted report (`POST /annual-reports/{id}/review/`: accepted, or
    returned with comments). Staff read every report; a provider its own (others are 404)."""

    queryset = AnnualReport.objects.none()
    serializer_class = r.AnnualReportSerializer
    action_roles = {"list": READERS, "retrieve": READERS, "create": PROVIDER,
                    "submit": PROVIDER, "review": STAFF}
    filterset_class = filters.AnnualReportFilter

    def get_queryset(self):
        return self.scope(selectors.annual_reports().order_by("-year", "provider__name", "id"))

    @extend_schema(request=r.AnnualReportInputSerializer,
                   responses={201: r.AnnualReportSerializer})
    def create(self, request):
        data = self.validated(r.AnnualReportInputSerializer)
        report = services.submit_annual_report(by=request.user, **data)
        return self.respond(report, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=r.AnnualReportEvidenceSerializer, responses=r.AnnualReportSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Resubmit a report returned for changes (every field replaced)."""
        report = self.get_object()
        data = self.validated(r.AnnualReportEvidenceSerializer)
        return self.respond(services.resubmit_annual_report(report, by=request.user, **data))

    @extend_schema(request=r.AnnualReportReviewSerializer, responses=r.AnnualReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        data = self.validated(r.AnnualReportReviewSerializer)
        return self.respond(services.review_annual_report(report, by=request.user, **data))


# --- Attention ------------------------------------------------------------------------------

class AttentionViewSet(mixins.ListModelMixin, MonitoringViewSet):
    """Providers needing attention: rated red (and whether a visit is planned), reassessment
    overdue, reassessment due now (open triggers), overdue actions, late KPI returns. The
    number of queries does not grow with the number of providers."""

    queryset = Organisation.objects.none()
    serializer_class = s.AttentionSerializer
    action_roles = {"list": STAFF}
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Organisation.objects.none()
        reason = self.request.query_params.get("reason") or None
        if reason is not None and reason not in selectors.ATTENTION_REASONS:
            choices = ", ".join(selectors.ATTENTION_REASONS)
            raise RuleViolation("Unknown reason.", code="invalid",
                                fields={"reason": [f"One of {choices}."]})
        return selectors.providers_needing_attention(reason=reason)

    @extend_schema(parameters=[OpenApiParameter("reason", str,
                                                enum=list(selectors.ATTENTION_REASONS))])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
