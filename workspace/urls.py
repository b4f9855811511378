from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from calloffs.api import views as calloffs
from contracts.api import views as contracts
from documents.api import views as documents
from dps.api import views as kernel
from dps.health import healthz
from monitoring.api import views as monitoring
from providers.api import views as admission
from referrals.api import views as referrals
from sufficiency.api import views as sufficiency
from workspace import views as front

router = DefaultRouter()
router.register("organisations", kernel.OrganisationViewSet, basename="organisation")
router.register("users", kernel.UserViewSet, basename="user")
router.register("audit", kernel.AuditEntryViewSet, basename="audit")
router.register("dps", admission.DpsViewSet, basename="dps")
router.register("lots", admission.LotViewSet, basename="lot")
router.register("rounds", admission.RoundViewSet, basename="round")
router.register("applications", admission.ApplicationViewSet, basename="application")
router.register("memberships", admission.MembershipViewSet, basename="membership")
router.register("debarments", admission.DebarmentViewSet, basename="debarment")
router.register("needs", referrals.NeedViewSet, basename="need")
router.register("referrals", referrals.ReferralViewSet, basename="referral")
router.register("children", referrals.ChildViewSet, basename="child")
router.register("opportunities", calloffs.OpportunityViewSet, basename="opportunity")
router.register("eois", calloffs.EoiViewSet, basename="eoi")
router.register("calloffs", calloffs.CallOffViewSet, basename="calloff")
router.register("lot-criteria", calloffs.LotCriteriaViewSet, basename="lot-criteria")
router.register("placements", contracts.PlacementViewSet, basename="placement")
router.register("risk-assessments", monitoring.RiskAssessmentViewSet, basename="risk-assessment")
router.register("provider-risk", monitoring.ProviderRiskViewSet, basename="provider-risk")
router.register("reassessment-triggers", monitoring.TriggerViewSet,
                basename="reassessment-trigger")
router.register("monitoring-activities", monitoring.ActivityViewSet,
                basename="monitoring-activity")
router.register("action-plans", monitoring.ActionPlanViewSet, basename="action-plan")
router.register("action-items", monitoring.ActionItemViewSet, basename="action-item")
router.register("kpis", monitoring.KpiViewSet, basename="kpi")
router.register("kpi-returns", monitoring.KpiReturnViewSet, basename="kpi-return")
router.register("outcome-ratings", monitoring.OutcomeRatingViewSet, basename="outcome-rating")
router.register("annual-reports", monitoring.AnnualReportViewSet, basename="annual-report")
router.register("monitoring/attention", monitoring.AttentionViewSet,
                basename="monitoring-attention")
router.register("fee-changes", contracts.FeeChangeViewSet, basename="fee-change")
router.register("support-items", contracts.SupportItemViewSet, basename="support-item")
router.register("documents", documents.DocumentViewSet, basename="document")
router.register("vacancies", sufficiency.VacancyViewSet, basename="vacancy")

api_v1 = [
    path("auth/token/", kernel.TokenView.as_view(), name="api-token"),
    path("providers/register/", kernel.ProviderRegisterView.as_view(),
         name="api-provider-register"),
    path("", include("contracts.api.urls")),
    path("", include("reports.api.urls_finance")),
    path("", include("reports.api.urls_insight")),
    path("", include("invoicing.api.urls_finance")),
    path("", include("invoicing.api.urls_invoices")),
    path("", include("notices.api.urls")),
    path("", include(router.urls)),
]

web = [
    # The front doors (issue 8).
    path("dashboard/", front.dashboard, name="dashboard"),
    path("portal/", front.portal, name="portal"),
    path("portal/colleagues/", front.invite_colleague, name="invite-colleague"),
    path("portal/colleagues/<int:pk>/resend/", front.resend_invitation,
         name="resend-invitation"),
    path("portal/colleagues/<int:pk>/cancel/", front.cancel_invitation,
         name="cancel-invitation"),
    path("finance/", front.finance_workspace, name="finance-workspace"),
    path("finance/invoices/", include(("invoicing.urls_finance", "invoicing-finance"))),
    path("providers/", include(("providers.urls", "providers"))),
    path("referrals/", include(("referrals.urls", "referrals"))),
    path("monitoring/", include(("monitoring.urls", "monitoring"))),
    path("documents/", include(("documents.urls", "documents"))),
    path("vacancies/", include(("sufficiency.urls", "sufficiency"))),
    path("reports/", include(("reports.urls_finance", "finance"))),
    path("insight/", include(("reports.urls_insight", "insight"))),
    path("invoices/", include(("invoicing.urls_provider", "invoicing-provider"))),
    path("notices/", include(("notices.urls", "notices"))),
    path("", include(("contracts.urls", "contracts"))),
    path("", include(("calloffs.urls", "calloffs"))),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("", include("dps.web_urls")),
    path("", include(web)),
]

handler400 = "dps.views.bad_request"
handler403 = "dps.views.permission_denied"
handler404 = "dps.views.page_not_found"
handler500 = "dps.views.server_error"
