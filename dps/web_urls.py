"""The kernel's own pages: signing in, accounts, help. The apps' pages are joined in
workspace/urls.py, above every app."""
from django.contrib.auth import views as auth_views
from django.urls import path

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
    path("cookies/", views.cookies, name="cookies"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("set-password/", views.set_password, name="set-password"),
    path("help/", views.help_index, name="help"),
    *[path(f"help/{slug}/", view, name=f"help-{slug}") for slug, view in views.help_pages.items()],
]
