"""Block contracts and volume discounts over the API (split from contracts/api/views.py,
which keeps placements, fee changes and support items)."""

import datetime

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from calloffs.api.serializers import PassOnInputSerializer, PassOnOutputSerializer
from contracts import approvals, selectors, services
from contracts.api import serializers as s
from contracts.api.filters import (
    BlockContractFilter,
    VolumeDiscountFilter,
)
from contracts.api.views import (
    APPROVAL_ERRORS,
    BUDGET_HOLDER,
    COMMISSIONER,
    DPS_ADMIN,
    PLACEMENT,
    PLAIN,
    READERS,
    _is_authority,
    passed_to,
)
from contracts.models import (
    BlockContract,
    VolumeDiscountTier,
)
from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles
from dps.api.scoping import for_provider
from dps.errors import RuleViolation
from dps.input_guard import outside_date_window, window_message
from dps.models import Organisation
from providers.api.views import resolve_dps
from referrals.api.serializers import resolve_lot


def _lot(data):
    dps = resolve_dps(data.pop("dps", None))
    lot = resolve_lot(data.pop("lot"), dps)
    if lot is None:
        raise RuleViolation("Unknown lot.", code="invalid",
                            fields={"lot": [f"Not a lot of {dps.name}."]})
    return lot


def _provider(provider_id):
    provider = Organisation.objects.filter(pk=provider_id,
                                           kind=Organisation.Kind.PROVIDER).first()
    if provider is None:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields={"provider": ["Not a provider organisation."]})
    return provider


def _date_param(request, name, default):
    value = request.query_params.get(name)
    if value in (None, ""):
        return default
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        raise RuleViolation(f"`{name}` is a date, YYYY-MM-DD.", code="invalid",
                            fields={name: ["A date, YYYY-MM-DD."]}) from None
    if outside_date_window(day):
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields={name: [window_message()]})
    return day


BLOCK_ERRORS = (
    "400 `invalid` (fields), 400 `provider_not_admitted` (the provider is not an admitted, "
    "unsuspended member of the lot), 400 `above_price_cap_unacknowledged` (the price per bed "
    "is above the provider's cap: send `acknowledge_cap_warning: true`).")
BLOCK_PLACEMENT_ERRORS = (
    "400 `outside_block_dates` (the start or planned end falls outside the block's dates), "
    "400 `block_full` (on some day of the period every bed is already taken), 400 `invalid`.")


class BlockContractViewSet(ServiceActionMixin, mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Block contracts: beds bought in advance from one provider on one lot for a period.

    Authority staff see their authority's blocks (a DPS administrator every authority's), a
    provider the blocks bought from it."""

    serializer_class = s.BlockContractSerializer
    queryset = BlockContract.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": READERS, "retrieve": READERS, "create": COMMISSIONER,
                    "placements": READERS, "place": COMMISSIONER, "occupancy": READERS,
                    "approve": BUDGET_HOLDER, "pass_on": BUDGET_HOLDER}
    filterset_class = BlockContractFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BlockContract.objects.none()
        return selectors.blocks_for(self.request.user)

    def _fresh(self, block, status_code=status.HTTP_200_OK):
        return self.respond(self.get_queryset().get(pk=block.pk), status_code=status_code)

    @extend_schema(description="Buy beds in advance. The provider must be an admitted member "
                               "of the lot; the unit is the lot's. The block comes back with "
                               "`approval: awaiting` and its `value` (price per bed × beds "
                               "over its term), or `approved` when the caller is a budget "
                               "holder whose limit covers it; it counts as spend once "
                               "approved (`POST /api/v1/blocks/{id}/approve/`). Errors: "
                               + BLOCK_ERRORS,
                   request=s.BlockContractInputSerializer,
                   responses={201: s.BlockContractSerializer})
    def create(self, request):
        data = self.validated(s.BlockContractInputSerializer)
        lot = _lot(data)
        provider = _provider(data.pop("provider"))
        block = services.create_block_contract(by=request.user, provider=provider, lot=lot,
                                               **data)
        return self._fresh(block, status.HTTP_201_CREATED)

    @extend_schema(
        description="A budget holder of the authority approves the block purchase at its "
                    "`value` (price per bed × beds over its term); from then it counts as "
                    "spend. Errors: " + APPROVAL_ERRORS,
        request=s.ApprovalInputSerializer, responses=s.BlockContractSerializer)
    @action(detail=True, methods=["post"], **PLAIN)
    def approve(self, request, pk=None):
        block = self.get_object()
        data = self.validated(s.ApprovalInputSerializer)
        return self._fresh(approvals.approve_block(block, by=request.user, **data))

    @extend_schema(
        description="Above the caller's approval limit: pass the block purchase to a budget "
                    "holder of the authority whose limit covers it, as for a spot placement "
                    "(`POST /api/v1/placements/{id}/pass-on/`, the same errors).",
        request=PassOnInputSerializer, responses=PassOnOutputSerializer)
    @action(detail=True, methods=["post"], url_path="pass-on", **PLAIN)
    def pass_on(self, request, pk=None):
        block = self.get_object()
        data = self.validated(PassOnInputSerializer)
        return passed_to(approvals.pass_block(block, by=request.user, **data))

    @extend_schema(description="The placements made into the block, newest first.",
                   responses=PLACEMENT)
    @action(detail=True, methods=["get"], **PLAIN)
    def placements(self, request, pk=None):
        block = self.get_object()
        queryset = selectors.placements_for(request.user).filter(block=block)
        serializer = s.AuthorityPlacementSerializer if _is_authority(request) \
            else s.ProviderPlacementSerializer
        return Response(serializer(queryset, many=True,
                                   context=self.get_serializer_context()).data)

    @extend_schema(description="Place a child into a bed of the block (route `block`, at the "
                               "block's price per bed); an agreement is issued. Errors: "
                               + BLOCK_PLACEMENT_ERRORS,
                   request=s.BlockPlacementInputSerializer,
                   responses={201: s.AuthorityPlacementSerializer})
    @placements.mapping.post
    def place(self, request, pk=None):
        block = self.get_object()
        data = self.validated(s.BlockPlacementInputSerializer)
        placement = services.place_into_block(block, by=request.user, **data)
        placement = selectors.placements_for(request.user).get(pk=placement.pk)
        return self.respond(placement, s.AuthorityPlacementSerializer,
                            status.HTTP_201_CREATED)

    @extend_schema(
        description="Bed-days bought, occupied and void from `from` to `to` (both inclusive; "
                    "the current financial year, April to March, by default), clipped to the "
                    "block's dates, with the void cost at the daily bed price.",
        parameters=[OpenApiParameter("from", OpenApiTypes.DATE),
                    OpenApiParameter("to", OpenApiTypes.DATE)],
        responses=s.OccupancySerializer)
    @action(detail=True, methods=["get"], **PLAIN)
    def occupancy(self, request, pk=None):
        block = self.get_object()
        first, last = selectors.financial_year()
        date_from = _date_param(request, "from", first)
        date_to = _date_param(request, "to", last)
        if date_to < date_from:
            raise RuleViolation("`to` must be on or after `from`.", code="invalid",
                                fields={"to": ["On or after `from`."]})
        figures = selectors.block_occupancy(block, date_from, date_to)
        return Response(s.OccupancySerializer({
            "block": block.pk, "beds": block.beds, **figures.__dict__,
            "occupancy_percent": figures.occupancy_percent}).data)


class VolumeDiscountViewSet(ServiceActionMixin, mixins.ListModelMixin,
                            mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                            viewsets.GenericViewSet):
    """Volume discount tiers per provider and lot, applied to new DPS placements.

    The DPS administrator sets and removes them; authority staff read them all; a provider
    reads its own."""

    serializer_class = s.VolumeDiscountSerializer
    queryset = VolumeDiscountTier.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": READERS, "retrieve": READERS, "create": DPS_ADMIN,
                    "destroy": DPS_ADMIN}
    filterset_class = VolumeDiscountFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return VolumeDiscountTier.objects.none()
        queryset = VolumeDiscountTier.objects.select_related("provider", "lot").order_by(
            "provider__name", "lot_id", "min_concurrent")
        if _is_authority(self.request):
            return queryset  # the tiers are the providers' offer to every authority
        return for_provider(queryset, self.request.user)

    @extend_schema(description="Set the provider's discount on the lot from `min_concurrent` "
                               "live placements. A tier already set at that threshold is "
                               "changed (200); a new one is created (201). Errors: 400 "
                               "`invalid`.",
                   request=s.VolumeDiscountInputSerializer,
                   responses={201: s.VolumeDiscountSerializer, 200: s.VolumeDiscountSerializer})
    def create(self, request):
        data = self.validated(s.VolumeDiscountInputSerializer)
        lot = _lot(data)
        provider = _provider(data.pop("provider"))
        tier = services.set_volume_discount(by=request.user, provider=provider, lot=lot, **data)
        return self.respond(tier, status_code=status.HTTP_201_CREATED if tier.created
                            else status.HTTP_200_OK)

    @extend_schema(description="Remove the tier; placements already made keep their price.",
                   responses={204: None})
    def destroy(self, request, pk=None):
        services.remove_volume_discount(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
