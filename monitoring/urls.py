from django.urls import path

from monitoring import views, views_directory

urlpatterns = [
    # Commissioners and DPS administrators
    path("", views.attention, name="attention"),
    path("providers/", views_directory.provider_directory, name="providers"),
    path("providers/<int:pk>/profile/", views_directory.provider_profile,
         name="provider-profile"),
    path("providers/<int:pk>/", views.provider_risk, name="provider"),
    path("providers/<int:pk>/assessments/", views.assess, name="assess"),
    path("providers/<int:pk>/triggers/", views.raise_trigger, name="raise-trigger"),
    path("providers/<int:pk>/activities/", views.schedule_activity, name="schedule-activity"),
    path("providers/<int:pk>/action-plans/", views.create_plan, name="create-plan"),
    path("activities/<int:pk>/complete/", views.complete_activity, name="complete-activity"),
    path("action-items/<int:pk>/complete/", views.complete_item, name="complete-item"),
    path("action-items/<int:pk>/cancel/", views.cancel_item, name="cancel-item"),
    path("kpis/", views.kpi_overview, name="kpis"),
    path("placements/<int:pk>/outcomes/", views.placement_outcomes, name="placement-outcomes"),
    path("annual-reports/", views.annual_reports, name="annual-reports"),
    # DPS administrators
    path("kpis/definitions/", views.kpi_definitions, name="kpi-definitions"),
    path("kpis/<int:pk>/edit/", views.edit_kpi, name="edit-kpi"),
    path("escalations/", views.escalations, name="escalations"),
    path("escalations/<int:pk>/", views.escalation, name="escalation"),
    path("escalations/<int:pk>/suspend/", views.suspend_provider, name="suspend-provider"),
    path("escalations/<int:pk>/dismiss/", views.dismiss_escalation, name="dismiss-escalation"),
    # Both sides (a provider, its own plans only)
    path("action-plans/<int:pk>/", views.plan_detail, name="plan"),
    path("annual-reports/<int:pk>/", views.annual_report, name="annual-report"),
    # Providers
    path("action-items/<int:pk>/respond/", views.respond_item, name="respond-item"),
    path("mine/", views.my_monitoring, name="mine"),
    path("kpi-returns/<int:pk>/", views.kpi_return, name="kpi-return"),
    path("outcomes/", views.my_outcomes, name="my-outcomes"),
    path("my-annual-reports/", views.my_annual_reports, name="my-annual-reports"),
    path("my-annual-reports/new/", views.submit_annual_report, name="submit-annual-report"),
]
