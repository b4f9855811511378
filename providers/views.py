"""Admission pages. Thin: each translates a form into one service call and a DomainError back
into messages on the form. Reads go through selectors, so query counts do not grow with rows."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from documents.access import ATTACHMENTS
from documents.forms import ApplicationDocumentsForm
from documents.services import upload_document
from dps.confirm import check_page
from dps.errors import DomainError
from dps.models import Role
from dps.paging import page_query, paginate
from dps.sorting import Sort
from dps.views import role_required
from providers import selectors, services
from providers.forms import ApplyForm, DecideForm, RoundForm
from providers.models import AdmissionRound, Application


def _dps_from_query(request):
    """The DPS named by ?dps=<code>, the children's DPS by default; 404 for unknown codes."""
    code = request.GET.get("dps") or settings.DEFAULT_DPS_CODE
    return get_object_or_404(selectors.active_dps_list(), code=code)


def _with_dps(url, dps):
    return url if dps.code == settings.DEFAULT_DPS_CODE else f"{url}?dps={dps.code}"


def _when(value):
    return f"{timezone.localtime(value):%-d %B %Y at %H:%M}"


# --- Providers ------------------------------------------------------------------------------

@role_required(Role.PROVIDER)
def apply(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_provider:
        raise PermissionDenied
    dps = _dps_from_query(request)
    posted = request.method == "POST"
    form = ApplyForm(request.POST if posted else None, dps=dps, lots=selectors.lots_for(dps))
    attachments = ApplicationDocumentsForm(request.POST if posted else None,
                                           request.FILES if posted else None,
                                           kinds=ATTACHMENTS["application"].kinds)
    # Both validated, so every problem shows at once.
    if posted and all([form.is_valid(), attachments.is_valid()]):
        try:
            # One transaction: a refused submission or file must not leave a draft behind.
            with transaction.atomic():
                application = services.create_application(
                    by=request.user, provider=organisation, dps=dps, **form.service_kwargs()
                )
                application = services.submit_application(application, by=request.user)
                # After the submission's own checks: a refused submission stores no file.
                _attach_while_applying(request.user, application, attachments)
        except _RefusedFile:
            pass  # on the file's own field; nothing was kept
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            round_ = application.round
            if round_ is None:
                which = "the next admission round to open"
            else:
                which = "the admission round that " + (
                    "closes on " + _when(round_.closes_at)
                    if round_.status == AdmissionRound.Status.OPEN
                    else "opens on " + _when(round_.opens_at))
            attached = len(attachments.uploads())
            messages.success(
                request,
                f"Application submitted to the {dps.name}"
                + (f" with {attached} document{'s' if attached != 1 else ''}" if attached
                   else "")
                + f". We will consider it in {which}, and decide within "
                f"{dps.evaluation_working_days} working days of the round closing.",
            )
            return redirect("providers:my-applications")
    return render(request, "providers/apply.html", {
        "dps": dps,
        "form": form,
        "attachments": attachments,
        "problems": form.error_summary() + attachments.error_summary(),
        "other_dps": [other for other in selectors.active_dps_list() if other.pk != dps.pk],
        "round": selectors.round_accepting_applications(dps),
    })


class _RefusedFile(Exception):
    """A file the documents service refused while applying: the application rolls back."""


def _attach_while_applying(user, application, attachments):
    """The certificates chosen on the apply page, attached to the new application by the
    documents service (its checks, storage and audit) before it is submitted."""
    for kind, upload, expires_on in attachments.uploads():
        try:
            upload_document(by=user, attached_to="application", object_id=application.pk,
                            kind=kind, file=upload, expires_on=expires_on)
        except DomainError as exc:
            attachments.add_upload_error(kind, exc)
            raise _RefusedFile from exc


@role_required(Role.PROVIDER)
def my_applications(request):
    organisation = request.user.organisation
    if organisation is None:
        raise PermissionDenied
    return render(request, "providers/my_applications.html", {
        "applications": selectors.provider_applications(organisation),
        "memberships": selectors.provider_memberships(organisation),
    })


# --- DPS administrators ---------------------------------------------------------------------

def _rounds_page(request, dps, form, *, problems=(), status=200):
    return render(request, "providers/rounds.html", {
        "dps": dps,
        "problems": list(problems) or form.error_summary(),
        "rounds": selectors.rounds_with_counts(dps),
        "waiting": selectors.applications_waiting_for_round(dps.pk).count(),
        "form": form,
        "other_dps": [other for other in selectors.active_dps_list() if other.pk != dps.pk],
        "action_url": _with_dps(reverse("providers:rounds"), dps),
    }, status=status)


@role_required(Role.DPS_ADMIN)
def rounds(request):
    dps = _dps_from_query(request)
    form = RoundForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.create_round(
                by=request.user, dps=dps, opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            state = "opened" if round_.status == AdmissionRound.Status.OPEN else "scheduled"
            messages.success(
                request, f"Round {state}: it opens {_when(round_.opens_at)} and closes "
                         f"{_when(round_.closes_at)}.",
            )
            return redirect(_with_dps(reverse("providers:rounds"), round_.dps))
    return _rounds_page(request, dps, form)


@require_POST
@role_required(Role.DPS_ADMIN)
def close_round(request, pk):
    round_ = get_object_or_404(AdmissionRound.objects.select_related("dps"), pk=pk)
    try:
        round_ = services.close_round(round_, by=request.user)
    except DomainError as exc:
        return _rounds_page(request, round_.dps, RoundForm(), status=exc.status,
                            problems=[{"text": exc.detail}])
    waiting = round_.applications.filter(status=Application.Status.SUBMITTED).count()
    if waiting:
        messages.success(request, f"Round closed. {waiting} application"
                                  f"{'s' if waiting != 1 else ''} to decide.")
    else:
        messages.success(request, "Round closed. It had no applications to decide, so it is "
                                  "complete.")
    return redirect(_with_dps(reverse("providers:rounds"), round_.dps))


@require_GET
@role_required(Role.DPS_ADMIN)
def close_round_confirm(request, pk):
    """Closing a round early cannot be undone: ask first (finding 6, dps.confirm)."""
    round_ = get_object_or_404(AdmissionRound.objects.select_related("dps"), pk=pk)
    back = _with_dps(reverse("providers:rounds"), round_.dps)
    if round_.status != AdmissionRound.Status.OPEN:
        return redirect(back)
    waiting = round_.applications.filter(status=Application.Status.SUBMITTED).count()
    return check_page(
        request, title="Close the admission round now?", caption=str(round_.dps),
        rows=[("Opened", f"{timezone.localtime(round_.opens_at):%-d %B %Y}"),
              ("Due to close", f"{timezone.localtime(round_.closes_at):%-d %B %Y at %H:%M}"),
              ("Applications submitted", str(waiting))],
        warning="Once it is closed, its applications must be decided within the decision "
                "period, and new applications wait for the next round. You cannot open it "
                "again.",
        action=reverse("providers:close-round", args=[round_.pk]),
        button="Close the round now", back_url=back, back_text="Keep it open")


APPLICATION_SORT = {"provider": ("provider__name",), "submitted": ("submitted_at",),
                    "due": ("evaluation_due",)}


@role_required(Role.DPS_ADMIN)
def round_detail(request, pk):
    round_ = get_object_or_404(AdmissionRound.objects.select_related("dps"), pk=pk)
    today = timezone.localdate()
    # Paginated: a large round holds hundreds of applications.
    sort = Sort(request, APPLICATION_SORT, default="submitted")
    page = paginate(request, selectors.round_applications(round_).order_by(*sort.order_by),
                    per_page=50)
    rows = []
    for application in page.object_list:
        awaiting = application.status == Application.Status.SUBMITTED
        days_left = services.days_left_to_decide(application, today) if awaiting else None
        rows.append({
            "application": application,
            "days_left": days_left,
            "overdue": days_left is not None and days_left < 0,
            "overdue_by": -days_left if days_left is not None and days_left < 0 else 0,
            "can_decide": awaiting and round_.status == AdmissionRound.Status.CLOSED,
        })
    return render(request, "providers/round_detail.html", {
        "round": round_,
        "rows": rows,
        "page": page,
        "sort": sort,
        "query": page_query(request),
        "rounds_url": _with_dps(reverse("providers:rounds"), round_.dps),
    })


@role_required(Role.DPS_ADMIN)
def decide(request, pk):
    application = get_object_or_404(selectors.applications_with_lots(), pk=pk)
    if application.round_id is None:
        raise Http404  # a draft: nothing to decide yet
    form = DecideForm(request.POST if request.method == "POST" else None,
                      application=application)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_application(application, by=request.user,
                                        decisions=form.decisions())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            names = {item.lot.code: item.lot.name for item in form.items}
            summary = "; ".join(
                f"{'admitted to' if d['outcome'] == 'admitted' else 'rejected from'} "
                f"{names[d['lot']]}" for d in form.decisions()
            )
            messages.success(request, f"{application.provider} {summary}.")
            return redirect("providers:round", pk=application.round_id)
    return render(request, "providers/decide.html", {
        "application": application,
        "form": form,
        "round": application.round,
        "today": timezone.localdate(),
        "days_left": services.days_left_to_decide(application),
    })
