"""Market insight pages, mounted at /insight/ (namespace `insight`)."""

from django.urls import path

from reports import views_insight

urlpatterns = [
    path("", views_insight.market, name="market"),
]
