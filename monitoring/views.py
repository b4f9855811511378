"""Monitoring pages: commissioners and DPS administrators watch every provider (monitoring is
DPS-wide); a provider sees its own rating, activities, action plans and KPI returns.

Thin: each action turns a form into one monitoring.services call and a DomainError back into
messages on the page. What a provider may see follows ADR 0008: its rating, score, level, next
due date and evidence, never the assessor's notes or name, the reassessment triggers or the
escalation flag. Another provider's objects are not found.
"""

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from contracts.models import Placement
from dps.api.scoping import for_authority
from dps.errors import DomainError
from dps.models import Organisation, Role
from dps.paging import paginate
from dps.views import role_required
from monitoring import selectors, services
from monitoring.forms import (
    ActionPlanForm,
    AnnualReportForm,
    CompleteActivityForm,
    KpiForm,
    KpiReturnForm,
    OutcomeRatingsForm,
    ReasonForm,
    RespondForm,
    ReviewForm,
    RiskAssessmentForm,
    ScheduleActivityForm,
    SuspendForm,
    TriggerForm,
)
from monitoring.models import (
    ActionItem,
    AnnualReport,
    Kpi,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    OutcomeRating,
)
from monitoring.outcomes import SPARK_HEIGHT, SPARK_WIDTH, domain_trends, record_outcome_ratings
from providers.models import Lot, Membership
from referrals.models import OutcomeDomain

STAFF = (Role.DPS_ADMIN, Role.COMMISSIONER)
PAGE_SIZE = 25

REASON_LABELS = {
    "red": ("Red", "govuk-tag--red"),
    "red_without_visit": ("No visit planned", "govuk-tag--orange"),
    "reassessment_overdue": ("Reassessment overdue", "govuk-tag--orange"),
    "reassessment_due_now": ("Reassessment due now", "govuk-tag--yellow"),
    "overdue_actions": ("Overdue actions", "govuk-tag--pink"),
    "late_returns": ("Late KPI returns", "govuk-tag--purple"),
}


def _is_staff(user):
    return user.has_role(*STAFF)


def _provider_id(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_provider:
        raise PermissionDenied
    return organisation.pk


def _page(request, queryset):
    return paginate(request, queryset, PAGE_SIZE)


def _query(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _summary(bound, problems=()):
    problems = list(problems)
    if not problems:
        for form in bound.values():
            problems = form.error_summary()
            if problems:
                break
    return problems


# --- Staff: providers needing attention -----------------------------------------------------

@role_required(*STAFF)
def attention(request):
    page = _page(request, selectors.providers_needing_attention())
    for row in page.object_list:
        row.reasons = [REASON_LABELS[reason] for reason in selectors.attention_reasons(row)]
    return render(request, "monitoring/attention.html", {
        "page": page, "query": _query(request),
        "perms_dps_admin": request.user.has_role(Role.DPS_ADMIN)})


# --- Staff: a provider's risk page ----------------------------------------------------------

def _provider(pk):
    return get_object_or_404(Organisation.objects.filter(kind=Organisation.Kind.PROVIDER), pk=pk)


def _activities(provider_id):
    return list(MonitoringActivity.objects.filter(provider_id=provider_id)
                .select_related("done_by").order_by("-planned_date", "-id"))


def _plans(provider_id):
    return list(selectors.action_plans().filter(provider_id=provider_id)
                .order_by("-created_at", "-id"))


def _risk_page(request, provider, *, bound=None, problems=(), status=200):
    bound = bound or {}
    activities = _activities(provider.pk)
    complete_forms = [(activity, bound.get(("done", activity.pk))
                       or CompleteActivityForm(activity=activity))
                      for activity in activities
                      if activity.status == MonitoringActivity.Status.PLANNED]
    return render(request, "monitoring/provider.html", {
        "provider": provider,
        "risk": selectors.provider_risk(provider.pk),
        "activities": activities,
        "complete_forms": complete_forms,
        "plans": _plans(provider.pk),
        "assess_form": bound.get("assess") or RiskAssessmentForm(),
        "trigger_form": bound.get("trigger") or TriggerForm(),
        "activity_form": bound.get("activity") or ScheduleActivityForm(),
        "plan_form": bound.get("plan") or ActionPlanForm(),
        "problems": _summary(bound, problems),
    }, status=status)


def _to_provider(provider, anchor=""):
    return redirect(reverse("monitoring:provider", args=[provider.pk]) + anchor)


@role_required(*STAFF)
def provider_risk(request, pk):
    return _risk_page(request, _provider(pk))


@require_POST
@role_required(*STAFF)
def assess(request, pk):
    provider = _provider(pk)
    form = RiskAssessmentForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            assessment = services.record_risk_assessment(by=request.user, provider=provider,
                                                         **data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            level = assessment.get_monitoring_display().lower()
            messages.success(
                request, f"Risk assessment recorded: {assessment.get_rag_display().lower()} "
                         f"(score {assessment.score}), {level}. Next assessment due by "
                         f"{assessment.next_due:%-d %B %Y}.")
            return _to_provider(provider)
    return _risk_page(request, provider, bound={"assess": form})


@require_POST
@role_required(*STAFF)
def raise_trigger(request, pk):
    provider = _provider(pk)
    form = TriggerForm(request.POST)
    if form.is_valid():
        try:
            services.raise_trigger(by=request.user, provider=provider, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Trigger recorded. The provider's reassessment is due "
                                      "now.")
            return _to_provider(provider)
    return _risk_page(request, provider, bound={"trigger": form})


@require_POST
@role_required(*STAFF)
def schedule_activity(request, pk):
    provider = _provider(pk)
    form = ScheduleActivityForm(request.POST)
    if form.is_valid():
        try:
            activity = services.schedule_activity(
                by=request.user, provider=provider, kind=form.cleaned_data["kind"],
                planned_date=form.cleaned_data["planned_date"],
                assessment=selectors.current_assessment(provider.pk))
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{activity.get_kind_display()} planned for "
                                      f"{activity.planned_date:%-d %B %Y}.")
            return _to_provider(provider, "#activities")
    return _risk_page(request, provider, bound={"activity": form})


@require_POST
@role_required(*STAFF)
def complete_activity(request, pk):
    activity = get_object_or_404(MonitoringActivity.objects.select_related("provider"), pk=pk)
    provider = activity.provider
    form = CompleteActivityForm(request.POST, activity=activity)
    if form.is_valid():
        try:
            services.complete_activity(activity, by=request.user,
                                       findings=form.cleaned_data["findings"],
                                       done_date=form.cleaned_data["done_date"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{activity.get_kind_display()} recorded as done.")
            return _to_provider(provider, "#activities")
    return _risk_page(request, provider, bound={("done", activity.pk): form})


@require_POST
@role_required(*STAFF)
def create_plan(request, pk):
    provider = _provider(pk)
    form = ActionPlanForm(request.POST)
    if form.is_valid():
        try:
            plan = services.create_action_plan(by=request.user, provider=provider,
                                               title=form.cleaned_data["title"],
                                               items=form.items())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            count = plan.items.count()
            messages.success(request, f"Action plan created with {count} "
                                      f"action{'s' if count != 1 else ''}. The provider can "
                                      "now see it and respond.")
            return redirect("monitoring:plan", pk=plan.pk)
    return _risk_page(request, provider, bound={"plan": form})


# --- Action plans (both sides) --------------------------------------------------------------

def _scoped_plans(request):
    plans = selectors.action_plans()
    if _is_staff(request.user):
        return plans
    return plans.filter(provider_id=_provider_id(request))


def _complete_form(item, data=None):
    return ReasonForm(data, prefix=f"complete-{item.pk}",
                      label="Note on completing it (optional)")


def _cancel_form(item, data=None):
    return ReasonForm(data, prefix=f"cancel-{item.pk}", label="Why is it cancelled?")


def _plan_page(request, plan, *, bound=None, problems=(), status=200):
    bound = bound or {}
    staff = _is_staff(request.user)
    items = []
    for number, item in enumerate(plan.items.all(), start=1):
        row = {"item": item, "number": number}
        if staff and item.status in (ActionItem.Status.OPEN, ActionItem.Status.RESPONDED):
            row["complete_form"] = bound.get(("complete", item.pk)) or _complete_form(item)
            row["cancel_form"] = bound.get(("cancel", item.pk)) or _cancel_form(item)
        if not staff and item.status == ActionItem.Status.OPEN:
            row["respond_form"] = bound.get(("respond", item.pk)) or RespondForm(
                item=item, number=number)
        items.append(row)
    return render(request, "monitoring/plan.html", {
        "plan": plan, "items": items, "staff": staff,
        "problems": _summary(bound, problems),
    }, status=status)


@role_required(*STAFF, Role.PROVIDER)
def plan_detail(request, pk):
    return _plan_page(request, get_object_or_404(_scoped_plans(request), pk=pk))


def _item_in_plan(request, pk):
    """(plan, item) when the item's plan is in the user's scope, else 404."""
    item = get_object_or_404(ActionItem.objects.only("pk", "plan_id"), pk=pk)
    plan = get_object_or_404(_scoped_plans(request), pk=item.plan_id)
    item = next((i for i in plan.items.all() if i.pk == item.pk), None)
    if item is None:
        raise Http404
    return plan, item


def _to_plan(plan, item=None):
    return redirect(reverse("monitoring:plan", args=[plan.pk])
                    + (f"#item-{item.pk}" if item else ""))


def _item_action(request, pk, *, key, make_form, service, done):
    plan, item = _item_in_plan(request, pk)
    form = make_form(item, request.POST)
    if form.is_valid():
        try:
            service(item, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, done)
            return _to_plan(plan, item)
    return _plan_page(request, plan, bound={(key, item.pk): form})


@require_POST
@role_required(*STAFF)
def complete_item(request, pk):
    return _item_action(request, pk, key="complete", make_form=_complete_form,
                        service=services.complete_action, done="Action marked as completed.")


@require_POST
@role_required(*STAFF)
def cancel_item(request, pk):
    return _item_action(request, pk, key="cancel", make_form=_cancel_form,
                        service=services.cancel_action, done="Action cancelled.")


@require_POST
@role_required(Role.PROVIDER)
def respond_item(request, pk):
    plan, item = _item_in_plan(request, pk)
    number = [i.pk for i in plan.items.all()].index(item.pk) + 1
    form = RespondForm(request.POST, item=item, number=number)
    if form.is_valid():
        try:
            services.respond_to_action(item, by=request.user,
                                       response=form.cleaned_data["provider_response"],
                                       evidence=form.cleaned_data["evidence"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Response to action {number} sent. The commissioner "
                                      "will review it.")
            return _to_plan(plan, item)
    return _plan_page(request, plan, bound={("respond", item.pk): form})


# --- Provider: its own monitoring page and KPI returns --------------------------------------

def _returns(queryset):
    return (queryset.select_related("lot", "provider")
            .prefetch_related(Prefetch("values", queryset=KpiValue.objects.select_related("kpi")
                                       .order_by("kpi__position", "kpi__code"))))


def _mark_late(returns):
    """Each return with `is_late` as monitoring.selectors defines it."""
    returns = list(returns)
    late = set(selectors.late_kpi_returns().filter(pk__in=[r.pk for r in returns])
               .values_list("pk", flat=True)) if returns else set()
    for r in returns:
        r.is_late = r.pk in late
    return returns


@role_required(Role.PROVIDER)
def my_monitoring(request):
    provider_id = _provider_id(request)
    risk = selectors.provider_risk(provider_id)
    returns = _mark_late(_returns(KpiReturn.objects.filter(provider_id=provider_id))
                         .order_by("-period_start", "lot__position", "id"))
    return render(request, "monitoring/mine.html", {
        # Only what ADR 0008 lets a provider see: no notes, assessor, triggers or flags.
        "current": risk["current"],
        "history": risk["history"],
        "activities": _activities(provider_id),
        "plans": _plans(provider_id),
        "due_returns": [r for r in returns if r.status == KpiReturn.Status.DUE],
        "submitted_returns": [r for r in returns if r.status == KpiReturn.Status.SUBMITTED],
    })


def _kpi_return_page(request, kpi_return, *, form=None, problems=(), status=200):
    kpis = services.expected_kpis(kpi_return)
    due = kpi_return.status == KpiReturn.Status.DUE
    form = form or (KpiReturnForm(kpis=kpis) if due else None)
    problems = list(problems) or (form.error_summary() if form is not None else [])
    return render(request, "monitoring/kpi_return.html", {
        "kpi_return": kpi_return, "form": form, "due": due, "problems": problems,
    }, status=status)


def _own_return(request, pk):
    return get_object_or_404(
        _returns(KpiReturn.objects.filter(provider_id=_provider_id(request))), pk=pk)


@role_required(Role.PROVIDER)
def kpi_return(request, pk):
    kpi_return = _own_return(request, pk)
    if request.method != "POST":
        return _kpi_return_page(request, kpi_return)
    form = KpiReturnForm(request.POST, kpis=services.expected_kpis(kpi_return))
    if form.is_valid():
        try:
            services.submit_kpi_return(kpi_return, by=request.user, values=form.values())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"KPI return for {kpi_return.lot.name}, "
                                      f"{kpi_return.period_start:%-d %B %Y} to "
                                      f"{kpi_return.period_end:%-d %B %Y}, submitted.")
            return redirect("monitoring:mine")
    return _kpi_return_page(request, kpi_return, form=form)


# --- Staff: KPI overview --------------------------------------------------------------------

@role_required(*STAFF)
def kpi_overview(request):
    lots = {kpi.lot_id: kpi.lot for kpi in Kpi.objects.select_related("lot")
            .order_by("lot__dps_id", "lot__position")}
    lot = None
    wanted = request.GET.get("lot", "")
    if wanted.isdigit() and int(wanted) in lots:
        lot = lots[int(wanted)]
    elif lots:
        lot = next(iter(lots.values()))
    averages, page = [], None
    if lot is not None:
        averages = list(selectors.kpi_averages(lot.pk))
        page = _page(request, _returns(KpiReturn.objects.filter(lot=lot))
                     .order_by("-period_start", "provider__name", "id"))
        page.object_list = _mark_late(page.object_list)
    return render(request, "monitoring/kpis.html", {
        "lots": list(lots.values()), "lot": lot, "averages": averages, "page": page,
        "query": _query(request),
    })


# --- Child outcomes -------------------------------------------------------------------------

def _staff_placement(request, pk):
    """A placement of the user's authority (a DPS administrator, any); others are 404."""
    placements = for_authority(Placement.objects.select_related("lot", "child", "authority"),
                               request.user)
    return get_object_or_404(placements, pk=pk)


def _outcomes_page(request, placement, *, form=None, status=200):
    form = form or OutcomeRatingsForm()
    return render(request, "monitoring/outcomes.html", {
        "placement": placement, "domains": domain_trends(placement.pk), "form": form,
        "rows": form.domain_rows(),
        "problems": form.error_summary(), "spark": {"width": SPARK_WIDTH,
                                                    "height": SPARK_HEIGHT},
    }, status=status)


@role_required(*STAFF)
def placement_outcomes(request, pk):
    """The trend of a child's outcome ratings in each domain, and one form rating any or all
    of them (commissioners of the placement's authority and DPS administrators, as the API)."""
    placement = _staff_placement(request, pk)
    if request.method != "POST":
        return _outcomes_page(request, placement)
    form = OutcomeRatingsForm(request.POST)
    if form.is_valid():
        try:
            rows = record_outcome_ratings(by=request.user, placement=placement,
                                          ratings=form.ratings(),
                                          rated_on=form.cleaned_data["rated_on"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{len(rows)} outcome rating{'s' if len(rows) != 1 else ''}"
                                      f" recorded for {rows[0].rated_on:%-d %B %Y}.")
            return redirect("monitoring:placement-outcomes", pk=placement.pk)
    return _outcomes_page(request, placement, form=form)


@role_required(Role.PROVIDER)
def my_outcomes(request):
    """Average ratings per domain across the provider's own placements: no child, no other
    provider."""
    provider_id = _provider_id(request)
    averages = {row["domain"]: row for row in selectors.outcome_averages(
        OutcomeRating.objects.filter(placement__provider_id=provider_id))}
    rows = [{"label": domain.label, **averages.get(domain.value, {})}
            for domain in OutcomeDomain]
    for row in rows:
        if row.get("average") is not None:
            row["percent"] = round(float(row["average"]) / 5 * 100)
    return render(request, "monitoring/my_outcomes.html", {"rows": rows})


# --- Annual reports -------------------------------------------------------------------------

def _report_years():
    """The financial years a provider may report on: the current one and the two before."""
    current = services.financial_year_of(timezone.localdate())
    return [current, current - 1, current - 2]


def _scoped_reports(request):
    reports = selectors.annual_reports()
    if _is_staff(request.user):
        return reports
    return reports.filter(provider_id=_provider_id(request))


@role_required(Role.PROVIDER)
def my_annual_reports(request):
    provider_id = _provider_id(request)
    reports = list(selectors.annual_reports().filter(provider_id=provider_id)
                   .order_by("-year"))
    done = {report.year for report in reports}
    return render(request, "monitoring/my_annual_reports.html", {
        "reports": reports, "can_submit": any(y not in done for y in _report_years()),
    })


@role_required(Role.PROVIDER)
def submit_annual_report(request):
    _provider_id(request)
    years = _report_years()
    if request.method != "POST":
        form = AnnualReportForm(years=years)
    else:
        form = AnnualReportForm(request.POST, years=years)
        if form.is_valid():
            try:
                report = services.submit_annual_report(by=request.user,
                                                       year=form.cleaned_data["year"],
                                                       **form.evidence())
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, f"Annual report for {report.year_label} submitted. "
                                          "A commissioner will review it.")
                return redirect("monitoring:annual-report", pk=report.pk)
    return render(request, "monitoring/annual_report_form.html", {
        "form": form, "problems": form.error_summary(), "report": None,
    }, status=200)


def _report_page(request, report, *, form=None, review_form=None):
    staff = _is_staff(request.user)
    returned = report.status == AnnualReport.Status.RETURNED
    if not staff and returned and form is None:
        form = AnnualReportForm(initial={name: getattr(report, name)
                                         for name in services.REPORT_FIELDS})
    if staff and report.status == AnnualReport.Status.SUBMITTED and review_form is None:
        review_form = ReviewForm()
    problems = (form.error_summary() if form is not None else []) or \
        (review_form.error_summary() if review_form is not None else [])
    return render(request, "monitoring/annual_report.html", {
        "report": report, "staff": staff, "form": form if not staff else None,
        "review_form": review_form if staff else None, "problems": problems,
        "history": selectors.audit_history([report]).get(report.pk, []) if staff else [],
    })


@role_required(*STAFF, Role.PROVIDER)
def annual_report(request, pk):
    report = get_object_or_404(_scoped_reports(request), pk=pk)
    if request.method != "POST":
        return _report_page(request, report)
    if _is_staff(request.user):
        form = ReviewForm(request.POST)
        if form.is_valid():
            try:
                services.review_annual_report(report, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                report.refresh_from_db()
                messages.success(request, f"Review recorded: {report.get_status_display()}.")
                return redirect("monitoring:annual-report", pk=report.pk)
        return _report_page(request, report, review_form=form)
    form = AnnualReportForm(request.POST)
    if form.is_valid():
        try:
            services.resubmit_annual_report(report, by=request.user, **form.evidence())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Annual report for {report.year_label} resubmitted.")
            return redirect("monitoring:annual-report", pk=report.pk)
    return _report_page(request, report, form=form)


@role_required(*STAFF)
def annual_reports(request):
    """Reports by financial year, with how many are waiting for review."""
    years = selectors.annual_report_years()
    wanted = request.GET.get("year", "")
    year = int(wanted) if wanted.isdigit() and int(wanted) in years else \
        (years[0] if years else None)
    page, counts = None, {}
    if year is not None:
        page = _page(request, selectors.annual_reports().filter(year=year)
                     .order_by("status", "provider__name", "id"))
        counts = selectors.annual_report_counts(year)
    return render(request, "monitoring/annual_reports.html", {
        "years": years, "year": year, "page": page, "query": _query(request),
        "counts": [(label, counts.get(value, 0))
                   for value, label in AnnualReport.Status.choices],
    })


# --- KPI definitions (DPS administrator) ----------------------------------------------------

def _kpi_lots():
    return list(Lot.objects.select_related("dps").order_by("dps_id", "position", "id"))


def _kpi_page(request, form, status=200):
    kpis = list(Kpi.objects.select_related("lot").order_by("lot__dps_id", "lot__position",
                                                            "position", "code"))
    return render(request, "monitoring/kpi_definitions.html", {
        "kpis": kpis, "form": form, "problems": form.error_summary(),
    }, status=status)


@role_required(Role.DPS_ADMIN)
def kpi_definitions(request):
    lots = _kpi_lots()
    if request.method != "POST":
        return _kpi_page(request, KpiForm(lots=lots, initial={"required": True}))
    form = KpiForm(request.POST, lots=lots)
    if form.is_valid():
        try:
            kpi = services.define_kpi(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"KPI “{kpi.name}” defined for {kpi.lot.name}, "
                                      f"{kpi.get_frequency_display().lower()}.")
            return redirect("monitoring:kpi-definitions")
    return _kpi_page(request, form)


@role_required(Role.DPS_ADMIN)
def edit_kpi(request, pk):
    kpi = get_object_or_404(Kpi.objects.select_related("lot"), pk=pk)
    if request.method != "POST":
        form = KpiForm(initial={name: getattr(kpi, name) for name in services.KPI_CHANGEABLE})
    else:
        form = KpiForm(request.POST)
        if form.is_valid():
            try:
                services.update_kpi(kpi, by=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, f"KPI “{form.cleaned_data['name']}” changed.")
                return redirect("monitoring:kpi-definitions")
    return render(request, "monitoring/kpi_edit.html", {
        "kpi": kpi, "form": form, "problems": form.error_summary(),
    })


# --- Escalations (DPS administrator) --------------------------------------------------------

def _memberships(provider_ids):
    memberships = defaultdict(list)
    for membership in (Membership.objects.filter(provider_id__in=set(provider_ids))
                       .select_related("lot").order_by("lot__position", "id")):
        memberships[membership.provider_id].append(membership)
    return memberships


@role_required(Role.DPS_ADMIN)
def escalations(request):
    """Open action items escalated with a recommendation to suspend, not yet decided, with the
    history that justifies each (due date, reminder, escalation) and the provider's lots."""
    page = _page(request, selectors.escalated_action_items()
                 .select_related("plan", "plan__provider").order_by("escalated_at", "id"))
    history = selectors.audit_history(page.object_list)
    memberships = _memberships(item.plan.provider_id for item in page.object_list)
    for item in page.object_list:
        item.history = history.get(item.pk, [])
        item.memberships = memberships.get(item.plan.provider_id, [])
    return render(request, "monitoring/escalations.html", {"page": page,
                                                           "query": _query(request)})


def _dismiss_form(data=None):
    return ReasonForm(data, prefix="dismiss", label="Why is suspension not needed?",
                      hint="For example, the provider has since engaged with the plan.")


def _admitted(memberships):
    return [m for m in memberships if m.status == Membership.Status.ADMITTED]


def _escalation_page(request, item, *, suspend_form=None, dismiss_form=None):
    memberships = _memberships([item.plan.provider_id])[item.plan.provider_id]
    admitted = _admitted(memberships)
    suspend_form = suspend_form or SuspendForm(memberships=admitted)
    dismiss_form = dismiss_form or _dismiss_form()
    return render(request, "monitoring/escalation.html", {
        "item": item, "plan": item.plan,
        "history": selectors.audit_history([item]).get(item.pk, []),
        "memberships": memberships, "admitted": admitted, "suspend_form": suspend_form,
        "dismiss_form": dismiss_form,
        "problems": suspend_form.error_summary() or dismiss_form.error_summary(),
    })


def _escalated_item(pk):
    """Any escalated item (decided ones too, to show the decision); others are 404."""
    return get_object_or_404(selectors.action_items().filter(escalated_at__isnull=False), pk=pk)


@role_required(Role.DPS_ADMIN)
def escalation(request, pk):
    return _escalation_page(request, _escalated_item(pk))


@require_POST
@role_required(Role.DPS_ADMIN)
def suspend_provider(request, pk):
    item = _escalated_item(pk)
    admitted = _admitted(_memberships([item.plan.provider_id])[item.plan.provider_id])
    form = SuspendForm(request.POST, memberships=admitted)
    if form.is_valid():
        try:
            suspended = services.suspend_for_escalation(
                item, by=request.user, until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
                memberships=form.cleaned_data["memberships"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            lots = ", ".join(m.lot.name for m in suspended)
            messages.success(request, f"{item.plan.provider.name} suspended from {lots} until "
                                      f"{form.cleaned_data['until']:%-d %B %Y}.")
            return redirect("monitoring:escalations")
    return _escalation_page(request, item, suspend_form=form)


@require_POST
@role_required(Role.DPS_ADMIN)
def dismiss_escalation(request, pk):
    item = _escalated_item(pk)
    form = _dismiss_form(request.POST)
    if form.is_valid():
        try:
            services.dismiss_escalation(item, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Recommendation to suspend {item.plan.provider.name} "
                                      "dismissed.")
            return redirect("monitoring:escalations")
    return _escalation_page(request, item, dismiss_form=form)
