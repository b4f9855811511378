from django.contrib.auth import views as auth_views
from django.urls import include, path

from dps import account_views, two_factor_views, views
from dps.forms import SignInForm

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", auth_views.LoginView.as_view(
        template_name="registration/sign_in.html", authentication_form=SignInForm,
        redirect_authenticated_user=True), name="login"),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("sign-in/forgotten-password/", account_views.forgotten_password,
         name="password-reset"),
    path("sign-in/forgotten-password/sent/", account_views.password_reset_sent,
         name="password-reset-sent"),
    path("reset-password/<uidb64>/<token>/", account_views.ResetPasswordView.as_view(),
         name="password-reset-confirm"),
    path("register/", account_views.provider_sign_up, name="provider-sign-up"),
    path("two-factor/setup/", two_factor_views.setup, name="two-factor-setup"),
    path("two-factor/verify/", two_factor_views.verify, name="two-factor-verify"),
    # The front doors (issue 8).
    path("dashboard/", views.dashboard, name="dashboard"),
    path("portal/", views.portal, name="portal"),
    path("portal/colleagues/", views.invite_colleague, name="invite-colleague"),
    path("portal/colleagues/<int:pk>/resend/", views.resend_invitation,
         name="resend-invitation"),
    path("portal/colleagues/<int:pk>/cancel/", views.cancel_invitation,
         name="cancel-invitation"),
    path("finance/", views.finance_workspace, name="finance-workspace"),
    path("finance/invoices/", include(("invoicing.urls_finance", "invoicing-finance"))),
    path("cookies/", views.cookies, name="cookies"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("set-password/", views.set_password, name="set-password"),
    path("help/", views.help_index, name="help"),
    *[path(f"help/{slug}/", view, name=f"help-{slug}") for slug, view in views.help_pages.items()],
    path("providers/", include(("providers.urls", "providers"))),
    path("referrals/", include(("referrals.urls", "referrals"))),
    path("monitoring/", include(("monitoring.urls", "monitoring"))),
    path("documents/", include(("documents.urls", "documents"))),
    path("reports/", include(("reports.urls_finance", "finance"))),
    path("insight/", include(("reports.urls_insight", "insight"))),
    path("invoices/", include(("invoicing.urls_provider", "invoicing-provider"))),
    path("", include(("contracts.urls", "contracts"))),
    path("", include(("calloffs.urls", "calloffs"))),
]
