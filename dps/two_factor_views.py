"""The two-factor pages: set up an authenticator app (first time, when allowed), enter a code
(each sign-in)."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django_otp import user_has_device

from dps import two_factor
from dps.errors import DomainError
from dps.forms import GovukFormMixin


class CodeForm(GovukFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app", max_length=10,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"})


def _act(request, template, call, context):
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            call(request, form.cleaned_data["code"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            return redirect(two_factor.safe_next(request))
    status = 400 if form.errors else 200
    return render(request, template, {"form": form, "next": request.GET.get("next", ""),
                                      **context}, status=status)


@login_required
def setup(request):
    if not two_factor.required_for(request.user) or user_has_device(request.user):
        return redirect(two_factor.safe_next(request))
    if two_factor.enrolment_route(request) is None:
        # A password alone sets up nothing: the invitation link or an administrator's reset.
        return render(request, "registration/two_factor_ask_admin.html", status=403)
    device = two_factor.pending_device(request.user)
    return _act(request, "registration/two_factor_setup.html", two_factor.confirm_device,
                {"setup_key": two_factor.setup_key(device), "config_url": device.config_url})


@login_required
def verify(request):
    if not two_factor.required_for(request.user) or request.user.is_verified():
        return redirect(two_factor.safe_next(request))
    return _act(request, "registration/two_factor_verify.html", two_factor.verify, {})
