"""Check-your-answers steps (finding 6, dps.confirm) before ending a placement and buying a
block. The forms post here first; the page shows the answers and posts them, unchanged, to
the actions' own views (contracts.views.end_placement, .block_create)."""

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from contracts.forms import BlockContractForm, EndForm
from contracts.models import Placement
from contracts.views import _admitted_providers, _detail_page, _lot_choices, _own_placement
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
