"""Confirmation steps (finding 6, dps.confirm): "Close now" and "Approve the award" ask first.
The actions' own views (calloffs.views.close, calloffs.views_approval.approval) are unchanged:
these pages lead to them."""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from calloffs import selectors
from calloffs.forms import ApproveForm
from calloffs.models import CallOff
from calloffs.views import _money, _own_calloff
from calloffs.views_approval import _approval_calloff, _approval_page, _approval_summary
from dps import formatting
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.confirm import check_page
from dps.models import Role
from dps.views import role_required


@require_GET
@role_required(Role.COMMISSIONER)
def close_confirm(request, pk):
    calloff = _own_calloff(request, pk)
    detail = reverse("calloffs:detail", args=[calloff.pk])
    if calloff.status != CallOff.Status.OPEN:
        return redirect(detail)
    offers = len(selectors.live_offers(calloff))
    return check_page(
        request, title="Close the call-off now?",
        caption=f"Call-off for {calloff.referral.child.case_reference}",
        rows=[("Deadline", f"{timezone.localtime(calloff.deadline):%-d %B %Y at %H:%M}"),
              ("Offers received", str(offers))],
        warning="Once it is closed no provider can send, change or withdraw a response. You "
                "cannot open it again.",
        action=reverse("calloffs:close", args=[calloff.pk]), button="Close the call-off now",
        back_url=detail, back_text="Keep it open")


@require_POST
@role_required(Role.BUDGET_HOLDER)
def approval_check(request, pk):
    """The approve form's answers, checked before the approval's own POST."""
    calloff = _approval_calloff(request, pk)
    summary = _approval_summary(request, calloff)
    form = ApproveForm(request.POST, key_decision=bool(summary and summary["key_decision"]),
                       threshold=KEY_DECISION_THRESHOLD)
    if summary is None or not summary["within_limit"] or not form.is_valid():
        return _approval_page(request, calloff, summary, approve_form=form)
    eoi = summary["eoi"]
    unit = calloff.lot.get_price_unit_display()
    rows = [("Provider", eoi.provider.name), ("Price", _money(eoi.price, unit)),
            ("Value of the award", formatting.money(summary['value'])),
            ("Proposed start", f"{eoi.proposed_start:%-d %B %Y}")]
    if form.cleaned_data.get("key_decision_reference"):
        rows.append(("Key decision reference", form.cleaned_data["key_decision_reference"]))
    back = reverse("calloffs:approval", args=[calloff.pk])
    return check_page(
        request, title="Check the award before you approve it",
        caption=f"Award for {calloff.referral.child.case_reference}", rows=rows,
        warning=f"Approving creates the placement with {eoi.provider.name} and tells every "
                f"provider who responded the outcome. You cannot undo it.",
        action=back, button="Confirm and approve the award", warning_button=False,
        post=request.POST, back_url=back, back_text="Go back without approving")
