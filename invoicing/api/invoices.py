"""Invoices over the API (v1.1): a provider submits (JSON or CSV); providers, finance and the
DPS administrator read what they may see. Finance's decisions live in invoicing.decisions."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.errors import Forbidden, RuleViolation
from dps.models import Role
from invoicing import selectors, uploads
from invoicing.api import serializers as s
from invoicing.models import Invoice
from invoicing.submission import submit_invoice

PROVIDER = roles(Role.PROVIDER)
READERS = roles(Role.PROVIDER, Role.FINANCE, Role.DPS_ADMIN)

SUBMIT_ERRORS = (
    "400 `invalid` (see `fields`, e.g. `lines.3.amount`; lines for more than one council), "
    "`invoice_in_advance` (a day after today), `outside_placement` (a day outside the "
    "placement's, support item's or block's live days), `unknown_placement` (not yours); "
    "409 `already_invoiced` (a day on a live line of the same placement and kind, support item "
    "or block, also within the invoice, also when two arrive at once), `duplicate_reference`.")


class CsvParser(BaseParser):
    """`text/csv`: the body as bytes, read by invoicing.uploads (bounded by
    DATA_UPLOAD_MAX_MEMORY_SIZE)."""

    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class XlsxParser(CsvParser):
    """An XLSX workbook as the body: bytes, recognised by content (invoicing.uploads)."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _provider_of(user):
    organisation = user.organisation if user.organisation_id else None
    if organisation is None or not organisation.is_provider:
        raise Forbidden("Invoices are sent by a provider's users.")
    return organisation


class InvoiceViewSet(ServiceActionMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     viewsets.GenericViewSet):
    """A provider's invoices, as it sent them and as finance decided them."""

    queryset = Invoice.objects.none()
    permission_classes = [ActionRoles]
    serializer_class = s.InvoiceSerializer
    filter_backends = []
    action_roles = {"list": READERS, "retrieve": READERS, "create": PROVIDER,
                    "upload": PROVIDER}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        return selectors.with_lines(selectors.invoices_for(self.request.user))

    def _filters(self):
        params = self.request.query_params
        problems = {}
        out = {}
        value = params.get("status")
        if value:
            if value not in Invoice.Status.values:
                problems["status"] = [f"One of {', '.join(Invoice.Status.values)}."]
            out["status"] = value
        for name in ("provider", "placement"):
            value = params.get(name)
            if value:
                if not value.isdigit() or len(value) > 10:
                    problems[name] = ["An id (a whole number)."]
                else:
                    out[name] = int(value)
        if problems:
            raise RuleViolation("Some filters are not valid: see fields.", code="invalid",
                                fields=problems)
        return out

    @extend_schema(
        description="Providers see their own invoices, finance its authority's, the DPS "
                    "administrator every one; newest first.",
        parameters=[OpenApiParameter("status", str, enum=Invoice.Status.values),
                    OpenApiParameter("provider", int, description="Provider organisation id."),
                    OpenApiParameter("placement", int,
                                     description="Invoices with a line for this placement.")])
    def list(self, request, *args, **kwargs):
        queryset = selectors.filter_invoices(self.get_queryset(), **self._filters())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(s.InvoiceSerializer(page, many=True).data)

    @extend_schema(request=s.InvoiceInputSerializer,
                   responses={201: s.InvoiceSerializer,
                              400: OpenApiResponse(description=SUBMIT_ERRORS),
                              409: OpenApiResponse(description=SUBMIT_ERRORS)},
                   description="Send an invoice: each line is vouched against what the spend "
                               "engine accrues for its days (`expected`); `vouched` when every "
                               "`difference` is 0.00, else `query`. Nothing is stored when a "
                               "line is refused. " + SUBMIT_ERRORS)
    def create(self, request, *args, **kwargs):
        provider = _provider_of(request.user)
        data = self.validated(s.InvoiceInputSerializer)
        invoice = submit_invoice(provider, reference=data["reference"], lines=data["lines"],
                                 by=request.user, channel="api")
        return self.respond(self.get_queryset().get(pk=invoice.pk), s.InvoiceSerializer,
                            status.HTTP_201_CREATED)

    @extend_schema(
        request={"text/csv": OpenApiTypes.BINARY, XlsxParser.media_type: OpenApiTypes.BINARY},
        responses={201: s.UploadResultSerializer,
                   400: OpenApiResponse(description="`invalid` with `fields` keyed \"row N\" "
                                                    "(the header is row 1), or a line's code "
                                                    "as for POST /invoices/."),
                   409: OpenApiResponse(description="`already_invoiced`, "
                                                    "`duplicate_reference`, keyed by row.")},
        description="Invoices from a CSV file or an XLSX workbook (its first sheet), columns "
                    "`reference, placement, kind, support_item, from, to, amount` (and `block` "
                    "for block lines): one invoice per reference, all of them or none. The "
                    "file's content decides how it is read, not its declared type.")
    @action(detail=False, methods=["post"], parser_classes=[CsvParser, XlsxParser],
            pagination_class=None)
    def upload(self, request):
        provider = _provider_of(request.user)
        body = request.data
        if not isinstance(body, bytes | str) or not body:
            raise RuleViolation("Send the CSV or XLSX file as the body (Content-Type: text/csv "
                                "or the XLSX type).",
                                code="invalid", fields={"file": ["No file."]})
        invoices = uploads.submit_csv(provider, body, by=request.user, channel="upload")
        fresh = {i.pk: i for i in self.get_queryset().filter(pk__in=[i.pk for i in invoices])}
        data = s.UploadResultSerializer({"invoices": [fresh[i.pk] for i in invoices]}).data
        return Response(data, status=status.HTTP_201_CREATED)
