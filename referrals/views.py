"""Referral pages for commissioners. Thin: each translates a form into one service call and a
DomainError back into messages on the page. Reads go through selectors; a referral of another
authority is not found."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from calloffs import services as calloff_services
from calloffs.direct_award import direct_award as direct_award_service
from calloffs.quality import lot_criteria
from dps.errors import DomainError, RuleViolation
from dps.models import Organisation, Role
from dps.paging import paginate
from dps.privacy import carries_child_identity
from dps.views import role_required
from providers.models import Membership
from referrals import selectors, services
from referrals.forms import DirectAwardForm, LotForm, PanelForm, PublishForm, ReferralForm
from referrals.models import Alternative, OutcomeDomain, Referral

PAGE_SIZE = 25


def _authority(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_authority:
        raise PermissionDenied
    return organisation


def _when(value):
    return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"


def _labels(codes, choices):
    names = dict(choices)
    return [names.get(code, code) for code in codes]


@role_required(Role.COMMISSIONER)
def referral_list(request):
    _authority(request)
    page = paginate(request, selectors.referral_list(request.user), PAGE_SIZE)
    return render(request, "referrals/list.html", {"page": page})


def _lot_step(request, lots, *, action, back_url, referral=None):
    """The lot question: a GET form, so it works without JavaScript and can be bookmarked."""
    form = LotForm(request.GET if "lot" in request.GET else None, lots=lots,
                   initial={"lot": referral.lot.code} if referral else None)
    if form.is_bound:
        form.is_valid()
    return render(request, "referrals/choose_lot.html", {
        "form": form, "lots": lots, "action": action, "back_url": back_url,
        "referral": referral,
    })


def _chosen_lot(request, lots):
    code = request.GET.get("lot")
    return next((lot for lot in lots if lot.code == code), None)


@carries_child_identity  # the form, shown again, holds the child posted
@role_required(Role.COMMISSIONER)
def new_referral(request):
    authority = _authority(request)
    lots = list(selectors.referral_lots())
    lot = _chosen_lot(request, lots)
    if lot is None:
        return _lot_step(request, lots, action=reverse("referrals:new"),
                         back_url=reverse("referrals:list"))
    form = ReferralForm(request.POST if request.method == "POST" else None, lot=lot,
                        needs=selectors.active_needs())
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.create_referral(by=request.user, lot=lot,
                                                **form.service_kwargs())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Referral saved as a draft. Check it, then publish it "
                                      "to the providers on the lot.")
            return redirect("referrals:detail", pk=referral.pk)
    return render(request, "referrals/form.html", {
        "form": form, "lot": lot, "authority": authority, "referral": None,
        "change_lot_url": reverse("referrals:new"),
        "back_url": reverse("referrals:new"),  # the lot question
    })


@carries_child_identity  # the form, shown again, holds the child posted
@role_required(Role.COMMISSIONER)
def edit_referral(request, pk):
    authority = _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    detail_url = reverse("referrals:detail", args=[referral.pk])
    if referral.status != Referral.Status.DRAFT and request.method != "POST":
        messages.info(request, "This referral has been published, so it can no longer be "
                               "changed.")
        return redirect(detail_url)
    lots = list(selectors.referral_lots())
    edit_url = reverse("referrals:edit", args=[referral.pk])
    if "choose" in request.GET or ("lot" in request.GET and _chosen_lot(request, lots) is None):
        return _lot_step(request, lots, action=edit_url, back_url=edit_url, referral=referral)
    lot = _chosen_lot(request, lots) or referral.lot
    form = ReferralForm(request.POST if request.method == "POST" else None, lot=lot,
                        needs=selectors.active_needs(),
                        initial=ReferralForm.initial_from(referral))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_referral(referral, by=request.user, lot=lot,
                                     **form.service_kwargs())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Referral updated.")
            return redirect(detail_url)
    return render(request, "referrals/form.html", {
        "form": form, "lot": lot, "authority": authority, "referral": referral,
        "change_lot_url": edit_url + "?choose=1", "back_url": detail_url,
        "identifiers": services.identifiers_in(referral),
    })


def _direct_award_form(referral, data=None):
    """The user-choice form, offered only where the regime allows it (ADR 0017)."""
    if not referral.lot.dps.rules.user_choice_direct_award:
        return None
    members = (Membership.objects.filter(lot=referral.lot, status=Membership.Status.ADMITTED)
               .select_related("provider").order_by("provider__name"))
    return DirectAwardForm(data, members=members, unit=referral.lot.get_price_unit_display())


def _detail_page(request, referral, *, publish_form=None, panel_form=None, problems=(),
                 status=200, direct_award_form=None):
    change_url = reverse("referrals:edit", args=[referral.pk])
    if direct_award_form is None and referral.status == Referral.Status.DRAFT:
        direct_award_form = _direct_award_form(referral)
    publish_form = publish_form or PublishForm(change_url=change_url, dps=referral.lot.dps,
                                               criteria=lot_criteria(referral.lot))
    panel_form = panel_form or PanelForm(initial={
        "panel_date": referral.panel_date, "panel_decision": referral.panel_decision,
        "panel_notes": referral.panel_notes})
    is_draft = referral.status == Referral.Status.DRAFT
    return render(request, "referrals/detail.html", {
        "referral": referral,
        "child": referral.child,
        "calloff": getattr(referral, "calloff", None),
        "dps": referral.lot.dps,
        "is_draft": is_draft,
        "needs_panel": referral.authority.requires_resource_panel,
        "outcomes": _labels(referral.outcomes, OutcomeDomain.choices),
        "alternatives": _labels(referral.alternatives_considered, Alternative.choices),
        "publish_form": publish_form,
        "panel_form": panel_form,
        "direct_award_form": direct_award_form,
        "referral_errors": publish_form.referral_errors,
        "identifiers": services.identifiers_in(referral) if is_draft else {},
        "problems": list(problems) or publish_form.error_summary() or panel_form.error_summary()
        or (direct_award_form.error_summary() if direct_award_form else []),
        "change_url": change_url,
    }, status=status)


@role_required(Role.COMMISSIONER)
def referral_detail(request, pk):
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    return _detail_page(request, referral)


@require_POST
@role_required(Role.COMMISSIONER)
def publish(request, pk):
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    form = PublishForm(request.POST, change_url=reverse("referrals:edit", args=[referral.pk]),
                       dps=referral.lot.dps, criteria=lot_criteria(referral.lot))
    if form.is_valid():
        try:
            calloff = calloff_services.publish_referral(referral, by=request.user,
                                                        **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            invited = calloff.invited_count
            messages.success(
                request, f"Referral published. {invited} provider{'s' if invited != 1 else ''} "
                         f"on {referral.lot.name} {'were' if invited != 1 else 'was'} invited "
                         f"to respond by {_when(calloff.deadline)}.")
            return redirect("calloffs:detail", pk=calloff.pk)
    return _detail_page(request, referral, publish_form=form)


@require_POST
@role_required(Role.COMMISSIONER)
def direct_award(request, pk):
    """The user-choice route: the same service as POST /api/v1/referrals/{id}/direct-award/."""
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    form = _direct_award_form(referral, request.POST)
    if form is None:
        return _detail_page(request, referral, status=409, problems=[{
            "text": f"{referral.lot.dps.name} runs under the {referral.lot.dps.rules.label}: "
                    "a user-choice direct award is only for light-touch contracts.",
            "href": "#publish"}])
    if form.is_valid():
        data = dict(form.cleaned_data)
        provider = Organisation.objects.filter(pk=data.pop("provider")).first()
        try:
            if provider is None:
                raise RuleViolation("Choose a member of the lot.", code="not_a_member",
                                    fields={"provider": ["Choose a member of the lot."]})
            calloff = direct_award_service(referral, by=request.user, provider=provider, **data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Direct award to {provider.name} recorded. It is "
                                      "waiting for a budget holder's approval.")
            return redirect("calloffs:detail", pk=calloff.pk)
    return _detail_page(request, referral, direct_award_form=form)


@require_POST
@role_required(Role.COMMISSIONER)
def panel_decision(request, pk):
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    form = PanelForm(request.POST)
    if form.is_valid():
        try:
            services.record_panel_decision(referral, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            decision = form.cleaned_data["panel_decision"]
            messages.success(request, f"Panel decision recorded: {decision}.")
            return redirect("referrals:detail", pk=referral.pk)
    return _detail_page(request, referral, panel_form=form)


@require_POST
@role_required(Role.COMMISSIONER)
def withdraw(request, pk):
    _authority(request)
    referral = get_object_or_404(selectors.referral_detail(request.user), pk=pk)
    try:
        services.withdraw_referral(referral, by=request.user)
    except DomainError as exc:
        return _detail_page(request, referral, problems=[{"text": exc.detail}],
                            status=exc.status)
    messages.success(request, "Referral withdrawn. It will not be published.")
    return redirect("referrals:detail", pk=referral.pk)
