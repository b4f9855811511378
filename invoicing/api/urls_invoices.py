"""/api/v1/invoices/: submission, upload and reading (finance's decisions are added beside)."""

from rest_framework.routers import SimpleRouter

from invoicing.api.invoices import InvoiceViewSet

router = SimpleRouter()
router.register("invoices", InvoiceViewSet, basename="invoice")

urlpatterns = router.urls
