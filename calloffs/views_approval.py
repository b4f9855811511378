"""Budget holders' pages: the awards waiting for approval, approving one, sending it back and
passing it to an approver whose limit covers it. Thin, like calloffs/views.py: one service
call per action."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from calloffs import selectors, services
from calloffs.approval_requests import pass_recommendation
from calloffs.forms import ApproveForm, PassOnForm, ReasonForm
from calloffs.models import CallOff
from calloffs.views import _authority_id, _money
from dps import formatting
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.errors import DomainError
from dps.models import Role
from dps.views import role_required
from monitoring.award_risk import risk_for


@role_required(Role.BUDGET_HOLDER)
def approvals(request):
    _authority_id(request)
    from contracts.approvals import approval_queue as purchases_waiting

    return render(request, "calloffs/approvals.html", {
        "items": selectors.approval_queue(request.user),
        "queue": purchases_waiting(request.user),
        "limit": request.user.approval_limit,
        "threshold": KEY_DECISION_THRESHOLD,
    })


def _send_back_form(data=None):
    return ReasonForm(data, prefix="send-back", label="Why are you sending it back?",
                      hint="The commissioner reads it and can recommend again.",
                      required_message="Say why you are sending the recommendation back")


def _approval_calloff(request, pk):
    queryset = selectors.authority_calloffs(_authority_id(request)).select_related(
        "recommended_eoi", "recommended_eoi__provider", "recommended_by")
    return get_object_or_404(queryset, pk=pk)


def _approval_summary(request, calloff):
    if calloff.status != CallOff.Status.AWAITING_APPROVAL or not calloff.recommended_eoi_id:
        return None
    holders = selectors.budget_holders(calloff.authority_id)
    return {**selectors.approval_summary(calloff, selectors.ranking(calloff), user=request.user,
                                         holders=holders),
            "passed_to": selectors.passes_on([calloff.pk], holders).get(calloff.pk)}


def _approval_page(request, calloff, summary, *, approve_form=None, send_back_form=None,
                   pass_on_form=None):
    approve_form = approve_form or ApproveForm(
        key_decision=bool(summary and summary["key_decision"]),
        threshold=KEY_DECISION_THRESHOLD)
    send_back_form = send_back_form or _send_back_form()
    if summary and not summary["within_limit"] and pass_on_form is None:
        pass_on_form = PassOnForm(approvers=summary["others"])
    risk_rows = []
    if summary:
        eoi = summary["eoi"]
        risk_rows = [(eoi.provider.name, risk_for([eoi.provider_id])[eoi.provider_id])]
    return render(request, "calloffs/approve.html", {
        "risk_rows": risk_rows,
        "risk_link": request.user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN),
        "calloff": calloff, "referral": calloff.referral, "item": summary,
        "unit": calloff.lot.get_price_unit_display(),
        "threshold": KEY_DECISION_THRESHOLD,
        "approve_form": approve_form, "send_back_form": send_back_form,
        "pass_on_form": pass_on_form,
        "problems": approve_form.error_summary() or send_back_form.error_summary()
        or (pass_on_form.error_summary() if pass_on_form else []),
    })


@role_required(Role.BUDGET_HOLDER)
def approval(request, pk):
    calloff = _approval_calloff(request, pk)
    summary = _approval_summary(request, calloff)
    if request.method != "POST":
        return _approval_page(request, calloff, summary)
    form = ApproveForm(request.POST, key_decision=bool(summary and summary["key_decision"]),
                       threshold=KEY_DECISION_THRESHOLD)
    if form.is_valid():
        try:
            placement = services.approve_award(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            # The agreement is built after commit (contracts.agreements): say where it appears.
            messages.success(request, format_html(
                "Award approved. A placement was created with {}, starting {}, at {}. Its "
                "agreement is being prepared and appears on <a class=\"govuk-notification-"
                "banner__link\" href=\"{}\">the placement's page</a> within a minute or so.",
                placement.provider_name, formatting.long_date(placement.start_date),
                _money(placement.price, calloff.lot.get_price_unit_display()),
                reverse("contracts:detail", args=[placement.pk])))
            return redirect("calloffs:approvals")
    return _approval_page(request, calloff, summary, approve_form=form)


@require_POST
@role_required(Role.BUDGET_HOLDER)
def send_back(request, pk):
    calloff = _approval_calloff(request, pk)
    form = _send_back_form(request.POST)
    if form.is_valid():
        try:
            services.reject_recommendation(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Recommendation sent back to the commissioner.")
            return redirect("calloffs:approvals")
    return _approval_page(request, calloff, _approval_summary(request, calloff),
                          send_back_form=form)


@require_POST
@role_required(Role.BUDGET_HOLDER)
def pass_on(request, pk):
    """Pass an award above the budget holder's limit to a named approver whose limit covers
    it: audited, and the approver is e-mailed."""
    calloff = _approval_calloff(request, pk)
    summary = _approval_summary(request, calloff)
    form = PassOnForm(request.POST, approvers=summary["others"] if summary else [])
    if form.is_valid():
        try:
            approver = pass_recommendation(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Passed to {approver.get_full_name() or approver.username}"
                                      ". We e-mailed them a link to the award.")
            return redirect("calloffs:approvals")
    return _approval_page(request, calloff, summary, pass_on_form=form)
