from rest_framework import mixins, viewsets

from contracts.api import serializers as s
from contracts.models import Placement
from dps.api.permissions import ActionRoles, roles
from dps.api.scoping import for_authority, for_provider
from dps.models import Role

READERS = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE,
                Role.PROVIDER)


class PlacementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Placements: an authority sees its own, a provider the ones awarded to it."""

    queryset = Placement.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": READERS, "retrieve": READERS}
    filterset_fields = ["status", "route", "provider"]

    def get_serializer_class(self):
        if getattr(self.request.user, "is_authority_user", False):
            return s.AuthorityPlacementSerializer
        return s.ProviderPlacementSerializer

    def get_queryset(self):
        queryset = Placement.objects.select_related("lot", "child").order_by("-start_date", "-id")
        user = self.request.user
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        if user.is_authority_user:
            return for_authority(queryset, user)
        return for_provider(queryset, user)
