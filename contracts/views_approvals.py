"""Budget holders approve spot placements and block purchases (the award's rule, one service
each in contracts.approvals). Their queue is on the approvals page with the awards
(calloffs.views_approval.approvals); these are the pages that approve one. Another
authority's purchase is not found.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from calloffs.forms import ApproveForm
from contracts import approvals, selectors, services
from contracts.forms import PurchasePassOnForm
from dps import formatting
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.errors import DomainError
from dps.models import Role
from dps.views import role_required
from monitoring.award_risk import risk_for


def _page(request, *, obj, kind, template, form=None, pass_on_form=None, status=200):
    item = approvals.waiting(obj, kind=kind, user=request.user) \
        if obj.approval == "awaiting" else None
    if item is not None:
        approvals.with_passes([item], request.user)
    noun = "A spot placement" if kind == "placement" else "A block purchase"
    form = form or ApproveForm(key_decision=bool(item and item.key_decision),
                               threshold=KEY_DECISION_THRESHOLD, noun=noun)
    if pass_on_form is None and item is not None and item.others:
        pass_on_form = PurchasePassOnForm(approvers=item.others)
    problems = (form.error_summary() if form.is_bound else []) or \
        (pass_on_form.error_summary() if pass_on_form is not None and pass_on_form.is_bound
         else [])
    context = {"item": item, "form": form, "threshold": KEY_DECISION_THRESHOLD,
               "problems": problems, "pass_on_form": pass_on_form,
               "today": timezone.localdate()}
    context["placement" if kind == "placement" else "contract"] = obj
    # The provider's risk, as on the award's approve page; a spot provider not on the DPS has
    # none to show, and the page says so.
    if obj.provider_id:
        name = obj.provider_name if kind == "placement" else obj.provider.name
        context["risk_rows"] = [(name, risk_for([obj.provider_id])[obj.provider_id])]
        context["risk_link"] = request.user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN)
    unit = obj.price_unit if kind == "placement" else obj.unit
    context["unit"] = services.unit_label(unit)
    return render(request, template, context, status=status)


def _approve(request, *, obj, kind, template, call, done):
    item = approvals.waiting(obj, kind=kind, user=request.user) \
        if obj.approval == "awaiting" else None
    noun = "A spot placement" if kind == "placement" else "A block purchase"
    form = ApproveForm(request.POST, key_decision=bool(item and item.key_decision),
                       threshold=KEY_DECISION_THRESHOLD, noun=noun)
    if form.is_valid():
        try:
            approved = call(**form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done(approved))
            return redirect("calloffs:approvals")
    return _page(request, obj=obj, kind=kind, template=template, form=form)


@role_required(Role.BUDGET_HOLDER)
def approve_placement(request, pk):
    placement = get_object_or_404(
        selectors.placements_for(request.user).select_related("provider", "authority",
                                                               "created_by"), pk=pk)
    template = "contracts/approve_placement.html"
    if request.method != "POST":
        return _page(request, obj=placement, kind="placement", template=template)
    return _approve(
        request, obj=placement, kind="placement", template=template,
        call=lambda **data: approvals.approve_placement(placement, by=request.user, **data),
        done=lambda approved: f"Placement with {approved.provider_name} approved at "
                              f"{formatting.money(approved.value)}. It now counts as spend.")


@role_required(Role.BUDGET_HOLDER)
def approve_block(request, pk):
    block = get_object_or_404(selectors.blocks_for(request.user).select_related("created_by"),
                              pk=pk)
    template = "contracts/approve_block.html"
    if request.method != "POST":
        return _page(request, obj=block, kind="block", template=template)
    return _approve(
        request, obj=block, kind="block", template=template,
        call=lambda **data: approvals.approve_block(block, by=request.user, **data),
        done=lambda approved: f"Block purchase from {approved.provider.name} approved at "
                              f"{formatting.money(approved.value)}. It now counts as spend.")


def _pass_on(request, *, obj, kind, template, call):
    item = approvals.with_passes([approvals.waiting(obj, kind=kind, user=request.user)],
                                 request.user)[0] if obj.approval == "awaiting" else None
    form = PurchasePassOnForm(request.POST, approvers=(item.others or []) if item else [])
    if form.is_valid():
        try:
            approver = call(**form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Passed to {approver.get_full_name() or approver.username}"
                                      ". We e-mailed them a link to it.")
            return redirect("calloffs:approvals")
    return _page(request, obj=obj, kind=kind, template=template, pass_on_form=form, status=400)


@require_POST
@role_required(Role.BUDGET_HOLDER)
def pass_placement(request, pk):
    """Pass a spot placement above the budget holder's limit to one whose limit covers it."""
    placement = get_object_or_404(selectors.placements_for(request.user), pk=pk)
    return _pass_on(request, obj=placement, kind="placement",
                    template="contracts/approve_placement.html",
                    call=lambda **data: approvals.pass_placement(placement, by=request.user,
                                                                 **data))


@require_POST
@role_required(Role.BUDGET_HOLDER)
def pass_block(request, pk):
    """Pass a block purchase above the budget holder's limit to one whose limit covers it."""
    block = get_object_or_404(selectors.blocks_for(request.user), pk=pk)
    return _pass_on(request, obj=block, kind="block", template="contracts/approve_block.html",
                    call=lambda **data: approvals.pass_block(block, by=request.user, **data))
