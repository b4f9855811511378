"""Block contract and volume discount pages (split from contracts/views.py): beds bought in
advance, placing children into them, occupancy and voids; the DPS administrator's discount
tiers. Thin, as the placement pages: one service call per action."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts import approvals, selectors, services
from contracts.forms import (
    BlockContractForm,
    BlockPlacementForm,
    OccupancyForm,
    VolumeDiscountForm,
)
from contracts.models import Approval, VolumeDiscountTier
from contracts.views import (
    STAFF,
    _lot_choices,
    _money,
    _page,
    _page_query,
    _posted,
    _with_provider,
)
from dps import formatting
from dps.errors import DomainError
from dps.models import Organisation, Role
from dps.privacy import carries_child_identity
from dps.views import role_required
from providers.models import Lot, Membership

# --- Block contracts ------------------------------------------------------------------------

def _admitted_providers():
    """Providers admitted (not suspended, not removed) to at least one lot."""
    return [(str(org.pk), org.name) for org in Organisation.objects.filter(
        kind=Organisation.Kind.PROVIDER, memberships__status=Membership.Status.ADMITTED)
        .distinct().order_by("name")]


def _own_block(request, pk):
    return get_object_or_404(selectors.blocks_for(request.user), pk=pk)


@role_required(*STAFF)
def block_list(request):
    page = _page(request, selectors.blocks_for(request.user))
    return render(request, "contracts/block_list.html", {
        "page": page, "query": _page_query(request),
        "can_buy": request.user.has_role(Role.COMMISSIONER),
        "is_budget_holder": request.user.has_role(Role.BUDGET_HOLDER),
    })


@role_required(Role.COMMISSIONER)
def block_create(request):
    form = BlockContractForm(_posted(request), providers=_admitted_providers(),
                             lots=_lot_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            block = services.create_block_contract(
                by=request.user, provider=Organisation.objects.get(pk=int(data["provider"])),
                lot=Lot.objects.get(pk=int(data["lot"])), beds=data["beds"],
                price_per_bed=data["price_per_bed"], start_date=data["start_date"],
                end_date=data["end_date"], reference=data["reference"],
                hours_per_week=data["hours_per_week"], notes=data["notes"],
                acknowledge_cap_warning=data["acknowledge_cap_warning"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Block contract bought: {block.beds} "
                                      f"bed{'s' if block.beds != 1 else ''} from "
                                      f"{block.provider.name}. " + (
                                          "It is approved." if block.approval == Approval.APPROVED
                                          else f"It is worth {formatting.money(block.value)} "
                                               f"and awaits a budget holder's approval; until "
                                               f"then it does "
                                               f"not count as spend."))
            return redirect("contracts:block", pk=block.pk)
    return render(request, "contracts/block_form.html", {
        "form": form, "problems": form.error_summary() if form.is_bound else []})


@role_required(*STAFF)
def block_detail(request, pk):
    block = _own_block(request, pk)
    first, last = selectors.financial_year()
    wanted = {key: value for key, value in request.GET.items() if key.startswith("date_")}
    form = OccupancyForm(wanted or None, initial={"date_from": first, "date_to": last})
    date_from, date_to = first, last
    if form.is_bound and form.is_valid():
        date_from, date_to = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    placements = list(_with_provider(selectors.placements_for(request.user))
                      .filter(block=block).order_by("start_date", "id"))
    # Not "block": inside {% block %} tags that name is the template block.
    awaiting = block.approval == Approval.AWAITING
    return render(request, "contracts/block_detail.html", {
        "contract": block, "unit": services.unit_label(block.unit),
        "approval_item": approvals.waiting(block, kind="block") if awaiting else None,
        "can_approve": awaiting and request.user.has_role(Role.BUDGET_HOLDER)
        and request.user.organisation_id == block.authority_id,
        "occupancy": selectors.block_occupancy(block, date_from, date_to),
        "form": form, "problems": form.error_summary() if form.is_bound else [],
        "placements": placements,
        "can_place": request.user.has_role(Role.COMMISSIONER)
        and request.user.organisation_id == block.authority_id
        and block.end_date >= timezone.localdate(),
    })


@carries_child_identity  # the form, shown again, holds the child posted
@role_required(Role.COMMISSIONER)
def block_place(request, pk):
    block = _own_block(request, pk)
    if block.authority_id != request.user.organisation_id:
        raise Http404
    form = BlockPlacementForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.place_into_block(
                block, by=request.user, start_date=data["start_date"],
                planned_end_date=data["planned_end_date"], child=data["child"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Placed into the block from "
                                      f"{placement.start_date:%-d %B %Y} at "
                                      f"{_money(placement.price, placement.price_unit)}. The "
                                      f"agreement has been issued.")
            return redirect("contracts:block", pk=block.pk)
    return render(request, "contracts/block_place.html", {
        "contract": block, "form": form, "unit": services.unit_label(block.unit),
        "problems": form.error_summary() if form.is_bound else []})


# --- Volume discounts -----------------------------------------------------------------------

def _discount_page(request, form, status=200):
    tiers = VolumeDiscountTier.objects.select_related("provider", "lot").order_by(
        "provider__name", "lot__position", "min_concurrent")
    page = _page(request, tiers)
    return render(request, "contracts/volume_discounts.html", {
        "page": page, "query": _page_query(request), "form": form,
        "problems": form.error_summary() if form.is_bound else []}, status=status)


def _discount_form(data=None):
    providers = [(str(org.pk), org.name) for org in Organisation.objects.filter(
        kind=Organisation.Kind.PROVIDER, memberships__status__in=Membership.LIVE)
        .distinct().order_by("name")]
    return VolumeDiscountForm(data, providers=providers, lots=_lot_choices())


@role_required(Role.DPS_ADMIN)
def volume_discounts(request):
    form = _discount_form(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            tier = services.set_volume_discount(
                by=request.user, provider=Organisation.objects.get(pk=int(data["provider"])),
                lot=Lot.objects.get(pk=int(data["lot"])),
                min_concurrent=data["min_concurrent"], percent=data["percent"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{tier.provider.name}: {tier.percent:g}% off on "
                                      f"{tier.lot.name} from {tier.min_concurrent} live "
                                      f"placements.")
            return redirect("contracts:volume-discounts")
    return _discount_page(request, form)


@require_POST
@role_required(Role.DPS_ADMIN)
def remove_volume_discount(request, pk):
    tier = get_object_or_404(VolumeDiscountTier.objects.select_related("provider", "lot"),
                             pk=pk)
    services.remove_volume_discount(tier, by=request.user)
    messages.success(request, f"Removed {tier.provider.name}'s {tier.percent:g}% discount on "
                              f"{tier.lot.name} from {tier.min_concurrent} placements.")
    return redirect("contracts:volume-discounts")
