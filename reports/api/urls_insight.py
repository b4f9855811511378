"""Filled in by the reports work."""

urlpatterns = []
