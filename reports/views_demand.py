"""The demand page, /insight/demand/ (issue 18): per lot and authority, placements started each
month with the next twelve months forecast (chart and table), live placements in and out of
area, vacancies posted now and providers used against admitted.

Thin: `reports.demand` computes; `reports.charts` draws. Staff see their own authority; the DPS
administrator chooses one or all.
"""

from django import forms
from django.shortcuts import render
from django.utils import timezone

from dps.forms import GovukForm
from dps.models import Organisation, Role
from dps.views import role_required
from providers.models import Lot
from reports import charts, demand
from reports.api.insight import INSIGHT_READERS

# The chart and table show the latest three years of history; the API gives it all.
SHOWN_MONTHS = 36


class DemandForm(GovukForm):
    lot = forms.ModelChoiceField(label="Lot", queryset=Lot.objects.none(), empty_label=None,
                                 to_field_name="code")
    authority = forms.ModelChoiceField(
        label="Authority", required=False, empty_label="All authorities",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY).order_by("name"))

    def __init__(self, *args, admin=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = Lot.objects.select_related("dps").order_by(
            "dps_id", "position", "code")
        self.fields["lot"].label_from_instance = lambda lot: lot.name
        self.fields["lot"].error_messages["invalid_choice"] = "Select a lot from the list"
        if admin:
            self.fields["authority"].error_messages["invalid_choice"] = (
                "Select an authority from the list")
        else:
            del self.fields["authority"]


def _chart(report):
    history = [(m.month, m.started) for m in report.history[-SHOWN_MONTHS:]]
    ahead = [(m.month, m.expected, m.low, m.high) for m in report.forecast]
    return charts.history_and_forecast(
        "demand", "Placements started each month, and the next 12 months forecast",
        f"Line chart of placements started each month over the last {len(history)} months, "
        f"then the forecast for the next 12 months with its {report.interval}% range; the "
        "table below has the figures.", history, ahead)


@role_required(*INSIGHT_READERS)
def demand_page(request):
    user = request.user
    admin = user.has_role(Role.DPS_ADMIN)
    form = DemandForm(request.GET or None, admin=admin)
    lots = form.fields["lot"].queryset
    problems, report, figures = [], None, None
    valid = form.is_valid() if form.is_bound else True
    if form.is_bound:
        problems = form.error_summary()
    if valid:
        wanted = form.cleaned_data if form.is_bound else {}
        lot = wanted.get("lot") or lots.first()
        authority = wanted.get("authority") if admin else (
            user.organisation if user.organisation_id else None)
        if lot is not None and (admin or authority is not None):
            today = timezone.localdate()
            report = demand.demand(lot=lot, authority=authority, today=today)
            figures = demand.supply(lot=lot, authority=authority, today=today)
            if not form.is_bound:
                form = DemandForm(initial={"lot": lot.code}, admin=admin)
    context = {"form": form, "problems": problems, "report": report, "figures": figures,
               "admin": admin}
    if report is not None:
        context["chart"] = _chart(report)
        context["shown_history"] = report.history[-SHOWN_MONTHS:]
    return render(request, "reports/insight/demand.html", context,
                  status=400 if problems else 200)
