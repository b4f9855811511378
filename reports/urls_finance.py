"""Finance pages, mounted at /reports/ (namespace `finance`)."""

from django.urls import path

from reports import views_finance as views

urlpatterns = [
    path("", views.spend_page, name="spend"),
    path("commitments/", views.commitments_page, name="commitments"),
    path("payments/", views.payments_page, name="payments"),
    path("exports/", views.exports_page, name="exports"),
    path("exports/<int:pk>/", views.export_page, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
