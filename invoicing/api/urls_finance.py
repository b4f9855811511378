"""Finance's invoice and payment API (included in workspace/urls.py before the router)."""

from django.urls import path

from invoicing.api.finance import (
    InvoiceDecisionViewSet,
    PaymentViewSet,
    RemittanceImportViewSet,
)
from invoicing.api.transparency import ComplianceView, PublishedPaymentsView

urlpatterns = [
    path("invoices/approve-vouched/",
         InvoiceDecisionViewSet.as_view({"post": "approve_vouched"}),
         name="api-invoices-approve-vouched"),
    path("invoices/<int:pk>/approve/", InvoiceDecisionViewSet.as_view({"post": "approve"}),
         name="api-invoice-approve"),
    path("invoices/<int:pk>/query/", InvoiceDecisionViewSet.as_view({"post": "query"}),
         name="api-invoice-query"),
    path("invoices/<int:pk>/reject/", InvoiceDecisionViewSet.as_view({"post": "reject"}),
         name="api-invoice-reject"),
    path("payments/", PaymentViewSet.as_view({"post": "create"}), name="api-payments"),
    path("payments/import/", RemittanceImportViewSet.as_view({"post": "import_remittance"}),
         name="api-payments-import"),
    path("reports/payments/", PublishedPaymentsView.as_view({"get": "list"}),
         name="api-report-payments"),
    path("reports/payment-compliance/", ComplianceView.as_view({"get": "list"}),
         name="api-report-payment-compliance"),
]
