"""What each arrangement's legal regime means for it (ADR 0017): a page per arrangement for the
DPS team and commissioners, and the warnings the dashboard shows."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dps.errors import DomainError
from dps.models import Role
from dps.views import role_required
from providers.forms import DynamicMarketForm
from providers.models import Dps
from providers.regimes import warnings_for
from providers.successor import start_dynamic_market


def regime_warnings(today=None):
    """[(dps, [sentence, ...])] for every active arrangement whose regime needs attention.
    One query: the arrangements are few."""
    today = today or timezone.localdate()
    found = []
    for dps in Dps.objects.filter(is_active=True).order_by("name"):
        sentences = warnings_for(dps, today)
        if sentences:
            found.append((dps, sentences))
    return found


def _page(request, dps, form=None, status=200):
    may_start = not dps.rules.is_act and request.user.has_role(Role.DPS_ADMIN)
    return render(request, "providers/regime.html", {
        "dps": dps, "rules": dps.rules,
        "warnings": warnings_for(dps, timezone.localdate()),
        "market_form": (form or DynamicMarketForm()) if may_start else None,
    }, status=status)


@role_required(Role.DPS_ADMIN, Role.COMMISSIONER)
def regime(request, pk):
    return _page(request, get_object_or_404(Dps.objects.filter(is_active=True), pk=pk))


@require_POST
@role_required(Role.DPS_ADMIN)
def dynamic_market(request, pk):
    """The same service as POST /api/v1/dps/{code}/dynamic-market/."""
    dps = get_object_or_404(Dps.objects.filter(is_active=True), pk=pk)
    form = DynamicMarketForm(request.POST)
    if form.is_valid():
        try:
            market = start_dynamic_market(dps, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"{market.name} is set up with the lots of {dps.name}. "
                                      "Its current members are invited to apply.")
            return redirect("providers:regime", pk=market.pk)
    return _page(request, dps, form)
