"""Market insight pages, mounted at /insight/ (namespace `insight`)."""

from django.urls import path

from reports import views_demand, views_insight

urlpatterns = [
    path("", views_insight.market, name="market"),
    path("demand/", views_demand.demand_page, name="demand"),
]
