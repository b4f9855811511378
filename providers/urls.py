from django.urls import path

from providers import views

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="my-applications"),
    path("rounds/", views.rounds, name="rounds"),
]
