"""The provider's invoice pages, under /invoices/."""

from django.urls import path

from invoicing import views_provider as views

urlpatterns = [
    path("", views.invoice_list, name="list"),
    path("new/", views.invoice_create, name="create"),
    path("upload/", views.invoice_upload, name="upload"),
    path("<int:pk>/", views.invoice_detail, name="detail"),
]
