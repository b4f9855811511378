"""Finance reports under /api/v1/reports/: spend, commitments and export jobs.

The payments list (s.70) and payment compliance (s.69) are invoicing's: invoicing/api/."""

from django.urls import path

from reports.api.finance import CommitmentsView, ExportJobViewSet, SpendView

exports_list = ExportJobViewSet.as_view({"get": "list", "post": "create"})
export_detail = ExportJobViewSet.as_view({"get": "retrieve"})
export_download = ExportJobViewSet.as_view({"get": "download"})

urlpatterns = [
    path("reports/spend/", SpendView.as_view({"get": "list"}), name="api-report-spend"),
    path("reports/commitments/", CommitmentsView.as_view({"get": "list"}),
         name="api-report-commitments"),
    path("reports/exports/", exports_list, name="api-report-exports"),
    path("reports/exports/<int:pk>/", export_detail, name="api-report-export"),
    path("reports/exports/<int:pk>/download/", export_download,
         name="api-report-export-download"),
]
