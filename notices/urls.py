"""The notices pages, mounted at /notices/ (namespace `notices`)."""

from django.urls import path

from notices import views

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
]
