"""Market insight and open data. Mounted under /api/v1/ before the router, so
`calloffs/<id>/ocds/` is answered here, not by the call-off view set (which has no such action).
"""

from django.urls import path

from reports.api.demand import DemandViewSet
from reports.api.insight import MarketInsightViewSet, OcdsViewSet

urlpatterns = [
    path("reports/market/", MarketInsightViewSet.as_view({"get": "market"}),
         name="reports-market"),
    path("reports/demand/", DemandViewSet.as_view({"get": "demand"}), name="reports-demand"),
    path("reports/ocds/", OcdsViewSet.as_view({"get": "period"}), name="reports-ocds"),
    path("calloffs/<int:pk>/ocds/", OcdsViewSet.as_view({"get": "calloff"}),
         name="calloff-ocds"),
]
