"""Demand ahead (issue 18, ADR 0022): placements started per month on a lot, for one authority
or all, and the next twelve months forecast with an 80 % interval.

- History: calendar months from the first month with a placement started (at most
  `HISTORY_MONTHS` back) to the last whole month before `today`; months with none are 0. One
  query, grouped by month in the database.
- Forecast, by the length of the history (`forecast`):
  * 24 months or more (two whole seasons): statsmodels' ETS(A,N,A) — additive errors, a level
    and an additive month-of-year pattern — fitted by maximum likelihood on the last
    `FIT_MONTHS`, with its prediction interval;
  * 3 to 23 months: ETS(A,N,N), simple exponential smoothing (a level, no seasons: one season
    is too little to tell a pattern from noise), with its interval;
  * fewer, or a history that never varies: the monthly mean, with the interval of a Poisson
    count of that mean.
  Numbers are counts: clipped at 0, one decimal place.
- Fitting takes about a second on this machine, so a forecast is cached (Django's cache) under
  a digest of the history it came from: a new placement changes the history and so the key.
"""

import datetime
import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, F, Q
from django.db.models.functions import Lower, Trim, TruncMonth

from contracts.models import Placement
from dps.api.throttling import MISCONFIGURED, UNREACHABLE
from providers.models import Membership

HISTORY_MONTHS = 120
FIT_MONTHS = 72
SEASONAL_MONTHS = 24  # two whole years before a month-of-year pattern is fitted
LEVEL_MONTHS = 3
HORIZON = 12
INTERVAL = 80  # per cent
CACHE_SECONDS = 24 * 3600
CACHE_VERSION = 1

SEASONAL, LEVEL, MEAN = "ets_seasonal", "ets_level", "mean"
METHODS = {SEASONAL: "ETS(A,N,A): level and month-of-year pattern (statsmodels)",
           LEVEL: "ETS(A,N,N): simple exponential smoothing (statsmodels)",
           MEAN: "Monthly average with a Poisson interval"}


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")


class _Named:
    @property
    def name(self):
        """The month as people read it: "March 2026"."""
        year, month = self.month.split("-")
        return f"{MONTH_NAMES[int(month) - 1]} {year}"


@dataclass
class Month(_Named):
    month: str  # YYYY-MM
    started: int


@dataclass
class ForecastMonth(_Named):
    month: str
    expected: float
    low: float
    high: float


@dataclass
class Demand:
    lot: object
    authority: object
    history: list = field(default_factory=list)
    forecast: list = field(default_factory=list)
    method: str = MEAN
    interval: int = INTERVAL

    @property
    def method_label(self):
        return METHODS[self.method]


# --- Months ---------------------------------------------------------------------------------

def month_start(day):
    return day.replace(day=1)


def add_months(day, count):
    index = day.year * 12 + day.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def label(day):
    return f"{day.year:04d}-{day.month:02d}"


# --- History --------------------------------------------------------------------------------

def placements(lot, authority):
    queryset = Placement.objects.filter(lot=lot)
    if authority is not None:
        queryset = queryset.filter(authority=authority)
    return queryset


def monthly_history(lot, authority, today):
    """[Month] from the first month with a placement started (at most HISTORY_MONTHS back)
    to the month before today's, gaps as 0."""
    last = add_months(month_start(today), -1)
    first = add_months(last, -(HISTORY_MONTHS - 1))
    rows = (placements(lot, authority)
            .filter(start_date__gte=first, start_date__lt=month_start(today))
            .annotate(month=TruncMonth("start_date")).values("month")
            .annotate(n=Count("pk")).order_by("month"))
    counts = {}
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime.datetime) else month
        counts[month] = row["n"]
    if not counts:
        return []
    day, months = min(counts), []
    while day <= last:
        months.append(Month(label(day), counts.get(day, 0)))
        day = add_months(day, 1)
    return months


# --- Forecast -------------------------------------------------------------------------------

def _poisson_interval(mean):
    from scipy.stats import poisson

    tail = (1 - INTERVAL / 100) / 2
    if mean <= 0:
        return 0.0, 0.0
    return float(poisson.ppf(tail, mean)), float(poisson.ppf(1 - tail, mean))


def _mean_forecast(values, months):
    mean = sum(values) / len(values) if values else 0.0
    low, high = _poisson_interval(mean)
    return MEAN, [(mean, low, high)] * months


def _ets_forecast(values, months, seasonal):
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # statsmodels wants a dated index to label its predictions; the dates do not matter here.
    series = pd.Series([float(v) for v in values],
                       index=pd.period_range("2000-01", periods=len(values), freq="M"))
    options = {"seasonal": "add", "seasonal_periods": 12} if seasonal else {}
    with warnings.catch_warnings():
        # Convergence chatter on short or flat series: the result is checked below instead.
        warnings.simplefilter("ignore")
        fitted = ETSModel(series, error="add", trend=None, **options).fit(disp=False)
        frame = fitted.get_prediction(start=len(values), end=len(values) + months - 1) \
            .summary_frame(alpha=1 - INTERVAL / 100)
    rows = list(zip(frame["mean"], frame["pi_lower"], frame["pi_upper"], strict=True))
    if not all(math.isfinite(float(x)) for row in rows for x in row):
        raise ValueError("the model gave no finite forecast")
    return (SEASONAL if seasonal else LEVEL), rows


def forecast(values, months=HORIZON):
    """(method, [(expected, low, high)] × months) for a monthly count series, by the rules in
    the module's docstring; 0 ≤ low ≤ expected ≤ high, one decimal place."""
    values = list(values)[-FIT_MONTHS:]
    method, rows = MEAN, None
    if len(values) >= LEVEL_MONTHS and len(set(values)) > 1:
        try:
            method, rows = _ets_forecast(values, months, len(values) >= SEASONAL_MONTHS)
        except (ValueError, ArithmeticError, IndexError):  # statsmodels could not fit it
            rows = None
    if rows is None:
        method, rows = _mean_forecast(values, months)
    out = []
    for expected, low, high in rows:
        expected = max(float(expected), 0.0)
        low = min(max(float(low), 0.0), expected)
        high = max(float(high), expected)
        out.append((round(expected, 1), round(low, 1), round(high, 1)))
    return method, out


def cached_forecast(values, months=HORIZON):
    digest = hashlib.sha256(json.dumps([CACHE_VERSION, months, list(values)[-FIT_MONTHS:]])
                            .encode()).hexdigest()
    key = f"reports:demand:{digest}"
    try:
        found = cache.get(key)
    except MISCONFIGURED:
        raise
    except UNREACHABLE:  # Redis down: fit every time rather than fail (operations.md)
        found = None
    if found is None:
        method, rows = forecast(values, months)
        found = {"method": method, "rows": rows}
        try:
            cache.set(key, found, CACHE_SECONDS)
        except MISCONFIGURED:
            raise
        except UNREACHABLE:
            pass
    return found["method"], [tuple(row) for row in found["rows"]]


def demand(*, lot, authority=None, today):
    """The lot's monthly history for the authority (None: all) and the next HORIZON months."""
    history = monthly_history(lot, authority, today)
    method, rows = cached_forecast([m.started for m in history])
    start = month_start(today)
    months = [ForecastMonth(label(add_months(start, i)), *row) for i, row in enumerate(rows)]
    return Demand(lot=lot, authority=authority, history=history, forecast=months,
                  method=method)


# --- The page's other figures ---------------------------------------------------------------

@dataclass
class Supply:
    live: int = 0
    in_area: int = 0
    out_of_area: int = 0
    in_area_share: float | None = None
    providers_used: int = 0
    providers_admitted: int = 0
    vacancies: int | None = None  # None: not recorded (no vacancies app)
    vacancy_places: int | None = None


def supply(*, lot, authority=None, today):
    """Live placements today, in and out of the authority's area (the provider's area is the
    buying authority's own, as the spend engine decides it), providers used and admitted, and
    vacancies posted now. Three queries."""
    provider_area = Lower(Trim("provider__area"))
    in_area = (Q(provider__isnull=False) & ~Q(provider__area="")
               & Q(area_key=F("authority_key")))
    row = (placements(lot, authority)
           .filter(start_date__lte=today)
           .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
           .annotate(area_key=provider_area, authority_key=Lower(Trim("authority__area")))
           .aggregate(live=Count("pk"), in_area=Count("pk", filter=in_area),
                      used=Count("provider", distinct=True),
                      unlisted=Count("provider_name", distinct=True,
                                     filter=Q(provider__isnull=True))))
    result = Supply(live=row["live"], in_area=row["in_area"],
                    out_of_area=row["live"] - row["in_area"],
                    providers_used=row["used"] + row["unlisted"])
    if row["live"]:
        result.in_area_share = round(100 * row["in_area"] / row["live"], 1)
    result.providers_admitted = Membership.objects.filter(
        lot=lot, status=Membership.Status.ADMITTED).count()
    result.vacancies, result.vacancy_places = vacancies_now(lot, today)
    return result


def vacancies_now(lot, today):
    """(vacancies, places) live on the lot now, or (None, None) when vacancies are not
    recorded: read through the sufficiency app's selector when it is installed (issue 18's
    vacancies), so this module works with or without it."""
    from django.apps import apps

    if not apps.is_installed("sufficiency"):
        return None, None
    try:
        from sufficiency import selectors
    except ImportError:
        return None, None
    from django.db.models import Sum

    row = selectors.live(today).filter(lot=lot).aggregate(n=Count("pk"), places=Sum("places"))
    return row["n"], row["places"] or 0
