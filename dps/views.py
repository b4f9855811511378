from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dps import audit, services
from dps.errors import DomainError
from dps.models import Role
from dps.privacy import carries_child_identity


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


# --- The front doors (issue 8) --------------------------------------------------------------

@carries_child_identity  # case references, and a search that echoes one
@role_required(Role.COMMISSIONER, Role.DPS_ADMIN, Role.BUDGET_HOLDER)
def dashboard(request):
    """What needs doing today, for each of the user's roles (each item linked to the page where
    it is done), and a commissioner's search box."""
    from dps import dashboard as queries
    from providers.views_regimes import regime_warnings

    query = request.GET.get("q", "")
    results = None
    if query.strip() and request.user.has_role(Role.COMMISSIONER):
        results = queries.search(request.user, query)
    return render(request, "dps/dashboard.html", {
        "sections": queries.commissioner_dashboard(request.user),
        "is_commissioner": request.user.has_role(Role.COMMISSIONER),
        "is_admin": request.user.has_role(Role.DPS_ADMIN),
        "is_budget_holder": request.user.has_role(Role.BUDGET_HOLDER),
        "query": query, "results": results,
        "today": timezone.localdate(),
        # What the arrangements' legal regimes mean (ADR 0017): the DPS team's to act on.
        "regime_warnings": regime_warnings() if request.user.has_role(Role.DPS_ADMIN) else [],
    })


def _portal_page(request, invite_form=None, status=200, problems=None):
    from dps import dashboard as queries
    from dps.forms import InviteColleagueForm
    from dps.services import may_invite

    since = request.session.get("portal_since")
    if since is None:
        # A visit is a session: the previous one decides what is "new", kept in the session so
        # a reload (or a failed invitation) shows the same list; the next session counts from
        # this one.
        previous = services.record_portal_visit(request.user)
        since = previous.isoformat() if previous else ""
        request.session["portal_since"] = since
    since_at = datetime.fromisoformat(since) if since else None
    data = queries.supplier_portal(request.user, since=since_at)
    can_invite = may_invite(request.user)
    return render(request, "dps/portal.html", {
        **data, "since": since_at, "can_invite": can_invite,
        "pending_invitations": [colleague for colleague in data["colleagues"]
                                if services.is_pending_invitation(colleague)]
        if can_invite else [],
        "invite_form": invite_form or (InviteColleagueForm() if can_invite else None),
        "problems": problems or (invite_form.error_summary() if invite_form else []),
    }, status=status)


@role_required(Role.PROVIDER)
def portal(request):
    """The supplier portal: the provider's front door."""
    if request.user.organisation_id is None or not request.user.organisation.is_provider:
        raise PermissionDenied
    return _portal_page(request)


@require_POST
@role_required(Role.PROVIDER)
def invite_colleague(request):
    from dps.forms import InviteColleagueForm

    if not services.may_invite(request.user):
        raise PermissionDenied
    form = InviteColleagueForm(request.POST)
    if form.is_valid():
        try:
            colleague = services.invite_colleague(
                by=request.user, site_url=request.build_absolute_uri("/"), **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{colleague.username} was invited. We sent a link to "
                                      f"{colleague.email} to choose a password.")
            return redirect(reverse("portal") + "#colleagues")
    return _portal_page(request, invite_form=form, status=400)


def _invitation_action(request, pk, action, success):
    """Run the service on colleague `pk`; it decides who may (403) and whose colleague it is
    (another organisation's: 404)."""
    try:
        colleague = action(pk)
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from exc
        if exc.status == 403:
            raise PermissionDenied from exc
        return _portal_page(request, problems=[{"text": exc.detail}], status=exc.status)
    messages.success(request, success(colleague))
    return redirect(reverse("portal") + "#colleagues")


@require_POST
@role_required(Role.PROVIDER)
def resend_invitation(request, pk):
    """Send a pending invitation again: a new link, and the old one stops working."""
    return _invitation_action(
        request, pk,
        lambda colleague: services.resend_invitation(
            colleague, by=request.user, site_url=request.build_absolute_uri("/")),
        lambda colleague: f"We sent {colleague.username} a new invitation at {colleague.email}."
                          f" The link in the earlier email no longer works.")


@require_POST
@role_required(Role.PROVIDER)
def cancel_invitation(request, pk):
    """Cancel a pending invitation: the link stops working and the account is inactive."""
    return _invitation_action(
        request, pk, lambda colleague: services.cancel_invitation(colleague, by=request.user),
        lambda colleague: f"The invitation to {colleague.username} was cancelled. Their link no "
                          f"longer works. You can invite them again with the correct details.")


@role_required(Role.FINANCE, Role.DPS_ADMIN)
def finance_workspace(request):
    """Finance's front door: spend, commitments, payments and exports, one click away."""
    return render(request, "dps/finance.html")


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
