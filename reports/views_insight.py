"""The market insight page: figures per lot with server-rendered SVG charts (no JavaScript),
each beside a data table holding the same numbers for screen readers and for copying.

Thin: the form reads the query string, `reports.insight.market_insight` computes the figures,
and `reports.charts` turns them into shapes that `reports/_chart.html` draws.
"""

from django import forms
from django.shortcuts import render
from django.utils import timezone

from dps.forms import DatePartsField, GovukForm
from dps.models import Organisation, Role
from dps.replica import report_reads
from dps.views import role_required
from providers.models import Lot
from reports import before_after, insight
from reports.api.insight import INSIGHT_READERS
from reports.charts import (
    BLUE,
    DARK_BLUE,
    GREEN,
    PURPLE,
    RED,
    box_plot,
    grouped_bars,
    horizontal_bars,
    stacked_shares,
)

YEARS = 3
ROUTE_COLOURS = {"dps": BLUE, "spot": RED, "block": GREEN}


class InsightForm(GovukForm):
    lot = forms.ModelChoiceField(label="Lot", queryset=Lot.objects.none(), empty_label=None,
                                 to_field_name="code")
    to = DatePartsField(subject="the figures end", label="Figures up to", required=False,
                        help_text="The last day of the newest year. For example, 31 3 2026. "
                                  "Leave blank for today.")
    authority = forms.ModelChoiceField(
        label="Authority", required=False, empty_label="All authorities",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.AUTHORITY).order_by("name"))
    forum = forms.BooleanField(
        label="Providers' forum view: leave out the figures by authority", required=False)

    def __init__(self, *args, admin=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot"].queryset = Lot.objects.select_related("dps").order_by(
            "dps_id", "position", "code")
        self.fields["lot"].label_from_instance = lambda lot: lot.name
        self.fields["lot"].error_messages["invalid_choice"] = "Select a lot from the list"
        if not admin:
            del self.fields["authority"]
            del self.fields["forum"]
        else:
            self.fields["authority"].error_messages["invalid_choice"] = (
                "Select an authority from the list")


# --- The page -------------------------------------------------------------------------------

def _charts(report):
    years = report.years
    labels = [y.year.short_label for y in years]
    endings = {}
    for year in years:
        for item in year.endings:
            endings[item.label] = endings.get(item.label, 0) + item.count
    return {
        "placements": grouped_bars(
            "placements", "Placements started and live each year",
            "Bar chart of placements started and placements live in each year; the table "
            "beside it has the figures.", labels,
            [{"name": "Started", "colour": BLUE, "values": [y.placements_started for y in years]},
             {"name": "Live", "colour": DARK_BLUE,
              "values": [y.placements_live for y in years]}]),
        "providers": grouped_bars(
            "providers", "Providers used and admitted each year",
            "Bar chart of providers with live placements and providers admitted to the lot in "
            "each year; the table beside it has the figures.", labels,
            [{"name": "Used", "colour": BLUE, "values": [y.providers_used for y in years]},
             {"name": "Admitted", "colour": PURPLE,
              "values": [y.providers_admitted for y in years]}]),
        "routes": stacked_shares(
            "routes", "Share of spend by route each year",
            "Stacked bars of the share of spend through the DPS, spot purchases and block "
            "contracts in each year; the table beside it has the amounts.",
            [(y.year.short_label, {r.route: r.share for r in y.routes}) for y in years],
            [(route, ROUTE_COLOURS[route]) for route in insight.ROUTES], insight.ROUTES),
        "concentration": horizontal_bars(
            "concentration", "Top 10 providers' share and in-area share of spend",
            "Bar chart of the share of spend with the ten largest providers and the share "
            "spent in the authority's own area, each year.",
            [(f"Top 10, {y.year.short_label}", y.top_providers_share) for y in years]
            + [(f"In area, {y.year.short_label}", y.in_area_share) for y in years],
            maximum=100, suffix="%"),
        "prices": box_plot(
            "prices", "Weekly price of new placements each year",
            "Box plot of the weekly price of placements started in each year: lowest, "
            "quartiles, median, highest and average; the table beside it has the figures.",
            labels, [y.weekly_price for y in years]),
        "endings": horizontal_bars(
            "endings", "Placements ended, by reason",
            "Bar chart of placements that ended in the three years, by reason; the table "
            "beside it has each year.",
            sorted(endings.items(), key=lambda item: (-item[1], item[0]))),
    }


def _before_after(report):
    """Issue 18: providers and placements before the DPS and now, and DPS against spot."""
    scope = {"lot": report.lot, "to": report.date_to, "authority": report.authority}
    years = before_after.routes_by_year(**scope, years=YEARS)
    chart = stacked_shares(
        "placement_routes", "Share of placements started through the DPS and spot each year",
        "Stacked bars of the share of placements started through DPS call-offs against spot "
        "purchases in each year; the table beside it has the numbers.",
        [(f"Year to {y.date_to:%b %Y}", {"dps": y.dps_share, "spot": y.spot_share})
         for y in years],
        [("dps", BLUE), ("spot", RED)], insight.ROUTES)
    return {"before_after": before_after.before_after(**scope), "route_years": years,
            "dps_spot_chart": chart}


def _ending_rows(report):
    reasons = {}
    for i, year in enumerate(report.years):
        for item in year.endings:
            reasons.setdefault(item.label, [0] * len(report.years))[i] = item.count
    return sorted(((label, counts, sum(counts)) for label, counts in reasons.items()),
                  key=lambda row: (-row[2], row[0]))


@role_required(*INSIGHT_READERS)
@report_reads()
def market(request):
    user = request.user
    admin = user.has_role(Role.DPS_ADMIN)
    form = InsightForm(request.GET or None, admin=admin)
    report, problems = None, []
    lots = form.fields["lot"].queryset
    if form.is_bound:
        valid = form.is_valid()
        problems = form.error_summary()
    else:
        valid = True
    if valid:
        wanted = form.cleaned_data if form.is_bound else {}
        lot = wanted.get("lot") or lots.first()
        if admin:
            authority = wanted.get("authority")
        else:
            authority = user.organisation if user.organisation_id else None
        if lot is not None and (admin or authority is not None):
            report = insight.market_insight(
                lot=lot, to=wanted.get("to") or timezone.localdate(), years=YEARS,
                authority=authority, forum=bool(wanted.get("forum")))
            if not form.is_bound:
                form = InsightForm(initial={"lot": lot.code}, admin=admin)
    context = {"form": form, "problems": problems, "report": report, "admin": admin}
    if report is not None:
        context["charts"] = _charts(report)
        context["ending_rows"] = _ending_rows(report)
        context["scoped"] = report.authority is not None
        context.update(_before_after(report))
    return render(request, "reports/insight/market.html", context,
                  status=400 if problems else 200)
