from django.urls import path

from monitoring import views

urlpatterns = [
    # Commissioners and DPS administrators
    path("", views.attention, name="attention"),
    path("providers/<int:pk>/", views.provider_risk, name="provider"),
    path("providers/<int:pk>/assessments/", views.assess, name="assess"),
    path("providers/<int:pk>/triggers/", views.raise_trigger, name="raise-trigger"),
    path("providers/<int:pk>/activities/", views.schedule_activity, name="schedule-activity"),
    path("providers/<int:pk>/action-plans/", views.create_plan, name="create-plan"),
    path("activities/<int:pk>/complete/", views.complete_activity, name="complete-activity"),
    path("action-items/<int:pk>/complete/", views.complete_item, name="complete-item"),
    path("action-items/<int:pk>/cancel/", views.cancel_item, name="cancel-item"),
    path("kpis/", views.kpi_overview, name="kpis"),
    # Both sides (a provider, its own plans only)
    path("action-plans/<int:pk>/", views.plan_detail, name="plan"),
    # Providers
    path("action-items/<int:pk>/respond/", views.respond_item, name="respond-item"),
    path("mine/", views.my_monitoring, name="mine"),
    path("kpi-returns/<int:pk>/", views.kpi_return, name="kpi-return"),
]
