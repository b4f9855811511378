"""The market insight's building blocks (split from reports/insight.py, which computes the
figures): the aggregates it runs in the database, its years, and the results it returns."""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import (
    Aggregate,
    FloatField,
    Func,
    IntegerField,
)

from dps.models import Organisation

ONE_PLACE = Decimal("0.1")


# --- Database helpers -----------------------------------------------------------------------

class Percentile(Aggregate):
    """PostgreSQL's percentile_cont: the fraction-th value by linear interpolation."""

    function = "PERCENTILE_CONT"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class DaysInclusive(Func):
    """Days from start to end, both counted (a placement ending the day it starts: 1)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        end, start = (compiler.compile(e) for e in self.get_source_expressions())
        params = [*end[1], *start[1]]
        if connection.vendor == "postgresql":
            return f"(({end[0]}) - ({start[0]}) + 1)", params
        return f"(CAST(julianday({end[0]}) - julianday({start[0]}) AS INTEGER) + 1)", params


def _in_db():
    """Quartiles in the database where it can (PostgreSQL); otherwise from one query's rows."""
    return connection.vendor == "postgresql"


def quantile(values, fraction):
    """percentile_cont in Python: linear interpolation between the closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * Decimal(str(fraction))
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return Decimal(ordered[low]) + (Decimal(ordered[high]) - Decimal(ordered[low])) * (
        position - low)


def _decimal(value):
    """A database number as a Decimal. percentile_cont answers in floats: over whole numbers
    (pennies, days) its interpolations are quarters and halves, which floats hold exactly."""
    if value is None:
        return None
    return Decimal(value)


def _percent(part, whole):
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


# --- Years ----------------------------------------------------------------------------------

def _years_before(day, count):
    try:
        return day.replace(year=day.year - count)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - count, day=28)


@dataclass(frozen=True)
class Year:
    index: int
    start: datetime.date
    end: datetime.date

    @property
    def label(self):
        return f"{_day(self.start)} to {_day(self.end)}"

    @property
    def short_label(self):
        return f"to {self.end.day} {self.end:%b %Y}"


def _day(value):
    return f"{value.day} {value:%B %Y}"


def year_windows(to, years):
    """The `years` twelve-month periods ending on `to`, oldest first."""
    windows = []
    for back in range(years, 0, -1):
        start = _years_before(to, back) + datetime.timedelta(days=1)
        end = _years_before(to, back - 1)
        windows.append(Year(index=years - back, start=start, end=end))
    return windows


# --- Results --------------------------------------------------------------------------------

@dataclass
class PriceSpread:
    placements: int = 0
    average: Decimal | None = None
    minimum: Decimal | None = None
    lower_quartile: Decimal | None = None
    median: Decimal | None = None
    upper_quartile: Decimal | None = None
    maximum: Decimal | None = None


@dataclass
class RouteShare:
    route: str
    label: str
    amount: Decimal
    share: Decimal | None


@dataclass
class ReasonCount:
    reason: str
    label: str
    count: int


@dataclass
class AuthorityRow:
    authority: int
    name: str
    placements_started: int = 0
    placements_live: int = 0
    spend: Decimal = Decimal("0.00")


@dataclass
class YearFigures:
    year: Year
    placements_started: int = 0
    placements_live: int = 0
    providers_used: int = 0
    providers_admitted: int = 0
    spend_total: Decimal = Decimal("0.00")
    top_providers_spend: Decimal = Decimal("0.00")
    top_providers_share: Decimal | None = None
    providers_paid: int = 0
    routes: list = field(default_factory=list)
    in_area_spend: Decimal = Decimal("0.00")
    out_of_area_spend: Decimal = Decimal("0.00")
    in_area_share: Decimal | None = None
    weekly_price: PriceSpread = field(default_factory=PriceSpread)
    sector_weekly_price: PriceSpread = field(default_factory=PriceSpread)
    placements_ended: int = 0
    turnover_rate: Decimal | None = None
    median_length_days: Decimal | None = None
    endings: list = field(default_factory=list)
    authorities: list | None = None

    @property
    def label(self):
        return self.year.label

    @property
    def date_from(self):
        return self.year.start

    @property
    def date_to(self):
        return self.year.end


@dataclass
class MarketInsight:
    lot: object
    authority: Organisation | None
    date_from: datetime.date
    date_to: datetime.date
    forum: bool
    years: list
    show_authorities: bool = False

    @property
    def latest(self):
        return self.years[-1]
