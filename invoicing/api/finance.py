"""Finance's invoice API: decisions (approve, query, reject, bulk approve), payments and
remittance imports (API.md v1.1 "Invoices and payments"). Each calls its service."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.response import Response

from dps.api.mixins import ServiceActionMixin
from dps.api.permissions import ActionRoles, roles
from dps.errors import NotFound, RuleViolation
from dps.models import Role
from invoicing import decisions, payments, remittance
from invoicing.access import finance_scope
from invoicing.api import finance_serializers as s
from invoicing.models import Invoice

FINANCE = roles(Role.FINANCE, Role.DPS_ADMIN)
MAX_FILE_BYTES = 5 * 1024 * 1024
ERRORS = {400: OpenApiResponse(description="invalid, or the rule's code."),
          403: OpenApiResponse(description="Not a finance officer or the DPS administrator."),
          404: OpenApiResponse(description="Not an invoice of your authority."),
          409: OpenApiResponse(description="invalid_transition (or duplicate_payment).")}


class CsvParser(BaseParser):
    media_type = "text/csv"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_FILE_BYTES + 1) if stream is not None else b""


def _invoices(user):
    return finance_scope(Invoice.objects.select_related("provider", "authority"), user)


class InvoiceDecisionViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    """Finance's decisions on its authority's invoices."""

    queryset = Invoice.objects.none()
    serializer_class = s.FinanceInvoiceSerializer
    permission_classes = [ActionRoles]
    action_roles = {"approve": FINANCE, "query": FINANCE, "reject": FINANCE,
                    "approve_vouched": FINANCE}
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invoice.objects.none()
        return _invoices(self.request.user)

    def _done(self, invoice):
        invoice = Invoice.objects.prefetch_related("lines").get(pk=invoice.pk)
        return self.respond(invoice)

    @extend_schema(operation_id="v1_invoices_approve", request=s.InvoiceApproveInputSerializer,
                   responses={200: s.FinanceInvoiceSerializer, **ERRORS},
                   description="→ approved at its total. A queried invoice needs "
                               "`accept_difference_reason`, else 400 difference_unexplained.")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        invoice = self.get_object()
        data = self.validated(s.InvoiceApproveInputSerializer)
        return self._done(decisions.approve_invoice(invoice, by=request.user, **data))

    @extend_schema(operation_id="v1_invoices_query", request=s.InvoiceReasonInputSerializer,
                   responses={200: s.FinanceInvoiceSerializer, **ERRORS},
                   description="→ query; the provider is told the reason.")
    @action(detail=True, methods=["post"])
    def query(self, request, pk=None):
        invoice = self.get_object()
        data = self.validated(s.InvoiceReasonInputSerializer)
        return self._done(decisions.query_invoice(invoice, by=request.user, **data))

    @extend_schema(operation_id="v1_invoices_reject", request=s.InvoiceReasonInputSerializer,
                   responses={200: s.FinanceInvoiceSerializer, **ERRORS},
                   description="→ rejected; the provider is told the reason and its days may "
                               "be invoiced again.")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        invoice = self.get_object()
        data = self.validated(s.InvoiceReasonInputSerializer)
        return self._done(decisions.reject_invoice(invoice, by=request.user, **data))

    @extend_schema(operation_id="v1_invoices_approve_vouched",
                   request=s.BulkInvoiceApproveInputSerializer,
                   responses={200: s.BulkApproveSerializer, **ERRORS},
                   description="Approve several vouched invoices at once: every one or none "
                               "(409 invalid_transition when one is not vouched).")
    def approve_vouched(self, request):
        data = self.validated(s.BulkInvoiceApproveInputSerializer)
        done = decisions.approve_vouched(data["invoices"], by=request.user)
        return Response({"approved": [invoice.pk for invoice in done]})


class PaymentViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    """Payments of approved invoices: one at a time, or a remittance file."""

    queryset = Invoice.objects.none()
    serializer_class = s.PaymentSerializer
    permission_classes = [ActionRoles]
    action_roles = {"create": FINANCE}
    filter_backends = []

    @extend_schema(operation_id="v1_payments_create", request=s.PaymentInputSerializer,
                   responses={201: s.PaymentSerializer, **ERRORS},
                   description="The invoice is paid once its payments reach the approved "
                               "total; 400 overpayment beyond it; 409 duplicate_payment for a "
                               "reference the invoice already has (also at the same instant).")
    def create(self, request):
        data = self.validated(s.PaymentInputSerializer)
        invoice = _invoices(request.user).filter(pk=data["invoice"]).first()
        if invoice is None:
            raise NotFound("Invoice not found.")
        payment = payments.record_payment(invoice, by=request.user, paid_on=data["paid_on"],
                                          amount=data["amount"], reference=data["reference"])
        return self.respond(payment, status_code=status.HTTP_201_CREATED)



class RemittanceImportViewSet(ServiceActionMixin, viewsets.GenericViewSet):
    """The finance ledger's remittance file, as payments."""

    queryset = Invoice.objects.none()
    serializer_class = s.RemittanceResultSerializer
    permission_classes = [ActionRoles]
    action_roles = {"import_remittance": FINANCE}
    parser_classes = [CsvParser, MultiPartParser]
    filter_backends = []

    @extend_schema(operation_id="v1_payments_import",
                   request={"text/csv": OpenApiTypes.BINARY,
                            "multipart/form-data": {"type": "object", "properties": {
                                "file": {"type": "string", "format": "binary"}}}},
                   responses={201: s.RemittanceResultSerializer,
                              200: s.RemittanceResultSerializer, **ERRORS},
                   description="A remittance CSV with columns invoice_reference, provider (id "
                               "or name), paid_on, amount, reference: all rows or none (400 "
                               "with fields keyed \"row N\", the header being row 1). The same "
                               "file again → 200 with already_imported and nothing changed; "
                               "a row whose payment is already recorded is skipped.")
    def import_remittance(self, request):
        name = ""
        if isinstance(request.data, bytes):
            content = request.data
        else:
            upload = request.data.get("file") if hasattr(request.data, "get") else None
            if upload is None or isinstance(upload, str):
                raise RuleViolation("Send the remittance as text/csv, or as a file.",
                                    code="invalid", fields={"file": ["Required."]})
            name = upload.name or ""
            content = upload.read(MAX_FILE_BYTES + 1)
        if len(content) > MAX_FILE_BYTES:
            raise RuleViolation("The file is larger than 5 MB: split the payment run.",
                                code="invalid", fields={"file": ["At most 5 MB."]})
        result = remittance.import_remittance(content, by=request.user, name=name)
        code = status.HTTP_200_OK if result.already_imported else status.HTTP_201_CREATED
        return Response(s.RemittanceResultSerializer(result).data, status=code)
