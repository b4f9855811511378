"""Vacancy pages: the provider's vacancies (post, confirm with one click, withdraw) and the
live vacancies authority staff can browse. Thin: each calls one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from dps import areas
from dps.errors import DomainError
from dps.models import Role
from dps.paging import paginate
from dps.views import role_required
from providers.models import Lot, Membership
from referrals.selectors import active_needs
from sufficiency import selectors, services
from sufficiency.forms import VacancyForm

PAGE_SIZE = 25


def _provider(request):
    organisation = request.user.organisation
    if organisation is None or not organisation.is_provider:
        raise PermissionDenied
    return organisation


def _admitted_lots(provider):
    return list(Lot.objects.filter(memberships__provider=provider,
                                   memberships__status=Membership.Status.ADMITTED)
                .order_by("dps_id", "position", "code").distinct())


def _rows(vacancies):
    return [(vacancy, areas.find(vacancy.area_code)) for vacancy in vacancies]


@role_required(Role.PROVIDER)
def my_vacancies(request):
    provider = _provider(request)
    page = paginate(request, selectors.provider_vacancies(provider.pk), PAGE_SIZE)
    return render(request, "sufficiency/mine.html", {
        "page": page, "rows": _rows(page.object_list),
        "can_post": bool(_admitted_lots(provider))})


@role_required(Role.PROVIDER)
def new_vacancy(request):
    provider = _provider(request)
    lots = _admitted_lots(provider)
    form = VacancyForm(request.POST if request.method == "POST" else None, lots=lots,
                       needs=active_needs(),
                       initial={"area": (areas.find(provider.area) or areas.Area("", "")).name,
                                "lot": lots[0].code if len(lots) == 1 else None})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_vacancy(by=request.user, **form.service_kwargs())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, "Vacancy posted. Commissioners see it for 14 days; "
                                      "confirm it before then if the places are still free.")
            return redirect("sufficiency:mine")
    return render(request, "sufficiency/form.html", {"form": form, "lots": lots},
                  status=400 if form.is_bound and form.errors else 200)


def _own(request, pk):
    provider = _provider(request)
    return get_object_or_404(selectors.provider_vacancies(provider.pk), pk=pk)


def _act(request, pk, service, done):
    vacancy = _own(request, pk)
    try:
        service(vacancy, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, done)
    return redirect("sufficiency:mine")


@require_POST
@role_required(Role.PROVIDER)
def confirm(request, pk):
    return _act(request, pk, services.confirm_vacancy,
                "Vacancy confirmed: it shows for another 14 days.")


@require_POST
@role_required(Role.PROVIDER)
def withdraw(request, pk):
    return _act(request, pk, services.withdraw_vacancy,
                "Vacancy withdrawn: commissioners no longer see it.")


@role_required(Role.COMMISSIONER, Role.DPS_ADMIN)
def live_vacancies(request):
    """Every live vacancy, filtered like the API (lot, area, need, age)."""
    lots = list(Lot.objects.order_by("dps_id", "position", "code"))
    lot = next((lot for lot in lots if lot.code == request.GET.get("lot")), None)
    age = request.GET.get("age", "")
    age = int(age) if age.isdigit() and int(age) <= 25 else None
    area = areas.find(request.GET.get("area"))
    need = request.GET.get("need") or None
    queryset = selectors.filtered(selectors.live(), lot=lot, area=area.code if area else None,
                                  need=need, age=age)
    page = paginate(request, queryset, PAGE_SIZE)
    return render(request, "sufficiency/live.html", {
        "page": page, "rows": _rows(page.object_list), "lots": lots, "lot": lot,
        "area": area, "areas": areas.all_areas(), "needs": active_needs(), "need": need,
        "age": age})
