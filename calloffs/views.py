"""Call-off pages: commissioners run them, budget holders approve awards, providers respond.

Thin: each action translates a form into one service call and a DomainError back into messages
on the page. Reads go through selectors, so list pages keep a fixed query count. Objects outside
the user's scope (another authority's call-off, an opportunity the provider was not invited to)
are not found.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from calloffs import selectors, services
from calloffs.forms import (
    AnswerForm,
    CriteriaScoreForm,
    EoiForm,
    NegotiationForm,
    OpportunityFilterForm,
    QuestionForm,
    ReasonForm,
    RecommendForm,
    RevisePriceForm,
    ScoreForm,
)
from calloffs.models import CallOff, ExpressionOfInterest
from dps import formatting
from dps.errors import DomainError
from dps.models import Role
from dps.paging import page_query, paginate
from dps.sorting import Sort, sort_rows
from dps.views import role_required
from monitoring.award_risk import risk_for
from referrals import selectors as referral_selectors
from referrals.models import OutcomeDomain

PAGE_SIZE = 25


CALLOFF_SORT = {"reference": ("referral__child__case_reference",), "status": ("status",),
                "lot": ("lot__name",), "deadline": ("deadline",), "invited": ("invited_count",),
                "responses": ("response_count",)}


def _when(value):
    return formatting.date_time(value)


def _money(value, unit_label=""):
    return formatting.money(value) + (f" {unit_label}" if unit_label else "")


def _authority_id(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_authority:
        raise PermissionDenied
    return organisation.pk


def _provider_id(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_provider:
        raise PermissionDenied
    return organisation.pk


def _page(request, queryset):
    return paginate(request, queryset, PAGE_SIZE)


def _page_query(request):
    return page_query(request)


# --- Commissioners: call-offs ---------------------------------------------------------------

@role_required(Role.COMMISSIONER)
def calloff_list(request):
    sort = Sort(request, CALLOFF_SORT, default="-deadline")
    page = _page(request, selectors.authority_calloffs(_authority_id(request))
                 .order_by(*sort.order_by))
    return render(request, "calloffs/list.html", {"page": page, "sort": sort,
                                                  "query": page_query(request)})


def _cancel_form(data=None):
    return ReasonForm(data, prefix="cancel", label="Why are you cancelling the call-off?",
                      hint="It ends the call-off for every invited provider.",
                      required_message="Say why you are cancelling the call-off")


def _no_award_form(data=None):
    return ReasonForm(data, prefix="no-award", label="Why was no offer suitable?",
                      hint="The providers who responded are told. The reason is kept as the "
                           "record of why the placement may be bought outside the DPS.",
                      required_message="Say why no offer was suitable")


# The offers table's columns; by default in the order they came (no column is current).
OFFER_GETTERS = {"received": lambda eoi: (eoi.submitted_at, eoi.pk),
                 "provider": lambda eoi: eoi.provider.name.lower(),
                 "price": lambda eoi: eoi.price, "start": lambda eoi: eoi.proposed_start,
                 "quality": lambda eoi: eoi.quality_score}
OFFER_SORT = {key: (key,) for key in OFFER_GETTERS}


def _calloff_page(request, calloff, *, bound=None, problems=(), status=200):
    """The call-off page, with any form that failed bound (and summarised at the top)."""
    bound = bound or {}
    offers = selectors.live_offers(calloff)
    ranking = selectors.rank_offers(calloff, offers)
    scores = [(eoi, bound.get(("score", eoi.pk)) or _score_form(calloff, eoi))
              for eoi in offers]
    # Each question with its answer form while it is unanswered.
    questions = [(q, None if q.answered_at else
                  bound.get(("answer", q.pk)) or AnswerForm(question=q))
                 for q in calloff.questions.all()]
    forms = {
        "recommend_form": bound.get("recommend") or RecommendForm(ranking=ranking),
        "negotiation_form": bound.get("negotiation") or NegotiationForm(),
        "cancel_form": bound.get("cancel") or _cancel_form(),
        "no_award_form": bound.get("no_award") or _no_award_form(),
    }
    if not problems:
        for form in bound.values():
            problems = form.error_summary()
    referral = calloff.referral
    now = timezone.now()
    risk_rows = []
    if calloff.status == CallOff.Status.CLOSED and offers:  # while an offer is to be chosen
        risks = risk_for([eoi.provider_id for eoi in offers])
        risk_rows = [(eoi.provider.name, risks[eoi.provider_id]) for eoi in offers]
    offer_sort = Sort(request, OFFER_SORT, default="received")
    return render(request, "calloffs/detail.html", {
        "risk_rows": risk_rows,
        "offer_sort": offer_sort,
        "sorted_offers": sort_rows(list(offers), offer_sort, OFFER_GETTERS),
        "calloff": calloff,
        "referral": referral,
        "offers": offers,
        "ranking": ranking,
        "unscored": sum(1 for eoi in offers if eoi.quality_score is None),
        "scores": scores,
        "questions": questions,
        "unit": calloff.lot.get_price_unit_display(),
        "outcomes": [dict(OutcomeDomain.choices).get(code, code) for code in referral.outcomes],
        "negotiating": calloff.negotiation_until is not None and calloff.negotiation_until > now,
        "placement": getattr(calloff, "placement", None),
        "problems": list(problems),
        **forms,
    }, status=status)


def _score_form(calloff, eoi, data=None):
    """Per published criterion (ADR 0026); one overall score for call-offs without them."""
    criteria = list(calloff.criteria.all())
    if criteria:
        return CriteriaScoreForm(data, eoi=eoi, criteria=criteria)
    return ScoreForm(data, eoi=eoi)


def _own_calloff(request, pk):
    return get_object_or_404(selectors.authority_calloff_detail(_authority_id(request)), pk=pk)


def _to_detail(calloff):
    return redirect("calloffs:detail", pk=calloff.pk)


@role_required(Role.COMMISSIONER)
def calloff_detail(request, pk):
    return _calloff_page(request, _own_calloff(request, pk))


@require_POST
@role_required(Role.COMMISSIONER)
def close(request, pk):
    calloff = _own_calloff(request, pk)
    try:
        services.close_calloff(calloff, by=request.user)
    except DomainError as exc:
        return _calloff_page(request, calloff, problems=[{"text": exc.detail}],
                             status=exc.status)
    messages.success(request, "Call-off closed. No more responses can be sent. Score each "
                              "offer's quality, then recommend one.")
    return _to_detail(calloff)


def _reason_action(request, pk, *, key, make_form, service, done):
    calloff = _own_calloff(request, pk)
    form = make_form(request.POST)
    if form.is_valid():
        try:
            service(calloff, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done)
            return _to_detail(calloff)
    return _calloff_page(request, calloff, bound={key: form})


@require_POST
@role_required(Role.COMMISSIONER)
def cancel(request, pk):
    return _reason_action(request, pk, key="cancel", make_form=_cancel_form,
                          service=services.cancel_calloff, done="Call-off cancelled.")


@require_POST
@role_required(Role.COMMISSIONER)
def no_award(request, pk):
    return _reason_action(
        request, pk, key="no_award", make_form=_no_award_form,
        service=services.declare_no_award,
        done="Recorded that no offer was suitable. The call-off has ended without an award, "
             "and the providers who responded will be told.")


@require_POST
@role_required(Role.COMMISSIONER)
def negotiation(request, pk):
    calloff = _own_calloff(request, pk)
    form = NegotiationForm(request.POST)
    if form.is_valid():
        try:
            services.open_negotiation(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Negotiation open until {_when(form.cleaned_data['until'])}"
                                      ". Providers who responded can lower their prices until "
                                      "then.")
            return _to_detail(calloff)
    return _calloff_page(request, calloff, bound={"negotiation": form})


@require_POST
@role_required(Role.COMMISSIONER)
def evaluate(request, pk, eoi_pk):
    calloff = _own_calloff(request, pk)
    eoi = next((e for e in selectors.live_offers(calloff) if e.pk == eoi_pk), None)
    if eoi is None:
        raise Http404
    form = _score_form(calloff, eoi, request.POST)
    if form.is_valid():
        arguments = (form.service_arguments() if isinstance(form, CriteriaScoreForm)
                     else form.cleaned_data)
        try:
            eoi = services.evaluate_eoi(eoi, by=request.user, **arguments)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Quality score saved for {eoi.provider.name}: "
                                      f"{eoi.quality_score} out of 100.")
            return redirect(reverse("calloffs:detail", args=[calloff.pk]) + "#offers")
    return _calloff_page(request, calloff, bound={("score", eoi.pk): form})


@require_POST
@role_required(Role.COMMISSIONER)
def recommend(request, pk):
    calloff = _own_calloff(request, pk)
    offers = selectors.live_offers(calloff)
    form = RecommendForm(request.POST, ranking=selectors.rank_offers(calloff, offers))
    if form.is_valid():
        eoi = next(e for e in offers if e.pk == form.cleaned_data["eoi"])
        try:
            services.recommend(calloff, by=request.user, eoi=eoi,
                               reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"You recommended {eoi.provider.name}. A budget holder "
                                      "in your authority will approve the award or send it "
                                      "back.")
            return _to_detail(calloff)
    return _calloff_page(request, calloff, bound={"recommend": form})


@require_POST
@role_required(Role.COMMISSIONER)
def answer(request, pk, question_pk):
    calloff = _own_calloff(request, pk)
    question = next((q for q in calloff.questions.all() if q.pk == question_pk), None)
    if question is None:
        raise Http404
    form = AnswerForm(request.POST, question=question)
    if form.is_valid():
        try:
            services.answer_question(question, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Answer published. Every invited provider can now see "
                                      "the question and your answer.")
            return redirect(reverse("calloffs:detail", args=[calloff.pk]) + "#questions")
    return _calloff_page(request, calloff, bound={("answer", question.pk): form})


# --- Providers: opportunities and responses -------------------------------------------------

@role_required(Role.PROVIDER)
def opportunities(request):
    provider_id = _provider_id(request)
    form = OpportunityFilterForm(request.GET, lots=referral_selectors.referral_lots(),
                                 needs=referral_selectors.active_needs())
    queryset = selectors.filter_opportunities(selectors.invited_calloff(provider_id),
                                              **form.filters())
    page = _page(request, queryset.order_by("-published_at", "-id"))
    now = timezone.now()
    for calloff in page.object_list:
        calloff.closing_soon = selectors.is_closing_soon(calloff, now)
    return render(request, "calloffs/opportunities.html", {
        "page": page, "form": form, "query": _page_query(request),
    })


def _opportunity(request, pk):
    return get_object_or_404(selectors.invited_calloff(_provider_id(request)), pk=pk)


def _opportunity_page(request, calloff, *, bound=None, problems=(), status=200):
    bound = bound or {}
    provider_id = request.user.organisation_id
    response = selectors.own_response(calloff, provider_id)
    live = response if response and response.status == ExpressionOfInterest.Status.SUBMITTED \
        else None
    unit = calloff.lot.get_price_unit_display()
    now = timezone.now()
    eoi_form = bound.get("eoi") or EoiForm(
        unit_label=unit, cap=selectors.price_cap(provider_id, calloff.lot_id),
        initial=EoiForm.initial_from(live) if live else None)
    question_form = bound.get("question") or QuestionForm()
    revise_form = None
    if live:
        revise_form = bound.get("revise") or RevisePriceForm(unit_label=unit, current=live.price)
    if not problems:
        for form in bound.values():
            problems = form.error_summary()
    return render(request, "calloffs/opportunity.html", {
        "calloff": calloff,
        "facts": _opportunity_facts(calloff),
        "response": response,
        "live": live,
        "unit": unit,
        "is_open": selectors.accepts_responses(calloff, now),
        "closing_soon": selectors.is_closing_soon(calloff, now),
        "negotiating": live is not None and selectors.in_negotiation(calloff, now),
        "questions": selectors.questions_visible_to(calloff, provider_id),
        "eoi_form": eoi_form,
        "question_form": question_form,
        "revise_form": revise_form,
        "feedback_rows": (list(response.criterion_scores.select_related("criterion"))
                          if response and response.outcome else []),
        "problems": list(problems),
    }, status=status)


def _opportunity_facts(calloff):
    """The anonymised referral, field by field as the API's OpportunitySerializer allows it:
    never the child's identity, a date of birth, a case reference, a postcode or the budget."""
    referral = calloff.referral
    return {
        "lot_name": calloff.lot.name,
        "unit": calloff.lot.get_price_unit_display(),
        "age": calloff.child_age,
        "needs": [need.name for need in referral.needs.all()],
        "outcomes": [dict(OutcomeDomain.choices).get(code, code) for code in referral.outcomes],
        "summary": referral.summary,
        "placement_start": referral.placement_start,
        "duration_weeks": referral.duration_weeks,
        "hours_per_week": referral.hours_per_week,
        "location_area": referral.location_area,
        "urgency": referral.get_urgency_display(),
        "deadline": calloff.deadline,
        "published_at": calloff.published_at,
        "status": calloff.status,
        "quality_weight": calloff.quality_weight,
        "price_weight": calloff.price_weight,
        "criteria": [(c.name, c.weight) for c in calloff.criteria.all()],
    }


@role_required(Role.PROVIDER)
def opportunity(request, pk):
    return _opportunity_page(request, _opportunity(request, pk))


def _to_opportunity(calloff, anchor=""):
    return redirect(reverse("calloffs:opportunity", args=[calloff.pk]) + anchor)


@require_POST
@role_required(Role.PROVIDER)
def respond(request, pk):
    """Send an expression of interest, or change the live one."""
    calloff = _opportunity(request, pk)
    provider_id = request.user.organisation_id
    response = selectors.own_response(calloff, provider_id)
    live = response if response and response.status == ExpressionOfInterest.Status.SUBMITTED \
        else None
    form = EoiForm(request.POST, unit_label=calloff.lot.get_price_unit_display(),
                   cap=selectors.price_cap(provider_id, calloff.lot_id))
    if form.is_valid():
        try:
            if live:
                services.amend_eoi(live, by=request.user, **form.changes(live))
            else:
                services.submit_eoi(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            done = "Expression of interest updated." if live else "Expression of interest sent."
            messages.success(request, f"{done} You can change or withdraw it until responses "
                                      f"close at {_when(calloff.deadline)}.")
            return _to_opportunity(calloff)
    return _opportunity_page(request, calloff, bound={"eoi": form})


@require_POST
@role_required(Role.PROVIDER)
def withdraw_response(request, pk):
    calloff = _opportunity(request, pk)
    live = selectors.own_response(calloff, request.user.organisation_id)
    if live is None or live.status != ExpressionOfInterest.Status.SUBMITTED:
        return _opportunity_page(request, calloff, status=409, problems=[
            {"text": "You have no expression of interest to withdraw."}])
    try:
        services.withdraw_eoi(live, by=request.user)
    except DomainError as exc:
        return _opportunity_page(request, calloff, problems=[{"text": exc.detail}],
                                 status=exc.status)
    messages.success(request, "Expression of interest withdrawn. You can send a new one until "
                              f"responses close on {_when(calloff.deadline)}.")
    return _to_opportunity(calloff)


@require_POST
@role_required(Role.PROVIDER)
def ask(request, pk):
    calloff = _opportunity(request, pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.ask_question(calloff, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Question sent. When the council answers it, every "
                                      "invited provider sees the question and the answer, "
                                      "without your organisation's name.")
            return _to_opportunity(calloff, "#questions")
    return _opportunity_page(request, calloff, bound={"question": form})


@require_POST
@role_required(Role.PROVIDER)
def revise(request, pk):
    calloff = _opportunity(request, pk)
    live = selectors.own_response(calloff, request.user.organisation_id)
    if live is None or live.status != ExpressionOfInterest.Status.SUBMITTED:
        return _opportunity_page(request, calloff, status=409, problems=[
            {"text": "You have no live expression of interest to revise."}])
    unit = calloff.lot.get_price_unit_display()
    form = RevisePriceForm(request.POST, unit_label=unit, current=live.price)
    if form.is_valid():
        try:
            eoi = services.revise_price(live, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Price lowered to {_money(eoi.price, unit)}.")
            return _to_opportunity(calloff)
    return _opportunity_page(request, calloff, bound={"revise": form})


@role_required(Role.PROVIDER)
def my_responses(request):
    page = _page(request, selectors.provider_responses(_provider_id(request)))
    return render(request, "calloffs/my_responses.html", {"page": page})
