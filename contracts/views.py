"""Placement pages: authority staff see their authority's placements (a DPS administrator every
authority's), commissioners act on them, and providers see their own and ask for fee changes.

Thin: each action turns a form into one service call and a DomainError back into messages on
the page. Reads go through contracts.selectors (the list keeps a fixed query count). A placement
outside the user's scope is not found. Agreements are served as stored, never re-rendered.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts import approvals, selectors, services
from contracts.forms import (
    ApproveFeeChangeForm,
    DeclineFeeChangeForm,
    EndForm,
    FeeChangeForm,
    PlacementFilterForm,
    ReviewForm,
    SpotPlacementForm,
    SupportItemForm,
    SupportReviewForm,
)
from contracts.models import Approval, FeeChange, FeePeriod, Placement
from dps import formatting
from dps.errors import DomainError
from dps.models import Role
from dps.paging import paginate
from dps.privacy import carries_child_identity
from dps.sorting import Sort
from dps.views import role_required
from monitoring.outcomes import domain_trends
from providers.models import Lot

PAGE_SIZE = 25
STAFF = (Role.COMMISSIONER, Role.DPS_ADMIN, Role.FINANCE, Role.BUDGET_HOLDER)


PLACEMENT_SORT = {"child": ("child__last_name", "child__first_name"),
                  "provider": ("provider_name",), "lot": ("lot__name",), "route": ("route",),
                  "dates": ("start_date",), "price": ("current_price",), "status": ("status",),
                  "review": ("next_review",)}


def _money(value, unit=""):
    return formatting.money(value) + (f" {services.unit_label(unit)}" if unit else "")


def _change_text(change):
    return (f"{_money(change.new_price, change.placement.price_unit)} from "
            f"{formatting.long_date(change.effective_from)}")


def _page(request, queryset):
    return paginate(request, queryset, PAGE_SIZE)


def _page_query(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _with_provider(queryset):
    return queryset.select_related("provider", "authority", "lot", "child", "block", "calloff")


# --- Authority staff: the list --------------------------------------------------------------

@role_required(*STAFF)
def placement_list(request):
    queryset = _with_provider(selectors.placements_for(request.user))
    lots = [(lot.code, lot.name) for lot in Lot.objects.order_by("dps_id", "position", "code")]
    lots = list(dict(lots).items())
    form = PlacementFilterForm(request.GET or None, lots=lots)
    block = None
    if form.is_bound and form.is_valid():
        wanted = form.cleaned_data
        if wanted["lot"]:
            queryset = queryset.filter(lot__code=wanted["lot"])
        provider = wanted["provider"].strip()
        if provider.isdigit():  # a provider's number, as links from other pages give it
            queryset = queryset.filter(provider_id=int(provider))
        elif provider:
            queryset = queryset.filter(provider_name__icontains=provider)
        if wanted["status"]:
            queryset = queryset.filter(status=wanted["status"])
        if wanted["route"]:
            queryset = queryset.filter(route=wanted["route"])
        if wanted["review_due"]:
            queryset = selectors.review_due(queryset, wanted["review_due"])
        if wanted["approval"]:
            queryset = queryset.filter(approval=wanted["approval"])
        if wanted["block"]:
            block = selectors.blocks_for(request.user).filter(pk=wanted["block"]).first()
            queryset = queryset.filter(block=block) if block else queryset.none()
    sort = Sort(request, PLACEMENT_SORT, default="-dates")
    page = _page(request, queryset.order_by(*sort.order_by))
    return render(request, "contracts/list.html", {
        "page": page, "query": _page_query(request), "form": form, "in_block": block,
        "sort": sort,
        "problems": form.error_summary() if form.is_bound else [],
        "today": timezone.localdate(),
        "can_record_spot": request.user.has_role(Role.COMMISSIONER),
    })


# --- Authority staff: one placement ---------------------------------------------------------

def _own_placement(request, pk):
    return get_object_or_404(_with_provider(selectors.placements_for(request.user)), pk=pk)


def _history(placement):
    """Fee periods oldest first, each with the change that opened it."""
    return list(FeePeriod.objects.filter(placement=placement)
                .select_related("fee_change").order_by("effective_from"))


def _versions(placement):
    return list(placement.agreement_versions.order_by("-version").defer("pdf"))


def _agreement_context(placement):
    from contracts.agreements import is_being_prepared

    versions = _versions(placement)
    return {"versions": versions, "agreement_pending": is_being_prepared(placement, versions)}


def _detail_page(request, placement, *, bound=None, status=200):
    bound = bound or {}
    can_act = request.user.has_role(Role.COMMISSIONER) and \
        request.user.organisation_id == placement.authority_id
    live = placement.status != Placement.Status.ENDED
    pending = list(placement.fee_changes.filter(status=FeeChange.Status.REQUESTED)
                   .select_related("requested_by").order_by("effective_from", "id"))
    decisions = [(change,
                  bound.get(("approve", change.pk)) or ApproveFeeChangeForm(change=change),
                  bound.get(("decline", change.pk)) or DeclineFeeChangeForm(change=change))
                 for change in pending]
    cap = services.provider_cap(placement)
    unit = services.unit_label(placement.price_unit)
    forms = {
        "fee_form": bound.get("fee") or FeeChangeForm(unit=unit, cap_field=cap is not None),
        "support_form": bound.get("support") or SupportItemForm(),
        "review_form": bound.get("review") or ReviewForm(),
        "end_form": bound.get("end") or EndForm(),
    }
    problems = []
    for form in bound.values():
        problems += form.error_summary()
    reviews = list(placement.reviews.order_by("sequence"))
    awaiting = placement.approval == Approval.AWAITING
    outcomes = domain_trends(placement.pk)
    return render(request, "contracts/detail.html", {
        "rated_outcomes": [row for row in outcomes if row["points"]],
        "unrated_outcomes": [row["label"] for row in outcomes if not row["points"]],
        "outcomes_url": reverse("monitoring:placement-outcomes", args=[placement.pk])
        if request.user.has_role(Role.COMMISSIONER, Role.DPS_ADMIN) else "",
        "approval_item": approvals.waiting(placement, kind="placement") if awaiting else None,
        "can_approve": awaiting and request.user.has_role(Role.BUDGET_HOLDER)
        and request.user.organisation_id == placement.authority_id,
        "placement": placement, "child": placement.child, "unit": unit, "cap": cap,
        "periods": _history(placement),
        "decisions": decisions,
        "declined": list(placement.fee_changes.filter(status=FeeChange.Status.DECLINED)
                         .order_by("effective_from", "id")),
        "support_items": list(placement.support_items.order_by("start_date", "id")),
        "reviews": [r for r in reviews if r.done_date],
        "next_review": services.next_review(placement),
        **_agreement_context(placement),
        "today": timezone.localdate(),
        "can_act": can_act and live, "live": live, "block_link": True,
        "problems": problems,
        **forms,
    }, status=status)


def _to_detail(placement, anchor=""):
    return redirect(reverse("contracts:detail", args=[placement.pk]) + anchor)


@role_required(*STAFF)
def placement_detail(request, pk):
    return _detail_page(request, _own_placement(request, pk))


def _act(request, placement, key, form, call, done, anchor):
    """Validate `form`, call the service, and on success say `done`; else re-render bound."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done(form.cleaned_data, result))
            return _to_detail(placement, anchor)
    return _detail_page(request, placement, bound={key: form})


@require_POST
@role_required(Role.COMMISSIONER)
def record_fee_change(request, pk):
    placement = _own_placement(request, pk)
    unit = services.unit_label(placement.price_unit)
    form = FeeChangeForm(request.POST, unit=unit,
                         cap_field=services.provider_cap(placement) is not None)

    def call(data):
        return services.record_fee_change(
            placement, by=request.user, new_price=data["new_price"],
            effective_from=data["effective_from"], reason=data["reason"],
            backdating_reason=data["backdating_reason"],
            acknowledge_cap_warning=data.get("acknowledge_cap_warning", False))

    return _act(request, placement, "fee", form, call,
                lambda data, change: f"Fee change recorded: {_change_text(change)}. A new "
                                     "agreement version has been issued.", "#fees")


def _pending_change(placement, change_pk):
    change = placement.fee_changes.filter(pk=change_pk,
                                          status=FeeChange.Status.REQUESTED).first()
    if change is None:
        raise Http404
    return change


@require_POST
@role_required(Role.COMMISSIONER)
def approve_fee_change(request, pk, change_pk):
    placement = _own_placement(request, pk)
    change = _pending_change(placement, change_pk)
    form = ApproveFeeChangeForm(request.POST, change=change)

    def call(data):
        return services.approve_fee_change(
            change, by=request.user,
            acknowledge_cap_warning=data["acknowledge_cap_warning"])

    return _act(request, placement, ("approve", change.pk), form, call,
                lambda data, result: f"Fee change approved: {_change_text(result)}.", "#fees")


@require_POST
@role_required(Role.COMMISSIONER)
def decline_fee_change(request, pk, change_pk):
    placement = _own_placement(request, pk)
    change = _pending_change(placement, change_pk)
    form = DeclineFeeChangeForm(request.POST, change=change)

    def call(data):
        return services.decline_fee_change(change, by=request.user, reason=data["reason"])

    return _act(request, placement, ("decline", change.pk), form, call,
                lambda data, result: "Fee change declined. The provider will be told.",
                "#fees")


@require_POST
@role_required(Role.COMMISSIONER)
def add_support_item(request, pk):
    placement = _own_placement(request, pk)
    form = SupportItemForm(request.POST)

    def call(data):
        return services.add_support_item(placement, by=request.user, **data)

    return _act(request, placement, "support", form, call,
                lambda data, item: f"Support item added at {_money(item.weekly_cost)} a week. "
                                   f"A new agreement version has been issued.", "#support")


@require_POST
@role_required(Role.COMMISSIONER)
def record_review(request, pk):
    placement = _own_placement(request, pk)
    form = ReviewForm(request.POST)

    def call(data):
        return services.record_placement_review(placement, by=request.user, **data)

    return _act(request, placement, "review", form, call,
                lambda data, review: f"Review {review.sequence} recorded as held on "
                                     f"{review.done_date:%-d %B %Y}.", "#reviews")


@require_POST
@role_required(Role.COMMISSIONER)
def end_placement(request, pk):
    placement = _own_placement(request, pk)
    form = EndForm(request.POST)

    def call(data):
        return services.end_placement(placement, by=request.user, **data)

    def done(data, result):
        if result.status == Placement.Status.ENDED:
            return f"Placement ended on {result.end_date:%-d %B %Y}."
        return f"The placement will end on {result.end_date:%-d %B %Y}."

    return _act(request, placement, "end", form, call, done, "")


def _agreement_response(placement, version):
    stored = placement.agreement_versions.filter(version=version).first()
    if stored is None:
        raise Http404
    response = HttpResponse(bytes(stored.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="placement-{placement.pk}-agreement-v{stored.version}.pdf"')
    return response


@carries_child_identity  # the stored PDF names the child
@role_required(*STAFF)
def agreement(request, pk, version):
    return _agreement_response(_own_placement(request, pk), version)


# --- Providers ------------------------------------------------------------------------------

def _provider_placements(request):
    return selectors.placements_for(request.user).select_related("authority", "lot", "child")


@role_required(Role.PROVIDER)
def my_placements(request):
    page = _page(request, _provider_placements(request))
    return render(request, "contracts/my_list.html", {"page": page, "query": _page_query(request),
                                                      "today": timezone.localdate()})


def _provider_placement(request, pk):
    queryset = _provider_placements(request).prefetch_related(
        Prefetch("fee_periods", queryset=FeePeriod.objects.order_by("effective_from")))
    return get_object_or_404(queryset, pk=pk)


@role_required(Role.PROVIDER)
def my_placement(request, pk):
    placement = _provider_placement(request, pk)
    return render(request, "contracts/my_detail.html", {
        "placement": placement, "child": placement.child,
        "unit": services.unit_label(placement.price_unit),
        "periods": list(placement.fee_periods.all()),
        "changes": list(placement.fee_changes.order_by("-requested_at", "-id")),
        "support_items": list(placement.support_items.order_by("start_date", "id")),
        "next_review": services.next_review(placement),
        **_agreement_context(placement),
        "live": placement.status != Placement.Status.ENDED,
        "today": timezone.localdate(),
    })


@role_required(Role.PROVIDER)
def request_fee_change(request, pk):
    placement = _provider_placement(request, pk)
    unit = services.unit_label(placement.price_unit)
    if placement.status == Placement.Status.ENDED:
        raise Http404
    cap = services.provider_cap(placement)
    form = FeeChangeForm(request.POST or None, unit=unit, cap_field=cap is not None)
    if cap is not None:
        form.fields["acknowledge_cap_warning"].label = (
            "I know the price is above my price cap: send the request anyway")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            change = services.request_fee_change(
                placement, by=request.user, new_price=data["new_price"],
                effective_from=data["effective_from"], reason=data["reason"],
                backdating_reason=data["backdating_reason"],
                acknowledge_cap_warning=data.get("acknowledge_cap_warning", True))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Fee change requested: {_change_text(change)}. The "
                                      "council will approve or decline it.")
            return redirect("contracts:my-placement", pk=placement.pk)
    return render(request, "contracts/request_fee_change.html", {
        "placement": placement, "child": placement.child, "unit": unit, "form": form,
        "current": placement.current_price, "cap": cap,
        "problems": form.error_summary() if form.is_bound else [],
    }, status=200)


@carries_child_identity  # the stored PDF names the child
@role_required(Role.PROVIDER)
def my_agreement(request, pk, version):
    return _agreement_response(_provider_placement(request, pk), version)


def _posted(request):
    """The POST data, bound even when empty (an empty form must show its errors)."""
    return request.POST if request.method == "POST" else None


def _lot_choices():
    lots = [(str(lot.pk), f"{lot.name} ({lot.get_price_unit_display()})")
            for lot in Lot.objects.select_related("dps").order_by("dps_id", "position", "code")]
    return lots


# --- Spot placements ------------------------------------------------------------------------

@carries_child_identity  # the form, shown again, holds the child posted
@role_required(Role.COMMISSIONER)
def spot_placement(request):
    form = SpotPlacementForm(_posted(request), lots=_lot_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            placement = services.record_spot_placement(
                by=request.user, provider_name=data["provider_name"],
                lot=Lot.objects.get(pk=int(data["lot"])), price=data["price"],
                start_date=data["start_date"], planned_end_date=data["planned_end_date"],
                hours_per_week=data["hours_per_week"],
                exception_reason=data["exception_reason"], child=data["child"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Spot placement recorded. The agreement has been issued. " + (
                "It is approved: you are a budget holder and its value is within your limit."
                if placement.approval == Approval.APPROVED else
                f"It is worth {formatting.money(placement.value)} and awaits a budget "
                f"holder's approval; "
                f"until then it does not count as spend."))
            return _to_detail(placement)
    return render(request, "contracts/spot_form.html", {
        "form": form, "problems": form.error_summary() if form.is_bound else []})


# --- Support reviews ------------------------------------------------------------------------

@role_required(Role.COMMISSIONER)
def support_review(request, pk, item_pk):
    placement = _own_placement(request, pk)
    if placement.authority_id != request.user.organisation_id:
        raise Http404
    item = get_object_or_404(placement.support_items, pk=item_pk)
    form = SupportReviewForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_support_review(
                item, by=request.user, reviewed_on=data["reviewed_on"],
                next_review_date=data["next_review_date"], notes=data["notes"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Support review recorded." + (
                f" The next review is due on {data['next_review_date']:%-d %B %Y}."
                if data["next_review_date"] else ""))
            return _to_detail(placement, "#support")
    return render(request, "contracts/support_review.html", {
        "placement": placement, "item": item, "form": form,
        "live": placement.status != Placement.Status.ENDED,
        "problems": form.error_summary() if form.is_bound else []})
