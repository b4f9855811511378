"""Vacancies API (API.md v1.1 "Vacancies"). Authority staff see live vacancies (every
provider's: they are market information); a provider sees its own, whatever their state."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.models import Role
from providers.models import Lot
from sufficiency import selectors, services
from sufficiency.api import serializers as s
from sufficiency.models import Vacancy

READERS = roles(Role.DPS_ADMIN, Role.COMMISSIONER, Role.BUDGET_HOLDER, Role.FINANCE,
                Role.PROVIDER)
PROVIDERS = roles(Role.PROVIDER)
ERRORS = ("400 `not_admitted` (the provider is not admitted on the lot, or is suspended from "
          "it), `invalid` with `fields` (an area not in the list of English local authority "
          "areas, a need not in the taxonomy, ages out of order, too many places).")


class VacancyViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """Vacancies providers post on the lots they are admitted to."""

    serializer_class = s.VacancySerializer
    queryset = Vacancy.objects.none()
    permission_classes = [ActionRoles]
    action_roles = {"list": READERS, "retrieve": READERS, "create": PROVIDERS,
                    "destroy": PROVIDERS, "refresh": PROVIDERS}
    http_method_names = ["get", "post", "delete", "head", "options"]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Vacancy.objects.none()
        user = self.request.user
        if user.is_authority_user:
            queryset = selectors.with_status(selectors.live())
        elif user.has_role(Role.PROVIDER) and user.organisation_id:
            queryset = selectors.provider_vacancies(user.organisation_id)
        else:
            return Vacancy.objects.none()
        if self.action == "list":
            params = self.validated(s.VacancyFilterSerializer, data=self.request.query_params)
            lot = None
            if params.get("lot"):
                lot = Lot.objects.filter(code=params["lot"]).first()
                if lot is None:
                    return Vacancy.objects.none()
            queryset = selectors.filtered(queryset, lot=lot, area=params.get("area"),
                                          need=params.get("need"), age=params.get("age"))
        return queryset

    def _fresh(self, vacancy):
        return selectors.provider_vacancies(vacancy.provider_id).get(pk=vacancy.pk)

    @extend_schema(parameters=[
        OpenApiParameter("lot", str, description="Lot code."),
        OpenApiParameter("area", str, description="Area name or GSS code."),
        OpenApiParameter("need", str, description="A need code the vacancy meets."),
        OpenApiParameter("age", int, description="An age within the vacancy's range.")])
    def list(self, request, *args, **kwargs):
        """Authority staff: live, unexpired vacancies of admitted providers. Providers: their
        own (any status)."""
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.VacancyInputSerializer, responses={201: s.VacancySerializer},
                   description=ERRORS)
    def create(self, request):
        """Post a vacancy; it expires 14 days later unless refreshed."""
        data = self.validated(s.VacancyInputSerializer)
        vacancy = services.post_vacancy(by=request.user, **data)
        return self.respond(self._fresh(vacancy), status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.VacancySerializer},
                   description="Confirms the vacancy is still open: it expires 14 days from "
                               "today. 409 `invalid_transition` once withdrawn; 400 "
                               "`not_admitted` while the provider is suspended.")
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        vacancy = services.confirm_vacancy(self.get_object(), by=request.user)
        return self.respond(self._fresh(vacancy))

    @extend_schema(responses={204: None, 409: OpenApiResponse(
        description="`invalid_transition`: already withdrawn.")})
    def destroy(self, request, pk=None):
        """Withdraw the vacancy (kept, with its audit trail; it stops showing at once)."""
        services.withdraw_vacancy(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
