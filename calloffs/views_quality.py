"""The DPS administrator's default quality criteria per lot (ADR 0026): each call-off copies
its lot's at publication, and the commissioner may adjust them before publishing."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render

from calloffs.models import LotCriterion
from calloffs.quality import defaults, lot_criteria, set_lot_criteria
from calloffs.quality_forms import LotCriteriaForm
from dps.errors import DomainError
from dps.models import Role
from dps.views import role_required
from providers.models import Lot


@role_required(Role.DPS_ADMIN)
def lot_criteria_list(request):
    lots = list(Lot.objects.select_related("dps").order_by("dps__name", "name", "id"))
    stored = {}
    for row in LotCriterion.objects.order_by("lot_id", "position", "id"):
        stored.setdefault(row.lot_id, []).append({"name": row.name, "weight": row.weight})
    rows = [(lot, stored.get(lot.pk) or defaults()) for lot in lots]
    return render(request, "calloffs/lot_criteria_list.html", {"rows": rows})


@role_required(Role.DPS_ADMIN)
def lot_criteria_edit(request, pk):
    lot = get_object_or_404(Lot.objects.select_related("dps"), pk=pk)
    form = LotCriteriaForm(request.POST or None, criteria=lot_criteria(lot))
    if request.method == "POST" and form.is_valid():
        try:
            set_lot_criteria(lot, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, f"Quality criteria saved for {lot.name}. Call-offs "
                                      "published from now on start from them.")
            return redirect("calloffs:lot-criteria")
    return render(request, "calloffs/lot_criteria_edit.html", {
        "lot": lot, "form": form, "problems": form.error_summary()})
