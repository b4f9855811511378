from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader

from dps import audit
from dps.models import Role


def role_required(*roles):
    """Page guard: signed out → the sign-in page; signed in without one of `roles` → 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Read by the permission matrix test (tests/security/matrix.py) to know a page's roles.
        wrapped.required_roles = frozenset(roles)
        return wrapped

    return decorator


@login_required
def home(request):
    """Each role lands on its own front door."""
    user = request.user
    if user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN):
        return redirect("dashboard")
    if user.has_role(Role.BUDGET_HOLDER):
        return redirect("calloffs:approvals")
    if user.has_role(Role.FINANCE):
        return redirect("finance-workspace")
    if user.has_role(Role.PROVIDER):
        return redirect("portal")
    return render(request, "home.html")


def cookies(request):
    """Essential cookies only (session and CSRF): no banner, nothing to accept."""
    return render(request, "help/cookies.html")


def accessibility(request):
    """The accessibility statement the 2018 regulations require: public, with its contact."""
    return render(request, "help/accessibility.html", {
        "contact": settings.ACCESSIBILITY_CONTACT_EMAIL,
        "operator": settings.ACCESSIBILITY_OPERATOR})


HELP_PAGES = {
    "commissioners": "Help for commissioners",
    "providers": "Help for providers",
    "budget-holders": "Help for budget holders",
    "finance": "Help for finance",
    "administrators": "Help for DPS administrators",
}


@login_required
def help_index(request):
    return render(request, "help/index.html", {"pages": HELP_PAGES})


def _help(slug):
    @login_required
    def view(request):
        return render(request, f"help/{slug}.html", {"title": HELP_PAGES[slug],
                                                     "pages": HELP_PAGES})

    view.__name__ = f"help_{slug.replace('-', '_')}"
    return view


help_pages = {slug: _help(slug) for slug in HELP_PAGES}


SET_PASSWORD_SESSION_KEY = "set_password_user"


def set_password(request):
    """The invitation's one-time link: `?uid=…&token=…` is checked, kept in the session and
    taken out of the address (so it cannot leak in a Referer), then the password is chosen."""
    from django.utils.encoding import force_str
    from django.utils.http import urlsafe_base64_decode

    from dps.forms import ChoosePasswordForm
    from dps.models import User
    from dps.tasks import invitation_token_generator

    if "uid" in request.GET:
        try:
            pk = int(force_str(urlsafe_base64_decode(request.GET.get("uid", ""))))
            user = User.objects.get(pk=pk, is_active=True)
        except (ValueError, TypeError, OverflowError, User.DoesNotExist):
            user = None
        if user is not None and invitation_token_generator.check_token(
                user, request.GET.get("token", "")):
            request.session[SET_PASSWORD_SESSION_KEY] = [user.pk, request.GET["token"]]
            return redirect("set-password")
        request.session.pop(SET_PASSWORD_SESSION_KEY, None)
        return render(request, "dps/set_password_invalid.html")
    pk, token = request.session.get(SET_PASSWORD_SESSION_KEY) or (None, "")
    user = User.objects.filter(pk=pk, is_active=True).first() if pk else None
    if user is None or not invitation_token_generator.check_token(user, token):
        # A page that explains, for a person following an old link; a write is refused.
        return render(request, "dps/set_password_invalid.html",
                      status=404 if request.method == "POST" else 200)
    form = ChoosePasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(user, "user.password_set", by=user)
        if user.is_authority_user:
            # Staff set up their authenticator app in this browser, at their first sign-in.
            from dps import two_factor

            two_factor.allow_enrolment_here(request, user)
        request.session.pop(SET_PASSWORD_SESSION_KEY, None)
        messages.success(request, "Your password is set. Sign in with your username and it.")
        return redirect("login")
    return render(request, "dps/set_password.html", {
        "form": form, "account": user, "problems": form.error_summary() if form.errors else []},
        status=400 if form.errors else 200)


def bad_request(request, exception=None):
    return render(request, "errors/400.html", status=400)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: context processors touch the session and database, which may be
    # what failed.
    return HttpResponseServerError(loader.get_template("errors/500.html").render())
