"""Pages of the signed-out doors: "forgotten your password?" and provider sign-up.

Both POSTs are throttled per client address (dps.net.client_address) by the API's throttle
(dps.api.throttling): sign-up shares the `register` counter with POST
/api/v1/providers/register/; resets have their own `password_reset` scope. With the cache
unreachable they pass unthrottled, as signing in does (docs/operations.md)."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy

from dps import accounts, services
from dps.account_forms import ForgottenPasswordForm, ProviderSignUpForm, ResetPasswordForm
from dps.api.throttling import page_allows
from dps.errors import DomainError

THROTTLED = {
    "password_reset": "You have asked to reset a password too many times. Wait an hour and "
                      "try again.",
    "register": "Too many registrations have been made from your network. Wait an hour and "
                "try again.",
}


def _throttled(request, scope):
    return render(request, "registration/throttled.html", {"detail": THROTTLED[scope]},
                  status=429)


def forgotten_password(request):
    """Ask for a reset link. The answer is the same whether or not the address has an
    account (no enumeration)."""
    form = ForgottenPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not page_allows(request, "password_reset"):
            return _throttled(request, "password_reset")
        if form.is_valid():
            accounts.request_password_reset(email=form.cleaned_data["email"],
                                            site_url=request.build_absolute_uri("/"))
            request.session["password_reset_email"] = form.cleaned_data["email"]
            return redirect("password-reset-sent")
    return render(request, "registration/forgotten_password.html", {
        "form": form, "problems": form.error_summary() if form.errors else [],
        "reset_lifetime": accounts.reset_lifetime()},
        status=400 if form.errors else 200)


def password_reset_sent(request):
    return render(request, "registration/password_reset_sent.html", {
        "email": request.session.get("password_reset_email", ""),
        "reset_lifetime": accounts.reset_lifetime()})


class ResetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's: the link's token goes into the session and out of the address, then the
    new password. No sign-in after it: the person signs in again, with their second factor
    when they have one (two-factor is never skipped by a reset)."""

    form_class = ResetPasswordForm
    template_name = "registration/reset_password.html"
    post_reset_login = False
    success_url = reverse_lazy("login")
    extra_context = {"reset_lifetime": accounts.reset_lifetime}

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.password_reset_completed(form.user)
        self.request.session.pop("password_reset_email", None)
        messages.success(self.request, "Your password has been changed. Sign in with your "
                                       "username and the new password.")
        return response

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(
            form=form, problems=form.error_summary()), status=400)


def provider_sign_up(request):
    """A provider registers its organisation and first user: the API's register_provider."""
    form = ProviderSignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not page_allows(request, "register"):
            return _throttled(request, "register")
        if form.is_valid():
            try:
                _organisation, user = services.register_provider(**form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, f"Your organisation is registered. Sign in as "
                                          f"{user.username} to apply to join a DPS.")
                return redirect("login")
    return render(request, "registration/sign_up.html", {
        "form": form, "problems": form.error_summary() if form.errors else []},
        status=400 if form.errors else 200)
