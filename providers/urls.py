from django.urls import path

from providers import views, views_regimes

urlpatterns = [
    path("apply/", views.apply, name="apply"),
    path("applications/", views.my_applications, name="my-applications"),
    path("applications/<int:pk>/decide/", views.decide, name="decide"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/close/", views.close_round, name="close-round"),
    path("rounds/<int:pk>/close/confirm/", views.close_round_confirm,
         name="close-round-confirm"),
    path("arrangements/<int:pk>/regime/", views_regimes.regime, name="regime"),
    path("arrangements/<int:pk>/dynamic-market/", views_regimes.dynamic_market,
         name="dynamic-market"),
]
