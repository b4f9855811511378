"""Paths the router cannot spell: the agreement ends in `.pdf`, with no trailing slash."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from contracts.api.views import PlacementViewSet
from contracts.api.views_blocks import BlockContractViewSet, VolumeDiscountViewSet

# A SimpleRouter: the project's DefaultRouter already answers the API root.
router = SimpleRouter()
router.register("blocks", BlockContractViewSet, basename="block")
router.register("volume-discounts", VolumeDiscountViewSet, basename="volume-discount")

urlpatterns = [
    path("placements/<int:pk>/agreement.pdf",
         PlacementViewSet.as_view({"get": "agreement"}), name="placement-agreement"),
] + router.urls
