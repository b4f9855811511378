"""Finance's invoice pages, mounted at /finance/invoices/ (namespace `invoicing-finance`)."""

from django.urls import path

from invoicing import views_finance as views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("approve/", views.approve_vouched, name="approve-vouched"),
    path("remittance/", views.import_remittance, name="remittance"),
    path("export/", views.export_page, name="export"),
    path("export/download/", views.export_batch, name="export-batch"),
    path("reconciliation/", views.reconciliation_page, name="reconciliation"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
    path("<int:pk>/payment/", views.record_payment, name="payment"),
]
