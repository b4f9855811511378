"""Spend: what placements, support items and block contracts cost over a date range.

One engine (ADR 0011). Every figure is a sum of *atomic pieces*, each rounded half-up to the
penny once: a fee period, a support item or a block, cut to the range and to one calendar month.
The pieces are finer than every grouping (lot, provider, authority, month, route, location are
all constant within a piece), so the rows of any grouping add up to the ungrouped total exactly.

The aggregation runs in the database as one SQL statement, in integer pennies, so PostgreSQL
and SQLite give the same answer to the penny: a piece of ``days`` days at ``n / d`` pennies a day
is ``(2 * days * n + d) // (2 * d)`` (half-up). A week price accrues ``price / 7`` a day, an hour
price ``price × hours_per_week / 7`` and a year price ``price / 365``.

Outside a month grouping the months are not listed row by row: the whole months inside a piece
are counted by length (28, 29, 30, 31 days) from a small calendar table and the rounded amount of
a month of each length multiplied out, which gives the same pennies as adding the months.

Only approved purchases count (`APPROVED`, the one filter every figure passes through): a spot
placement or a block awaiting a budget holder's approval is not spend until approved, whatever
its dates (contracts.approvals); DPS placements are approved with their award. So the finance
reports, commitments, the payments list and the market insight agree.

`aggregate(windows=[...])` answers several ranges (the market insight's years) in the same
statement: the pieces, cut to the whole span, are cut again to each window they touch, so each
window's pennies are those of the engine run for that window alone (tests/reports/
test_insight_spend_windows.py). `voids=False` skips the void bed-days statement.
"""

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from contracts.models import Placement
from reports.spend_sql import (
    _amount_sql,
    _Dialect,
    _dimension_columns,
    _run,
    _voids_sql,
)

GROUPINGS = ("lot", "provider", "authority", "month", "route", "location")
FILTERS = ("lot", "provider", "authority", "route", "location")
LOCATIONS = {"in_area": "In area", "out_of_area": "Out of area"}
ROUTE_ORDER = [value for value, _label in Placement.Route.choices]
ROUTES = dict(Placement.Route.choices)
PENNY = Decimal("0.01")


@dataclass
class SpendRow:
    key: object
    label: str
    amount: Decimal
    voids: Decimal = Decimal("0.00")
    void_bed_days: int = 0


@dataclass
class SpendReport:
    date_from: dt.date
    date_to: dt.date
    group_by: str | None
    rows: list[SpendRow]
    total: Decimal
    voids: Decimal = Decimal("0.00")
    void_bed_days: int = 0
    filters: dict = field(default_factory=dict)


def _normalise_filters(filters, authority):
    """Filter values as the database holds them: ids, route and location codes."""
    from providers.models import Lot

    out = {}
    for name, value in (filters or {}).items():
        if value in (None, ""):
            continue
        if name not in FILTERS:
            raise ValueError(f"Unknown filter {name!r}.")
        if name == "lot":
            if isinstance(value, Lot):
                value = value.pk
            elif isinstance(value, str) and not value.isdigit():
                lot = Lot.objects.filter(code=value).order_by("id").first()
                value = lot.pk if lot else -1
            value = int(value)
        elif name in ("provider", "authority"):
            value = int(getattr(value, "pk", value))
        else:
            value = str(value)
        out[name] = value
    if authority is not None:
        # The caller's own authority: a filter for another one matches nothing.
        pk = authority.pk if hasattr(authority, "pk") else int(authority)
        if "authority" in out and out["authority"] != pk:
            out["authority"] = -1
        else:
            out["authority"] = pk
    return out


def _money(pennies):
    return (Decimal(int(pennies or 0)) / 100).quantize(PENNY)


_ASK = object()


def aggregate(*, date_from=None, date_to=None, dims=(), authority=None, filters=None,
              windows=None, voids=True, live=False, state=_ASK):
    """Pennies per combination of `dims`: {key tuple: (amount, void_bed_days, void_pennies)}.

    The building block of every finance report: `spend` takes one dimension; the payments list
    takes provider and month.

    `windows`: a list of (first day, last day) ranges (by default `date_from`..`date_to` is
    their span). Every key then starts with the index of its window, and each window's figures
    are, to the penny, those of a call for that window's range alone (its pieces are cut to the
    window, then to months, and rounded once each), in the same one or two statements whatever
    the number of windows. `voids=False` leaves out the void bed-days and their cost (both 0),
    and the statement that computes them. `state`: the summary's state row (or None) when the
    caller has just read it (`summary.state()`), to save asking again.
    """
    if windows is not None:
        windows = [tuple(window) for window in windows]
        if not windows:
            raise ValueError("No windows.")
        for start, end in windows:
            if end < start:
                raise ValueError("A window ends before it starts.")
        date_from = date_from or min(start for start, _end in windows)
        date_to = date_to or max(end for _start, end in windows)
        if any(start < date_from or end > date_to for start, end in windows):
            raise ValueError("A window lies outside the range.")
    if date_from is None or date_to is None:
        raise ValueError("A range (date_from and date_to) or windows are needed.")
    if date_to < date_from:
        raise ValueError("The range ends before it starts.")
    for dim in dims:
        if dim not in (*GROUPINGS, "source"):
            raise ValueError(f"Unknown grouping {dim!r}.")
    filters = _normalise_filters(filters, authority)
    from reports import summary

    if live or summary._LIVE:
        return _live(date_from, date_to, dims, filters, windows, voids)

    # One small query, unless the caller asked: is the summary built (ADR 0023)?
    current = summary.state() if state is _ASK else state
    if current is not None:  # whole months from the maintained summary, edges re-rounded
        return summary.aggregate(current, windows=windows or [(date_from, date_to)],
                                 dims=dims, filters=filters, voids=voids,
                                 windowed=windows is not None)
    return _live(date_from, date_to, dims, filters, windows, voids)


def aggregate_sets(*, windows, dim_sets, authority=None, filters=None, voids=True,
                   state=_ASK):
    """[`aggregate(windows=windows, dims=dims, …)` for dims in dim_sets]: the same keys and
    pennies, in fewer reads: from the summary the edge months' piece-months are read and
    rounded once for every grouping (reports.summary_sets, ADR 0029); live, one statement per
    grouping."""
    from reports import summary, summary_sets

    current = None if summary._LIVE else (summary.state() if state is _ASK else state)
    if current is None:
        return [aggregate(windows=windows, dims=dims, authority=authority, filters=filters,
                          voids=voids, state=None) for dims in dim_sets]
    windows = [tuple(window) for window in windows]
    if not windows or any(end < start for start, end in windows):
        raise ValueError("No windows, or a window ends before it starts.")
    for dims in dim_sets:
        for dim in dims:
            if dim not in (*GROUPINGS, "source"):
                raise ValueError(f"Unknown grouping {dim!r}.")
    return summary_sets.aggregate_sets(
        current, windows=windows, dim_sets=[tuple(dims) for dims in dim_sets],
        filters=_normalise_filters(filters, authority), voids=voids, windowed=True)


def _live(date_from, date_to, dims, filters, windows, voids, sources=None):
    """The engine itself: `aggregate`'s figures computed from the fee periods, support items
    and blocks (filters already normalised), of the `sources` only when given."""
    sql = _Dialect(connection.vendor)
    width = len(_dimension_columns(dims, windows))
    out = {}
    for row in _run(*_amount_sql(sql, date_from, date_to, dims, filters, windows, sources)):
        if row[width] is None:  # no pieces at all (an aggregate without GROUP BY)
            continue
        out[tuple(row[:width])] = [int(row[width]), 0, 0]
    if voids and filters.get("route", "block") == "block":
        for row in _run(*_voids_sql(sql, date_from, date_to, dims, filters, windows, sources)):
            if row[width] is None:
                continue
            entry = out.setdefault(tuple(row[:width]), [0, 0, 0])
            entry[1] += int(row[width] or 0)
            entry[2] += int(row[width + 1] or 0)
    return out


def _month_label(idx):
    year, month = divmod(int(idx), 12)
    return f"{year}-{month + 1:02d}", f"{calendar.month_name[month + 1]} {year}"


def label_rows(group_by, keys):
    """(key, label, sort key) for each raw dimension key tuple of one grouping."""
    from dps.models import Organisation
    from providers.models import Lot

    if group_by in ("lot",):
        lots = {lot.pk: lot for lot in Lot.objects.filter(pk__in=[k[0] for k in keys])}
        return {k: (lots[k[0]].code, lots[k[0]].name, (lots[k[0]].position, lots[k[0]].code))
                for k in keys}
    if group_by in ("provider", "authority"):
        names = dict(Organisation.objects.filter(pk__in=[k[0] for k in keys if k[0]])
                     .values_list("pk", "name"))
        out = {}
        for k in keys:
            if k[0] is None:  # a spot provider not listed as an organisation
                out[k] = (None, k[1] or "Unlisted provider", ((k[1] or "").lower(), 1))
            else:
                out[k] = (k[0], names.get(k[0], str(k[0])), (names.get(k[0], "").lower(), 0))
        return out
    if group_by == "month":
        return {k: (*_month_label(k[0]), k[0]) for k in keys}
    if group_by == "route":
        return {k: (k[0], ROUTES.get(k[0], k[0]), ROUTE_ORDER.index(k[0])
                    if k[0] in ROUTE_ORDER else 99) for k in keys}
    if group_by == "location":
        order = list(LOCATIONS)
        return {k: (k[0], LOCATIONS.get(k[0], k[0]), order.index(k[0])) for k in keys}
    return {k: ("total", "All spend", 0) for k in keys}


def spend(*, date_from, date_to, group_by=None, authority=None, filters=None,
          live=False) -> SpendReport:
    """Spend from `date_from` to `date_to` inclusive, in rows of `group_by` (or one row).

    `authority` restricts to one buying authority (None: all); `filters` may hold lot (id, code
    or Lot), provider, authority (ids), route and location (codes). `live` computes every
    month from the fee periods even when the summary is built (benchmarks, checks).
    """
    if group_by not in (None, *GROUPINGS):
        raise ValueError(f"Unknown grouping {group_by!r}.")
    dims = (group_by,) if group_by else ()
    data = aggregate(date_from=date_from, date_to=date_to, dims=dims, authority=authority,
                     filters=filters, live=live)
    labels = label_rows(group_by, list(data))
    ordered = sorted(data, key=lambda k: labels[k][2])
    rows = [SpendRow(key=labels[k][0], label=labels[k][1], amount=_money(data[k][0]),
                     voids=_money(data[k][2]), void_bed_days=data[k][1]) for k in ordered]
    total_pennies = sum(v[0] for v in data.values())
    return SpendReport(
        date_from=date_from, date_to=date_to, group_by=group_by, rows=rows,
        total=_money(total_pennies), voids=_money(sum(v[2] for v in data.values())),
        void_bed_days=sum(v[1] for v in data.values()),
        filters=_normalise_filters(filters, authority))


def financial_year_end(day):
    """31 March ending the financial year (April–March) that `day` falls in."""
    return dt.date(day.year + (1 if day.month >= 4 else 0), 3, 31)


MAX_YEARS = 20


def authority_scope(user):
    """The authority whose figures `user` may see: None for a DPS administrator (every one).

    Finance users see their own authority's; anyone else is refused.
    """
    from dps.errors import Forbidden
    from dps.models import Role

    if user.has_role(Role.DPS_ADMIN):
        return None
    if user.has_role(Role.FINANCE) and user.organisation_id and user.organisation.is_authority:
        return user.organisation
    raise Forbidden("Spend reports are for finance officers and the DPS administrator.")


def range_problems(date_from, date_to):
    """{field: [message]} when the range is back to front or longer than MAX_YEARS."""
    if date_from and date_to:
        if date_to < date_from:
            return {"to": ["Must be on or after the start of the range."]}
        if date_to > _add_years(date_from, MAX_YEARS):
            return {"to": [f"The range can be at most {MAX_YEARS} years."]}
    return {}


def _add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
