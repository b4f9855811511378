"""The market insight page: figures per lot with server-rendered SVG charts (no JavaScript),
each beside a data table holding the same numbers for screen readers and for copying.

Thin: the form reads the query string, `reports.insight.market_insight` computes the figures,
and the chart builders below turn them into shapes that `reports/insight/_chart.html` draws.
"""

import math
from decimal import Decimal

from django import forms
from django.shortcuts import render
from django.utils import timezone

from dps.forms import DatePartsField, GovukForm
from dps.models import Organisation, Role
from dps.replica import report_reads
from dps.views import role_required
from providers.models import Lot
from reports import insight
from reports.api.insight import INSIGHT_READERS

YEARS = 3
INK = "#0b0c0c"
GRID = "#b1b4b6"
FONT = "Helvetica, Arial, sans-serif"
# GOV.UK colours, each at least 3:1 against white (WCAG 1.4.11).
BLUE, DARK_BLUE, RED, GREEN, PURPLE = "#1d70b8", "#003078", "#d4351c", "#00703c", "#4c2c92"
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


# --- Chart geometry -------------------------------------------------------------------------

def _nice_max(value):
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (at least 1)."""
    value = float(value or 0)
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _whole_max(value):
    """An axis top for counts: four equal whole-number steps."""
    return 4 * max(1, math.ceil(_nice_max(float(value or 0) / 4)))


def _number(value, money=False):
    if value is None:
        return "–"
    if money:
        return f"£{Decimal(value):,.0f}"
    value = float(value)
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def _fmt(x):
    return f"{x:.1f}"


def _text(x, y, text, *, anchor="start", size=14, weight="normal", fill=INK):
    return {"kind": "text", "x": _fmt(x), "y": _fmt(y), "text": text, "anchor": anchor,
            "size": size, "weight": weight, "fill": fill}


def _rect(x, y, w, h, fill):
    return {"kind": "rect", "x": _fmt(x), "y": _fmt(y), "w": _fmt(max(w, 0)),
            "h": _fmt(max(h, 0)), "fill": fill}


def _line(x1, y1, x2, y2, stroke=INK, width=1):
    return {"kind": "line", "x1": _fmt(x1), "y1": _fmt(y1), "x2": _fmt(x2), "y2": _fmt(y2),
            "stroke": stroke, "width": width}


def _chart(key, title, description, shapes, *, width=640, height=320, legend=()):
    return {"id": f"chart-{key}", "title": title, "description": description,
            "width": width, "height": height, "shapes": shapes, "legend": list(legend),
            "font": FONT}


def _value_axis(shapes, top, bottom, left, right, maximum, money=False):
    for step in range(5):
        value = maximum * step / 4
        y = bottom - (bottom - top) * step / 4
        shapes.append(_line(left, y, right, y, stroke=GRID))
        shapes.append(_text(left - 8, y + 5, _number(value, money), anchor="end", size=13))


def grouped_bars(key, title, description, categories, series, *, money=False):
    """Vertical bars, one group per category, one bar per series."""
    width, height = 640, 320
    left, right, top, bottom = 90, width - 10, 20, height - 50
    highest = max((v or 0) for s in series for v in s["values"]) if series else 0
    maximum = _nice_max(highest) if money else _whole_max(highest)
    shapes = []
    _value_axis(shapes, top, bottom, left, right, maximum, money)
    slot = (right - left) / max(len(categories), 1)
    bar = min(48, slot * 0.8 / max(len(series), 1))
    for i, category in enumerate(categories):
        start = left + slot * i + (slot - bar * len(series)) / 2
        for j, s in enumerate(series):
            value = float(s["values"][i] or 0)
            h = (bottom - top) * value / maximum
            x = start + bar * j
            shapes.append(_rect(x, bottom - h, bar - 2, h, s["colour"]))
            shapes.append(_text(x + (bar - 2) / 2, bottom - h - 4, _number(value, money),
                                anchor="middle", size=12))
        shapes.append(_text(left + slot * (i + 0.5), bottom + 20, category, anchor="middle",
                            size=13))
    shapes.append(_line(left, bottom, right, bottom))
    return _chart(key, title, description, shapes, width=width, height=height,
                  legend=[(s["name"], s["colour"]) for s in series])


def stacked_shares(key, title, description, rows, parts):
    """One horizontal 100% bar per row; `rows` = [(label, {part: share or None})]."""
    width = 640
    left, right, top, row_height = 130, width - 10, 10, 44
    height = top + row_height * len(rows) + 10
    shapes = []
    for i, (label, shares) in enumerate(rows):
        y = top + row_height * i
        shapes.append(_text(left - 8, y + 24, label, anchor="end", size=13))
        x = left
        if not any(shares.values()):
            shapes.append(_text(left, y + 24, "No spend", size=13))
            continue
        for part, colour in parts:
            share = float(shares.get(part) or 0)
            w = (right - left) * share / 100
            shapes.append(_rect(x, y + 6, w, 28, colour))
            if w >= 44:
                shapes.append(_text(x + w / 2, y + 25, f"{share:.0f}%", anchor="middle",
                                    size=13, weight="bold", fill="#ffffff"))
            x += w
    return _chart(key, title, description, shapes, width=width, height=height,
                  legend=[(insight.ROUTES.get(part, part), colour) for part, colour in parts])


def horizontal_bars(key, title, description, rows, *, maximum=None, suffix="", colour=BLUE):
    """One horizontal bar per row; `rows` = [(label, value)]."""
    width = 640
    left, right, top, row_height = 230, width - 70, 10, 34
    height = top + row_height * max(len(rows), 1) + 10
    top_value = maximum or _whole_max(max((float(v or 0) for _l, v in rows), default=0))
    shapes = []
    for i, (label, value) in enumerate(rows):
        y = top + row_height * i
        w = (right - left) * float(value or 0) / top_value
        shapes.append(_text(left - 8, y + 21, label, anchor="end", size=13))
        shapes.append(_rect(left, y + 6, w, 22, colour))
        shown = "–" if value is None else f"{_number(value)}{suffix}"
        shapes.append(_text(left + w + 6, y + 21, shown, size=13))
    return _chart(key, title, description, shapes, width=width, height=height)


def box_plot(key, title, description, categories, spreads):
    """Per category: whiskers minimum–maximum, box between the quartiles, median line, and
    the average as a circle."""
    width, height = 640, 320
    left, right, top, bottom = 90, width - 10, 20, height - 50
    values = [float(v) for s in spreads for v in (s.maximum,) if v is not None]
    maximum = _nice_max(max(values, default=0))
    shapes = []
    _value_axis(shapes, top, bottom, left, right, maximum, money=True)
    slot = (right - left) / max(len(categories), 1)

    def y_of(value):
        return bottom - (bottom - top) * float(value) / maximum

    for i, (category, spread) in enumerate(zip(categories, spreads, strict=True)):
        middle = left + slot * (i + 0.5)
        shapes.append(_text(middle, bottom + 20, category, anchor="middle", size=13))
        if not spread.placements:
            shapes.append(_text(middle, bottom - 10, "No placements", anchor="middle", size=12))
            continue
        shapes.append(_line(middle, y_of(spread.minimum), middle, y_of(spread.maximum),
                            stroke=DARK_BLUE, width=2))
        for end in (spread.minimum, spread.maximum):
            shapes.append(_line(middle - 12, y_of(end), middle + 12, y_of(end),
                                stroke=DARK_BLUE, width=2))
        box_top, box_bottom = y_of(spread.upper_quartile), y_of(spread.lower_quartile)
        shapes.append(_rect(middle - 28, box_top, 56, max(box_bottom - box_top, 2), BLUE))
        shapes.append(_line(middle - 28, y_of(spread.median), middle + 28, y_of(spread.median),
                            stroke="#ffffff", width=3))
        shapes.append({"kind": "circle", "cx": _fmt(middle + 44), "cy": _fmt(y_of(spread.average)),
                       "r": "6", "fill": PURPLE})
    return _chart(key, title, description, shapes, width=width, height=height,
                  legend=[("Quartiles (box), median (white line), lowest to highest", BLUE),
                          ("Average", PURPLE)])


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
            [(route, ROUTE_COLOURS[route]) for route in insight.ROUTES]),
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
    return render(request, "reports/insight/market.html", context,
                  status=400 if problems else 200)
