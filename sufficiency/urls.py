from django.urls import path

from sufficiency import views

urlpatterns = [
    path("", views.my_vacancies, name="mine"),
    path("new/", views.new_vacancy, name="new"),
    path("live/", views.live_vacancies, name="live"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
