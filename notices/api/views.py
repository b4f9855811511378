"""The notices API (API.md v1.1 "Notices") and the open data of published notices."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.errors import RuleViolation
from dps.models import Role
from notices import content, selectors, services
from notices.api import serializers as s
from notices.models import Notice

STAFF = roles(Role.DPS_ADMIN, Role.COMMISSIONER)
OPEN_DATA_PAGE = 100


def releases_of(notices):
    subjects = content.Subjects.load([n for n in notices if not n.published_release])
    return {notice.pk: content.release(notice, subjects) for notice in notices}


class NoticeViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    """The notices the Act makes the council publish, raised from its records."""

    queryset = Notice.objects.none()
    serializer_class = s.NoticeSerializer
    permission_classes = [ActionRoles]
    action_roles = {"list": STAFF, "retrieve": STAFF, "published": STAFF}
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notice.objects.none()
        return selectors.visible(self.request.user)

    def _data(self, notices):
        context = {**self.get_serializer_context(), "releases": releases_of(notices)}
        return s.NoticeSerializer(notices, many=True, context=context).data

    @extend_schema(parameters=[s.NoticeQuerySerializer],
                   responses={200: s.NoticeSerializer(many=True)})
    def list(self, request):
        query = s.NoticeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        notices = selectors.filtered(self.get_queryset(), **query.validated_data)
        page = self.paginate_queryset(notices)
        return self.get_paginated_response(self._data(page))

    @extend_schema(responses={200: s.NoticeSerializer})
    def retrieve(self, request, pk=None):
        return Response(self._data([self.get_object()])[0])

    @extend_schema(operation_id="v1_notices_published", request=s.PublishedInputSerializer,
                   responses={200: s.NoticeSerializer, 400: OpenApiResponse(
                       description="invalid, published_in_future, published_before_event"),
                              409: OpenApiResponse(
                       description="invalid_transition (already published), "
                                   "notice_identifier_taken")})
    @action(detail=True, methods=["post"])
    def published(self, request, pk=None):
        notice = self.get_object()
        data = self.validated(s.PublishedInputSerializer)
        notice = services.record_publication(notice, by=request.user, **data)
        return Response(self._data([notice])[0])


def _updated_from(request):
    from dps.input_guard import outside_date_window, window_message

    raw = request.query_params.get("updated_from")
    if not raw:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise RuleViolation("updated_from must be a date or a date and time (ISO 8601).",
                                fields={"updated_from": ["Enter an ISO 8601 date."]}) from None
        moment = datetime.datetime.combine(day, datetime.time.min)
    if outside_date_window(moment.date()):  # year 1 or 9999 would overflow in the arithmetic
        raise RuleViolation(window_message(), fields={"updated_from": [window_message()]})
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class OpenDataView(viewsets.ViewSet):
    """Open data, no sign-in: the OCDS release package of every published notice."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(parameters=[OpenApiParameter("updated_from", OpenApiTypes.DATETIME),
                               OpenApiParameter("after", OpenApiTypes.INT)],
                   responses={200: OpenApiTypes.OBJECT})
    def list(self, request):
        updated_from = _updated_from(request)
        after = request.query_params.get("after")
        if after is not None and not after.isdigit():
            raise RuleViolation("after must be a notice number from a `next` link.",
                                fields={"after": ["Use the next link as given."]})
        notices = list(selectors.published_since(updated_from, int(after) if after else None)
                       .only("pk", "published_at", "published_release")[:OPEN_DATA_PAGE + 1])
        more = len(notices) > OPEN_DATA_PAGE
        notices = notices[:OPEN_DATA_PAGE]
        releases = [n.published_release for n in notices]
        data = {"version": "1.1", "uri": request.build_absolute_uri(),
                "publisher": {"name": settings.OCDS_PUBLISHER_NAME},
                "publishedDate": (releases[-1]["date"] if releases
                                  else timezone.localtime().isoformat()),
                "releases": releases}
        if more:
            last = notices[-1]
            next_url = request.build_absolute_uri(request.path)
            data["links"] = {"next": f"{next_url}?updated_from="
                                     f"{timezone.localtime(last.published_at).isoformat()}"
                                     f"&after={last.pk}".replace("+", "%2B")}
        return Response(data)
