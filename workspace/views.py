"""The front doors (issue 8): each role's page of what needs doing, composed from every app."""
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from dps import services
from dps.errors import DomainError
from dps.models import Role
from dps.privacy import carries_child_identity
from dps.views import role_required
from providers.views_regimes import regime_warnings
from workspace import dashboard as queries
from workspace import portal_todo


@carries_child_identity  # case references, and a search that echoes one
@role_required(Role.COMMISSIONER, Role.DPS_ADMIN, Role.BUDGET_HOLDER)
def dashboard(request):
    """What needs doing today, for each of the user's roles (each item linked to the page where
    it is done), and a commissioner's search box."""

    query = request.GET.get("q", "")
    results = None
    if query.strip() and request.user.has_role(Role.COMMISSIONER):
        results = queries.search(request.user, query)
    return render(request, "dps/dashboard.html", {
        "sections": queries.commissioner_dashboard(request.user, searching=results is not None),
        "is_commissioner": request.user.has_role(Role.COMMISSIONER),
        "is_admin": request.user.has_role(Role.DPS_ADMIN),
        "is_budget_holder": request.user.has_role(Role.BUDGET_HOLDER),
        "query": query, "results": results,
        "today": timezone.localdate(),
        # What the arrangements' legal regimes mean (ADR 0017): the DPS team's to act on.
        "regime_warnings": regime_warnings() if request.user.has_role(Role.DPS_ADMIN) else [],
    })


def _portal_page(request, invite_form=None, status=200, problems=None):
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
    data["more_to_do"] = portal_todo.extra_to_do(request.user, data, timezone.localdate())
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
    """Finance's front door: what is waiting (invoices to approve, decide, pay and export),
    then spend, commitments, payments and exports, one click away."""
    from invoicing.selectors import finance_waiting

    return render(request, "dps/finance.html", {
        "waiting": finance_waiting(request.user, today=timezone.localdate())})


