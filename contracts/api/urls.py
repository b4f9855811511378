"""Paths the router cannot spell: the agreement ends in `.pdf`, with no trailing slash."""

from django.urls import path

from contracts.api.views import PlacementViewSet

urlpatterns = [
    path("placements/<int:pk>/agreement.pdf",
         PlacementViewSet.as_view({"get": "agreement"}), name="placement-agreement"),
]
