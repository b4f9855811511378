"""Two-factor sign-in (TOTP, django-otp) for staff roles: settings.STAFF_TWO_FACTOR turns it
on (the default with DEBUG off). A staff user signed in with a password but not yet verified
reaches only the two-factor pages and sign-out. Providers are not asked (their sign-in is a
single organisation account).

A password alone never enrols an authenticator: a staff user without one may set one up only
in the browser that used their one-time invitation link (allow_enrolment_here), or once after
an administrator's audited reset (reset). Anyone else is told to ask their administrator."""

import base64

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from dps import audit
from dps.errors import Forbidden, NotFound, RuleViolation
from dps.models import AUTHORITY_ROLES, User

OPEN_PREFIXES = ("/two-factor/", "/sign-out/", "/static/", "/healthz")
# The session key naming the user whose invitation link this browser used (dps.views).
INVITED_SESSION_KEY = "two_factor_enrol_invited"


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


def allow_enrolment_here(request, user):
    """The one-time invitation link was just used in this browser: the invitee may set up an
    authenticator here (once; signing in keeps the session's data)."""
    request.session[INVITED_SESSION_KEY] = user.pk


def enrolment_route(request, user=None):
    """"invitation", "reset", or None when this user may not set up an authenticator now."""
    user = user or request.user
    if request.session.get(INVITED_SESSION_KEY) == user.pk:
        return "invitation"
    if user.two_factor_reset_at is not None:
        return "reset"
    return None


def pending_device(user):
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app",
                                               confirmed=False)


def _bad_code():
    return RuleViolation("Enter the 6-digit code your authenticator app shows now.",
                         code="invalid_otp", fields={"code": ["The code is not right."]})


def _not_allowed():
    return Forbidden("Ask your administrator to reset two-factor sign-in for your account.",
                     code="two_factor_enrolment_not_allowed")


@transaction.atomic
def confirm_device(request, code):
    """First set-up: the code proves the app holds the key; the device is then confirmed, and
    the permission to enrol (invitation or reset) is used up."""
    user = User.objects.select_for_update(of=("self",)).get(pk=request.user.pk)
    route = enrolment_route(request, user)
    if route is None or TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise _not_allowed()
    device = pending_device(user)
    if not device.verify_token((code or "").strip()):
        raise _bad_code()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    request.session.pop(INVITED_SESSION_KEY, None)
    if user.two_factor_reset_at is not None:
        user.two_factor_reset_at = None
        user.save(update_fields=["two_factor_reset_at"])
        request.user.two_factor_reset_at = None
    otp_login(request, device)
    audit.record(user, "user.two_factor_enabled", by=user, data={"via": route})
    return device


@transaction.atomic
def reset(user, *, by, now=None):
    """An administrator resets a staff user's two-factor sign-in (a lost phone): every device
    goes, and the user may set up exactly one new one at their next sign-in. Not one's own:
    another administrator must do it, so a stolen session cannot swap the device."""
    if not getattr(by, "is_dps_admin", False):
        raise Forbidden("Only a DPS administrator can reset two-factor sign-in.")
    target = (User.objects.select_for_update(of=("self",))
              .filter(pk=getattr(user, "pk", user)).first())
    if target is None:
        raise NotFound("There is no such user.")
    if target.pk == by.pk:
        raise Forbidden("Another administrator must reset your two-factor sign-in.",
                        code="own_two_factor")
    devices, _ = TOTPDevice.objects.filter(user=target).delete()
    previous = target.two_factor_reset_at
    target.two_factor_reset_at = now or timezone.now()
    target.save(update_fields=["two_factor_reset_at"])
    audit.record(target, "user.two_factor_reset", by=by,
                 data={"devices_removed": devices,
                       "previous_reset_unused": previous.isoformat() if previous else None})
    return target


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
