from django.urls import path

from referrals import views, views_confirm

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("new/", views.new_referral, name="new"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/change/", views.edit_referral, name="edit"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/direct-award/", views.direct_award, name="direct-award"),
    path("<int:pk>/panel-decision/", views.panel_decision, name="panel-decision"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/withdraw/confirm/", views_confirm.withdraw_confirm, name="withdraw-confirm"),
]
