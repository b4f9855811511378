
from django.db.models import Prefetch
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from calloffs.api.serializers import PassOnInputSerializer, PassOnOutputSerializer
from contracts import approvals, selectors, services
from contracts.api import serializers as s
from contracts.api.filters import (
    FeeChangeFilter,
    PlacementFilter,
)
from contracts.models import (
    FeeChange,
    FeePeriod,
    Placement,
    SupportItem,
)
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.api.scoping import for_authority, for_provider
from dps.api.serializers import ErrorSerializer
from dps.errors import Conflict, NotFound, RuleViolation
from dps.models import Organisation, Role
from providers.api.views import resolve_dps
from referrals.api.serializers import resolve_lot

STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE)
READERS = STAFF | roles(Role.PROVIDER)
COMMISSIONER = roles(Role.COMMISSIONER)
PROVIDER = roles(Role.PROVIDER)
BUDGET_HOLDER = roles(Role.BUDGET_HOLDER)
DPS_ADMIN = roles(Role.DPS_ADMIN)
# Actions on one placement: no list filters, no pagination.
PLAIN = {"filter_backends": [], "pagination_class": None}
PLACEMENT = PolymorphicProxySerializer(
    component_name="PlacementForCaller",
    serializers=[s.AuthorityPlacementSerializer, s.ProviderPlacementSerializer],
    resource_type_field_name=None)
PLACEMENT_DETAIL = PolymorphicProxySerializer(
    component_name="PlacementDetailForCaller",
    serializers=[s.AuthorityPlacementDetailSerializer, s.ProviderPlacementDetailSerializer],
    resource_type_field_name=None)


APPROVAL_ERRORS = (
    "403 `approval_limit_exceeded` (the value is above your approval limit), 400 "
    "`key_decision_required` (above £500,000 without `key_decision_reference`), 409 "
    "`invalid_transition` (already approved, also when two approvals arrive at once: exactly "
    "one succeeds).")


def passed_to(approver):
    """The answer to a pass-on, as the award's (calloffs' `pass-on`)."""
    return Response({"to": approver.pk, "name": approver.get_full_name() or approver.username})


def _is_authority(request):
    return getattr(request.user, "is_authority_user", False)


class PlacementViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Placements: an authority sees its own, a provider the ones awarded to it."""

    carries_child_identity = True  # the child block, and the stored agreement PDF
    queryset = Placement.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {
        "list": READERS, "retrieve": READERS, "agreement": READERS, "agreements": READERS,
        "fee_changes": READERS, "create_fee_change": COMMISSIONER | PROVIDER,
        "support_items": READERS, "add_support_item": COMMISSIONER,
        "reviews": READERS, "record_review": COMMISSIONER,
        "end": COMMISSIONER, "spot": COMMISSIONER, "approve": BUDGET_HOLDER,
        "pass_on": BUDGET_HOLDER,
    }
    filterset_class = PlacementFilter

    def get_serializer_class(self):
        authority = _is_authority(self.request)
        if self.action == "retrieve":
            return s.AuthorityPlacementDetailSerializer if authority \
                else s.ProviderPlacementDetailSerializer
        return s.AuthorityPlacementSerializer if authority else s.ProviderPlacementSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Placement.objects.none()
        queryset = selectors.placements_for(self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("fee_periods", queryset=FeePeriod.objects.order_by("effective_from")))
        return queryset

    def perform_content_negotiation(self, request, force=False):
        # The agreement is a PDF whatever the client accepts; errors stay JSON.
        return super().perform_content_negotiation(
            request, force=force or getattr(self, "action", None) == "agreement")

    def _fresh(self, placement, status_code=status.HTTP_200_OK):
        placement = selectors.placements_for(self.request.user).get(pk=placement.pk)
        return self.respond(placement, s.AuthorityPlacementSerializer if _is_authority(
            self.request) else s.ProviderPlacementSerializer, status_code)

    @extend_schema(
        description="The authority's placements (its staff), or the provider's own; the "
                    "provider's view adds the child's name and date of birth only.",
        responses=PLACEMENT, parameters=[
        OpenApiParameter("lot", str, description="Lot code."),
        OpenApiParameter("provider", int, description="Provider organisation id."),
        OpenApiParameter("status", str, enum=Placement.Status.values),
        OpenApiParameter("route", str, enum=Placement.Route.values),
        OpenApiParameter("block", int, description="Block contract id."),
        OpenApiParameter("approval", str, enum=["awaiting", "approved"],
                         description="Awaiting a budget holder's approval, or approved."),
        OpenApiParameter("review_due", str,
                         description="true, false, or a date: next review due by then."),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=PLACEMENT_DETAIL)
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    # --- The agreement -------------------------------------------------------------------

    @extend_schema(
        operation_id="v1_placements_agreement_pdf",
        parameters=[OpenApiParameter("version", int,
                                     description="An earlier version; the latest by default.")],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY,
                   404: OpenApiResponse(description="Not yours to see, or none issued."),
                   409: OpenApiResponse(
                       response=ErrorSerializer,
                       description="`conflict`: the award's agreement is still being prepared "
                                   "(it is built just after the approval); try again shortly.")})
    def agreement(self, request, pk=None):
        """The individual placement agreement as issued (the latest version by default)."""
        placement = self.get_object()
        versions = placement.agreement_versions.order_by("-version")
        wanted = request.query_params.get("version")
        if wanted:
            if not wanted.isdigit():
                raise RuleViolation("The version is a whole number.", code="invalid",
                                    fields={"version": ["A whole number."]})
            versions = versions.filter(version=int(wanted))
        stored = versions.first()
        if stored is None:
            from contracts.agreements import is_being_prepared

            if not wanted and is_being_prepared(placement):
                raise Conflict("The agreement is being prepared. Try again in a minute.")
            raise NotFound("No agreement has been issued for this placement.")
        response = HttpResponse(bytes(stored.pdf), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="placement-{placement.pk}-agreement-v{stored.version}.pdf"')
        response["X-Agreement-Version"] = str(stored.version)
        return response

    @extend_schema(responses=s.AgreementVersionSerializer(many=True))
    @action(detail=True, methods=["get"], **PLAIN)
    def agreements(self, request, pk=None):
        """The versions issued, newest first."""
        placement = self.get_object()
        versions = placement.agreement_versions.order_by("-version").defer("pdf")
        return Response(s.AgreementVersionSerializer(versions, many=True).data)

    # --- Fee changes ---------------------------------------------------------------------

    @extend_schema(responses=s.FeeChangeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="fee-changes", **PLAIN)
    def fee_changes(self, request, pk=None):
        """The placement's fee changes, requested, approved and declined, oldest first."""
        placement = self.get_object()
        changes = placement.fee_changes.order_by("effective_from", "id")
        return Response(s.FeeChangeSerializer(changes, many=True).data)

    @extend_schema(request=s.FeeChangeInputSerializer, responses={201: s.FeeChangeSerializer})
    @fee_changes.mapping.post
    def create_fee_change(self, request, pk=None):
        """A commissioner records a change (approved at once); the provider requests one."""
        placement = self.get_object()
        data = self.validated(s.FeeChangeInputSerializer)
        if _is_authority(request):
            change = services.record_fee_change(placement, by=request.user, **data)
        else:
            data.pop("acknowledge_cap_warning")
            change = services.request_fee_change(placement, by=request.user, **data)
        return self.respond(change, s.FeeChangeSerializer, status.HTTP_201_CREATED)

    # --- Support items -------------------------------------------------------------------

    @extend_schema(responses=s.SupportItemSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="support-items", **PLAIN)
    def support_items(self, request, pk=None):
        placement = self.get_object()
        items = placement.support_items.order_by("start_date", "id")
        return Response(s.SupportItemSerializer(items, many=True).data)

    @extend_schema(request=s.SupportItemInputSerializer,
                   responses={201: s.SupportItemSerializer})
    @support_items.mapping.post
    def add_support_item(self, request, pk=None):
        placement = self.get_object()
        data = self.validated(s.SupportItemInputSerializer)
        item = services.add_support_item(placement, by=request.user, **data)
        return self.respond(item, s.SupportItemSerializer, status.HTTP_201_CREATED)

    # --- Reviews -------------------------------------------------------------------------

    def _review_serializer(self):
        return s.AuthorityReviewSerializer if _is_authority(self.request) \
            else s.ProviderReviewSerializer

    @extend_schema(responses=s.AuthorityReviewSerializer(many=True))
    @action(detail=True, methods=["get"], **PLAIN)
    def reviews(self, request, pk=None):
        """Reviews held and the next one due (providers see the dates only)."""
        placement = self.get_object()
        return Response(self._review_serializer()(placement.reviews.order_by("sequence"),
                                                  many=True).data)

    @extend_schema(request=s.ReviewInputSerializer, responses={201: s.AuthorityReviewSerializer})
    @reviews.mapping.post
    def record_review(self, request, pk=None):
        """Record the due review as held; the next is scheduled from the configured cycle."""
        placement = self.get_object()
        data = self.validated(s.ReviewInputSerializer)
        review = services.record_placement_review(placement, by=request.user, **data)
        return self.respond(review, s.AuthorityReviewSerializer, status.HTTP_201_CREATED)

    # --- Ending and spot purchases -------------------------------------------------------

    @extend_schema(request=s.EndInputSerializer, responses=s.AuthorityPlacementSerializer)
    @action(detail=True, methods=["post"], **PLAIN)
    def end(self, request, pk=None):
        placement = self.get_object()
        data = self.validated(s.EndInputSerializer)
        return self._fresh(services.end_placement(placement, by=request.user, **data))

    @extend_schema(
        description="A budget holder of the authority approves a spot placement at its "
                    "`value`; from then it counts as spend. Errors: " + APPROVAL_ERRORS,
        request=s.ApprovalInputSerializer, responses=s.AuthorityPlacementSerializer)
    @action(detail=True, methods=["post"], **PLAIN)
    def approve(self, request, pk=None):
        placement = self.get_object()
        data = self.validated(s.ApprovalInputSerializer)
        return self._fresh(approvals.approve_placement(placement, by=request.user, **data))

    @extend_schema(
        description="Above the caller's approval limit: pass the spot placement to a budget "
                    "holder of the authority whose limit covers it (`to`: their user id; "
                    "`note` optional). It stays awaiting approval; they are e-mailed. Errors: "
                    "400 `invalid` (`to` is not such a budget holder, or the caller's own limit "
                    "covers it), 403 `forbidden` (not a budget holder), 404 `not_found` "
                    "(another authority's), 409 `invalid_transition` (already approved).",
        request=PassOnInputSerializer, responses=PassOnOutputSerializer)
    @action(detail=True, methods=["post"], url_path="pass-on", **PLAIN)
    def pass_on(self, request, pk=None):
        placement = self.get_object()
        data = self.validated(PassOnInputSerializer)
        return passed_to(approvals.pass_placement(placement, by=request.user, **data))

    @extend_schema(request=s.SpotPlacementInputSerializer,
                   responses={201: s.AuthorityPlacementSerializer})
    @action(detail=False, methods=["post"], **PLAIN)
    def spot(self, request):
        """Record an off-contract (spot) placement; `route` is `spot`. It comes back with
        `approval: awaiting` and its `value` (the price over `start_date`..`planned_end_date`,
        52 weeks when open-ended), or `approved` when the caller is a budget holder whose
        limit covers it (above £500,000 with `key_decision_reference`). It counts as spend
        once approved (`POST /api/v1/placements/{id}/approve/`)."""
        from calloffs.models import CallOff

        data = self.validated(s.SpotPlacementInputSerializer)
        dps = resolve_dps(data.pop("dps", None))
        lot = resolve_lot(data.pop("lot"), dps)
        if lot is None:
            raise RuleViolation("Unknown lot.", code="invalid",
                                fields={"lot": [f"Not a lot of {dps.name}."]})
        problems = {}
        provider_id = data.pop("provider")
        provider = None
        if provider_id is not None:
            provider = Organisation.objects.filter(
                pk=provider_id, kind=Organisation.Kind.PROVIDER).first()
            if provider is None:
                problems["provider"] = ["Not a provider organisation."]
        calloff_id = data.pop("calloff")
        calloff = None
        if calloff_id is not None:
            calloff = CallOff.objects.filter(pk=calloff_id,
                                             authority_id=request.user.organisation_id).first()
            if calloff is None:
                problems["calloff"] = ["Not one of your authority's call-offs."]
        if problems:
            raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                                fields=problems)
        placement = services.record_spot_placement(by=request.user, lot=lot, provider=provider,
                                                   calloff=calloff, **data)
        return self._fresh(placement, status.HTTP_201_CREATED)


class FeeChangeViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Fee changes: the authority decides those asked of it; the provider sees its own."""

    serializer_class = s.FeeChangeSerializer
    queryset = FeeChange.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": READERS, "retrieve": READERS, "approve": COMMISSIONER,
                    "decline": COMMISSIONER}
    filterset_class = FeeChangeFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FeeChange.objects.none()
        queryset = FeeChange.objects.order_by("-requested_at", "-id")
        if _is_authority(self.request):
            return for_authority(queryset, self.request.user, field="placement__authority")
        return for_provider(queryset, self.request.user, field="placement__provider")

    @extend_schema(request=s.ApproveFeeChangeInputSerializer, responses=s.FeeChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        change = self.get_object()
        data = self.validated(s.ApproveFeeChangeInputSerializer)
        return self.respond(services.approve_fee_change(change, by=request.user, **data))

    @extend_schema(request=s.DeclineFeeChangeInputSerializer, responses=s.FeeChangeSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        change = self.get_object()
        data = self.validated(s.DeclineFeeChangeInputSerializer)
        return self.respond(services.decline_fee_change(change, by=request.user, **data))


class SupportItemViewSet(ServiceActionMixin, mixins.RetrieveModelMixin,
                         viewsets.GenericViewSet):
    """One support item; the commissioner records its review."""

    serializer_class = s.SupportItemSerializer
    queryset = SupportItem.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"retrieve": READERS, "review": COMMISSIONER}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupportItem.objects.none()
        queryset = SupportItem.objects.order_by("id")
        if _is_authority(self.request):
            return for_authority(queryset, self.request.user, field="placement__authority")
        return for_provider(queryset, self.request.user, field="placement__provider")

    @extend_schema(request=s.SupportReviewInputSerializer, responses=s.SupportItemSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The support was reviewed; give the next review date if it continues."""
        item = self.get_object()
        data = self.validated(s.SupportReviewInputSerializer)
        return self.respond(services.record_support_review(item, by=request.user, **data))
