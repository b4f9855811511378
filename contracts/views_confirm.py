"""Check-your-answers steps (finding 6, dps.confirm) before ending a placement, buying a block
and approving a spot placement or block purchase. The forms post here first; the page shows
the answers and posts them, unchanged, to the actions' own views (contracts.views
.end_placement, contracts.views_blocks.block_create, contracts.views_approvals
.approve_placement, .approve_block)."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from calloffs.forms import ApproveForm
from contracts import approvals, selectors
from contracts.forms import BlockContractForm, EndForm
from contracts.models import Placement
from contracts.views import _detail_page, _lot_choices, _own_placement
from contracts.views_approvals import _page as approval_page
from contracts.views_blocks import _admitted_providers
from dps import formatting
from dps.approvals import KEY_DECISION_THRESHOLD
from dps.confirm import answers, check_page, wants_change
from dps.models import Role
from dps.views import role_required


@require_POST
@role_required(Role.COMMISSIONER)
def end_check(request, pk):
    placement = _own_placement(request, pk)
    form = EndForm(request.POST)
    if placement.status == Placement.Status.ENDED or wants_change(request) \
            or not form.is_valid():
        return _detail_page(request, placement, bound={"end": form},
                            status=400 if form.errors else 200)
    detail = reverse("contracts:detail", args=[placement.pk])
    return check_page(
        request, title="Check before you end the placement",
        caption=f"Placement with {placement.provider_name}",
        rows=answers(form),
        warning="The placement ends on that date and the provider is told. You cannot undo it.",
        action=reverse("contracts:end", args=[placement.pk]), button="End the placement",
        post=request.POST, change_action=reverse("contracts:end-check", args=[placement.pk]),
        back_url=f"{detail}#end", back_text="Go back without ending it")


@require_POST
@role_required(Role.COMMISSIONER)
def block_check(request):
    form = BlockContractForm(request.POST, providers=_admitted_providers(), lots=_lot_choices())
    if wants_change(request) or not form.is_valid():
        return render(request, "contracts/block_form.html", {
            "form": form, "problems": form.error_summary()}, status=400 if form.errors else 200)
    return check_page(
        request, title="Check the block before you buy it", caption="Block contracts",
        rows=answers(form),
        warning="Buying commits the council to paying for these beds whether or not they are "
                "used. A block above a budget holder's limit waits for approval.",
        action=reverse("contracts:block-create"), button="Buy the block",
        warning_button=False, post=request.POST, change_action=reverse("contracts:block-check"),
        back_url=reverse("contracts:blocks"), back_text="Cancel")


def _approval_check(request, *, obj, kind, template, caption, rows, approve_url):
    """The approve form's answers, checked before the approval's own POST (as an award's)."""
    item = approvals.waiting(obj, kind=kind, user=request.user) \
        if obj.approval == "awaiting" else None
    noun = "spot placement" if kind == "placement" else "block purchase"
    form = ApproveForm(request.POST, key_decision=bool(item and item.key_decision),
                       threshold=KEY_DECISION_THRESHOLD, noun=f"A {noun}")
    if item is None or not item.within_limit or wants_change(request) or not form.is_valid():
        return approval_page(request, obj=obj, kind=kind, template=template, form=form)
    rows = [*rows, ("Value", formatting.money(item.value))]
    if form.cleaned_data.get("key_decision_reference"):
        rows.append(("Key decision reference", form.cleaned_data["key_decision_reference"]))
    return check_page(
        request, title=f"Check the {noun} before you approve it", caption=caption, rows=rows,
        warning=f"Approving commits {formatting.money(item.value)}: from then the {noun} "
                f"counts as spend. You cannot undo it.",
        action=approve_url, button=f"Confirm and approve the {noun}", warning_button=False,
        post=request.POST, back_url=approve_url, back_text="Go back without approving")


@require_POST
@role_required(Role.BUDGET_HOLDER)
def approve_placement_check(request, pk):
    placement = get_object_or_404(
        selectors.placements_for(request.user).select_related("provider", "authority",
                                                               "created_by"), pk=pk)
    return _approval_check(
        request, obj=placement, kind="placement", template="contracts/approve_placement.html",
        caption=f"Spot placement with {placement.provider_name}",
        rows=[("Provider", placement.provider_name), ("Lot", placement.lot.name),
              ("Start", formatting.long_date(placement.start_date))],
        approve_url=reverse("contracts:approve-placement", args=[placement.pk]))


@require_POST
@role_required(Role.BUDGET_HOLDER)
def approve_block_check(request, pk):
    block = get_object_or_404(selectors.blocks_for(request.user).select_related("created_by"),
                              pk=pk)
    return _approval_check(
        request, obj=block, kind="block", template="contracts/approve_block.html",
        caption=f"Block purchase from {block.provider.name}",
        rows=[("Provider", block.provider.name), ("Beds", str(block.beds))],
        approve_url=reverse("contracts:approve-block", args=[block.pk]))
