"""Two-factor sign-in (TOTP, django-otp) for staff roles: settings.STAFF_TWO_FACTOR turns it
on (the default with DEBUG off). A staff user signed in with a password but not yet verified
reaches only the two-factor pages and sign-out; the first time, they set up an authenticator
app. Providers are not asked (their sign-in is a single organisation account)."""

import base64

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from dps import audit
from dps.errors import RuleViolation
from dps.models import AUTHORITY_ROLES

OPEN_PREFIXES = ("/two-factor/", "/sign-out/", "/static/", "/healthz")


def required_for(user):
    return bool(settings.STAFF_TWO_FACTOR and user.is_authenticated
                and (user.is_superuser or any(role in AUTHORITY_ROLES for role in user.roles)))


class RequireTwoFactorMiddleware:
    """After django-otp's OTPMiddleware: sends unverified staff to set up or verify."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (required_for(user) and not user.is_verified()
                and not request.path.startswith(OPEN_PREFIXES)):
            target = "two-factor-verify" if user_has_device(user) else "two-factor-setup"
            return redirect(f"{reverse(target)}?next={request.get_full_path()}")
        return self.get_response(request)


def setup_key(device):
    """The secret as authenticator apps take it by hand: base32 in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def pending_device(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app",
                                               confirmed=False)


def _bad_code():
    return RuleViolation("Enter the 6-digit code your authenticator app shows now.",
                         code="invalid_otp", fields={"code": ["The code is not right."]})


@transaction.atomic
def confirm_device(request, code):
    """First set-up: the code proves the app holds the key; the device is then confirmed."""
    user = request.user
    device = pending_device(user)
    if not device.verify_token((code or "").strip()):
        raise _bad_code()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    otp_login(request, device)
    audit.record(user, "user.two_factor_enabled", by=user)
    return device


def verify(request, code):
    user = request.user
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token((code or "").strip()):
            otp_login(request, device)
            return device
    raise _bad_code()


def verify_for_token(user, code):
    """The API token endpoint's check for staff who must use two factors."""
    if not required_for(user):
        return
    if not code:
        raise RuleViolation("Staff accounts need the code from their authenticator app: send "
                            "it as `otp`.", code="otp_required",
                            fields={"otp": ["This field is required."]})
    if not any(device.verify_token(str(code).strip())
               for device in TOTPDevice.objects.filter(user=user, confirmed=True)):
        raise RuleViolation("The code is not right.", code="invalid_otp",
                            fields={"otp": ["The code is not right."]})


def safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: redirect() would take any other word for a URL name to
    # reverse, and fail (found by tests/security/test_fuzz_bad_input.py).
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)
