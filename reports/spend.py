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

from contracts.models import Approval, Placement
from dps.replica import report_connection

GROUPINGS = ("lot", "provider", "authority", "month", "route", "location")
FILTERS = ("lot", "provider", "authority", "route", "location")
LOCATIONS = {"in_area": "In area", "out_of_area": "Out of area"}
ROUTE_ORDER = [value for value, _label in Placement.Route.choices]
ROUTES = dict(Placement.Route.choices)
PENNY = Decimal("0.01")
# The approval a placement or block needs before it counts (a literal: never user text).
APPROVED = f"'{Approval.APPROVED.value}'"


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


# --- Dialect helpers: the only place PostgreSQL and SQLite differ -----------------------------

class _Dialect:
    def __init__(self, vendor):
        self.pg = vendor == "postgresql"

    def date(self, value):
        """A date literal (values come from date objects, never from user text)."""
        text = value.isoformat()
        return f"DATE '{text}'" if self.pg else f"'{text}'"

    def greatest(self, *args):
        return f"GREATEST({', '.join(args)})" if self.pg else f"MAX({', '.join(args)})"

    def least(self, *args):
        return f"LEAST({', '.join(args)})" if self.pg else f"MIN({', '.join(args)})"

    def days_between(self, later, earlier):
        """Whole days from `earlier` to `later` (0 when equal)."""
        if self.pg:
            return f"(({later}) - ({earlier}))"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def month_index(self, d):
        """year × 12 + month − 1: consecutive integers for consecutive months."""
        if self.pg:  # date_part (double) is cheaper than EXTRACT (numeric) over millions
            return (f"(CAST(date_part('year', {d}) AS integer) * 12 "
                    f"+ CAST(date_part('month', {d}) AS integer) - 1)")
        return (f"(CAST(substr({d}, 1, 4) AS INTEGER) * 12 "
                f"+ CAST(substr({d}, 6, 2) AS INTEGER) - 1)")

    def pennies(self, expr):
        return f"CAST(ROUND(({expr}) * 100) AS {'bigint' if self.pg else 'INTEGER'})"

    def expand_months(self, months, s, e):
        """Join each row to the calendar months m (of the table `months`) that s..e touches."""
        if self.pg:
            return (f"CROSS JOIN LATERAL generate_series({self.month_index(s)}, "
                    f"{self.month_index(e)}) AS g(idx) JOIN {months} m ON m.idx = g.idx")
        return (f"JOIN {months} m ON m.idx BETWEEN {self.month_index(s)} "
                f"AND {self.month_index(e)}")


def _month_idx(d):
    return d.year * 12 + d.month - 1


def _months_table(sql, date_from, date_to):
    """The calendar months of the range, with counts of earlier months of each length.

    An inline VALUES table rather than a CTE: PostgreSQL will not run a CTE scan in parallel
    workers, and joined inline the whole aggregation runs in parallel.
    """
    rows = []
    before = {28: 0, 29: 0, 30: 0, 31: 0}
    year, month = date_from.year, date_from.month
    while (year, month) <= (date_to.year, date_to.month):
        days = calendar.monthrange(year, month)[1]
        first = dt.date(year, month, 1)
        last = dt.date(year, month, days)
        rows.append(f"({year * 12 + month - 1}, {sql.date(first)}, {sql.date(last)}, {days}, "
                    f"{before[28]}, {before[29]}, {before[30]}, {before[31]})")
        before[days] += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    names = ["idx", "first_day", "last_day", "days", "b28", "b29", "b30", "b31"]
    columns = ", ".join(f"column{i} AS {name}" for i, name in enumerate(names, start=1))
    return f"(SELECT {columns} FROM (VALUES {', '.join(rows)}) AS v)"


def _days_in_month(sql, s, e):
    """Days of s..e inside the month m."""
    later = sql.least(e, "m.last_day")
    earlier = sql.greatest(s, "m.first_day")
    return f"{sql.days_between(later, earlier)} + 1"


def _rounded(days, n="x.n", d="x.d"):
    """Pennies for `days` days at n/d pennies a day, rounded half-up once."""
    return f"((2 * ({days}) * {n} + {d}) / (2 * {d}))"


# Per-day rate as n / d pennies, from a price, a unit and hours per week.
def _rate(sql, price, unit, hours, beds="1"):
    p = sql.pennies(price)
    h = sql.pennies(f"COALESCE({hours}, 0)")
    n = (f"(CASE WHEN {unit} = 'hour' THEN {p} * {h} ELSE {p} END) * {beds}")
    d = f"(CASE {unit} WHEN 'hour' THEN 700 WHEN 'year' THEN 365 ELSE 7 END)"
    return n, d


def _location(provider_alias, authority_alias):
    return (f"(CASE WHEN {provider_alias}.id IS NOT NULL AND {provider_alias}.area <> '' "
            f"AND LOWER(TRIM({provider_alias}.area)) = LOWER(TRIM({authority_alias}.area)) "
            f"THEN 'in_area' ELSE 'out_of_area' END)")


def _filter_sql(filters, *, authority_col, provider_col, lot_col, route_col, location_expr,
                params):
    clauses = []
    if "authority" in filters:
        clauses.append(f"{authority_col} = %s")
        params.append(filters["authority"])
    if "provider" in filters:
        clauses.append(f"{provider_col} = %s")
        params.append(filters["provider"])
    if "lot" in filters:
        clauses.append(f"{lot_col} = %s")
        params.append(filters["lot"])
    if "route" in filters:
        clauses.append(f"{route_col} = %s")
        params.append(filters["route"])
    if "location" in filters:
        clauses.append(f"{location_expr} = %s")
        params.append(filters["location"])
    return "".join(f" AND {c}" for c in clauses)


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


def _only(sources, kind, column):
    """Restrict to some placements or blocks (the summary's rebuilds and edges): a list of
    integer ids, or a subquery of our own (never user text) selecting them."""
    if sources is None:
        return ""
    if isinstance(sources.get(kind), str):
        return f" AND {column} IN ({sources[kind]})"
    ids = sorted({int(pk) for pk in sources.get(kind, ())})
    return f" AND {column} IN ({', '.join(map(str, ids))})" if ids else " AND 1 = 0"


def _pieces_sql(sql, date_from, date_to, filters, params, sources=None):
    """The un-split pieces: one row per fee period, support item or block cut to the range.

    Columns: source ('placement' or 'block'), source_id, authority_id, provider_id,
    provider_name, lot_id, route, location, s, e, n, d.
    """
    f, t = sql.date(date_from), sql.date(date_to)
    loc = _location("po", "a")
    placement_live = (f"p.approval = {APPROVED} AND p.start_date <= {t} "
                      f"AND (p.end_date IS NULL OR p.end_date >= {f})")
    placement_filters = dict(authority_col="p.authority_id", provider_col="p.provider_id",
                             lot_col="p.lot_id", route_col="p.route", location_expr=loc)
    fee_n, fee_d = _rate(sql, "fp.price", "fp.unit", "p.hours_per_week")
    fee = (
        f"SELECT 'placement' AS source, p.id AS source_id, "
        f"p.authority_id, p.provider_id, p.provider_name, p.lot_id, p.route, "
        f"{loc} AS location, "
        f"{sql.greatest('fp.effective_from', 'p.start_date', f)} AS s, "
        f"{sql.least(f'COALESCE(fp.effective_to, {t})', f'COALESCE(p.end_date, {t})', t)} AS e, "
        f"{fee_n} AS n, {fee_d} AS d "
        f"FROM contracts_feeperiod fp "
        f"JOIN contracts_placement p ON p.id = fp.placement_id "
        f"JOIN dps_organisation a ON a.id = p.authority_id "
        f"LEFT JOIN dps_organisation po ON po.id = p.provider_id "
        f"WHERE p.route <> 'block' AND {placement_live} "
        f"AND fp.effective_from <= {t} AND (fp.effective_to IS NULL OR fp.effective_to >= {f})"
        + _only(sources, "placement", "p.id")
        + _filter_sql(filters, params=params, **placement_filters)
    )
    sup_n, sup_d = _rate(sql, "si.weekly_cost", "'week'", "NULL")
    support = (
        f"SELECT 'placement' AS source, p.id AS source_id, "
        f"p.authority_id, p.provider_id, p.provider_name, p.lot_id, p.route, "
        f"{loc} AS location, "
        f"{sql.greatest('si.start_date', 'p.start_date', f)} AS s, "
        f"{sql.least('si.end_date', f'COALESCE(p.end_date, {t})', t)} AS e, "
        f"{sup_n} AS n, {sup_d} AS d "
        f"FROM contracts_supportitem si "
        f"JOIN contracts_placement p ON p.id = si.placement_id "
        f"JOIN dps_organisation a ON a.id = p.authority_id "
        f"LEFT JOIN dps_organisation po ON po.id = p.provider_id "
        f"WHERE {placement_live} AND si.start_date <= {t} AND si.end_date >= {f}"
        + _only(sources, "placement", "p.id")
        + _filter_sql(filters, params=params, **placement_filters)
    )
    blk_n, blk_d = _rate(sql, "b.price_per_bed", "b.unit", "b.hours_per_week", beds="b.beds")
    block = (
        f"SELECT 'block' AS source, b.id AS source_id, "
        f"b.authority_id, b.provider_id, po.name AS provider_name, b.lot_id, "
        f"'block' AS route, {loc} AS location, "
        f"{sql.greatest('b.start_date', f)} AS s, {sql.least('b.end_date', t)} AS e, "
        f"{blk_n} AS n, {blk_d} AS d "
        f"FROM contracts_blockcontract b "
        f"JOIN dps_organisation a ON a.id = b.authority_id "
        f"JOIN dps_organisation po ON po.id = b.provider_id "
        f"WHERE b.approval = {APPROVED} AND b.start_date <= {t} AND b.end_date >= {f}"
        + _only(sources, "block", "b.id")
        + _filter_sql(filters, params=params, authority_col="b.authority_id",
                      provider_col="b.provider_id", lot_col="b.lot_id", route_col="'block'",
                      location_expr=loc)
    )
    return f"{fee} UNION ALL {support} UNION ALL {block}"


def _dimension_columns(dims, windows=None):
    """SELECT/GROUP BY expressions over the piece alias x (and month alias m); with windows,
    the window's index first."""
    cols = ["x.win"] if windows else []
    for dim in dims:
        if dim == "lot":
            cols.append("x.lot_id")
        elif dim == "provider":
            cols.append("x.provider_id")
            cols.append("CASE WHEN x.provider_id IS NULL THEN x.provider_name END")
        elif dim == "authority":
            cols.append("x.authority_id")
        elif dim == "route":
            cols.append("x.route")
        elif dim == "location":
            cols.append("x.location")
        elif dim == "month":
            cols.append("m.idx")
        elif dim == "source":  # one row per placement or block, with what describes it
            cols.extend(["x.source", "x.source_id", "x.authority_id", "x.provider_id",
                         "x.provider_name", "x.lot_id", "x.route", "x.location"])
    return cols


PIECE_COLUMNS = ("source", "source_id", "authority_id", "provider_id", "provider_name",
                 "lot_id", "route", "location")


def _windows_table(sql, windows):
    """The windows as an inline table (idx, first_day, last_day)."""
    rows = ", ".join(f"({i}, {sql.date(start)}, {sql.date(end)})"
                     for i, (start, end) in enumerate(windows))
    return (f"(SELECT column1 AS idx, column2 AS first_day, column3 AS last_day "
            f"FROM (VALUES {rows}) AS v)")


def _windowed(sql, pieces, windows, columns=PIECE_COLUMNS, extra=("n", "d")):
    """Pieces (cut to the whole range) cut again to each window: one row per piece and window
    it touches, the window's index as `win`. Cutting GREATEST/LEAST twice is cutting once to the
    window, so each window's pieces are exactly those a call for that window alone makes."""
    s, e = sql.greatest("u.s", "w.first_day"), sql.least("u.e", "w.last_day")
    keep = ", ".join(f"u.{c}" for c in (*columns, *extra))
    return (f"SELECT w.idx AS win, {keep}, {s} AS s, {e} AS e FROM ({pieces}) u "
            f"JOIN {_windows_table(sql, windows)} w "
            f"ON u.s <= w.last_day AND u.e >= w.first_day")


def _amount_sql(sql, date_from, date_to, dims, filters, windows=None, sources=None):
    """(sql, params) returning dimension columns then the amount in pennies."""
    params = []
    pieces = _pieces_sql(sql, date_from, date_to, filters, params, sources)
    if windows:
        pieces = _windowed(sql, pieces, windows)
    months = _months_table(sql, date_from, date_to)
    cols = _dimension_columns(dims, windows)
    select = ", ".join(cols + [""]) if cols else ""
    group = f" GROUP BY {', '.join(cols)}" if cols else ""
    if "month" in dims:
        days = _days_in_month(sql, "x.s", "x.e")
        body = (f"SELECT {select}SUM({_rounded(days)}) FROM pieces x "
                f"{sql.expand_months(months, 'x.s', 'x.e')}{group}")
    else:
        first = f"{sql.days_between('ms.last_day', 'x.s')} + 1"
        last = f"{sql.days_between('x.e', 'me.first_day')} + 1"
        whole = " + ".join(
            f"(me.b{n} - ms.b{n} - (CASE WHEN ms.days = {n} THEN 1 ELSE 0 END)) * {_rounded(n)}"
            for n in (28, 29, 30, 31))
        one = f"{sql.days_between('x.e', 'x.s')} + 1"
        body = (f"SELECT {select}SUM(CASE WHEN ms.idx = me.idx THEN {_rounded(one)} "
                f"ELSE {_rounded(first)} + {_rounded(last)} + {whole} END) "
                f"FROM pieces x JOIN {months} ms ON ms.idx = {sql.month_index('x.s')} "
                f"JOIN {months} me ON me.idx = {sql.month_index('x.e')}{group}")
    text = f"WITH pieces AS (SELECT * FROM ({pieces}) u WHERE u.s <= u.e) {body}"
    return text, params


def _voids_sql(sql, date_from, date_to, dims, filters, windows=None, sources=None):
    """(sql, params): dimension columns, void bed-days and their cost in pennies.

    Per block and month: beds × days bought, less the days block placements occupied (never
    below nought); the cost of the void bed-days rounded once per block-month.
    """
    params = []
    f, t = sql.date(date_from), sql.date(date_to)
    loc = _location("po", "a")
    n, d = _rate(sql, "b.price_per_bed", "b.unit", "b.hours_per_week")
    blocks = (
        f"SELECT b.id, 'block' AS source, b.id AS source_id, "
        f"b.authority_id, b.provider_id, po.name AS provider_name, b.lot_id, "
        f"'block' AS route, {loc} AS location, b.beds, "
        f"{sql.greatest('b.start_date', f)} AS s, {sql.least('b.end_date', t)} AS e, "
        f"{n} AS n, {d} AS d "
        f"FROM contracts_blockcontract b "
        f"JOIN dps_organisation a ON a.id = b.authority_id "
        f"JOIN dps_organisation po ON po.id = b.provider_id "
        f"WHERE b.approval = {APPROVED} AND b.start_date <= {t} AND b.end_date >= {f}"
        + _only(sources, "block", "b.id")
        + _filter_sql(filters, params=params, authority_col="b.authority_id",
                      provider_col="b.provider_id", lot_col="b.lot_id", route_col="'block'",
                      location_expr=loc)
    )
    if windows:
        blocks = _windowed(sql, blocks, windows, columns=("id", *PIECE_COLUMNS),
                           extra=("beds", "n", "d"))
    win = "x.win, " if windows else ""

    def same(alias):
        return f" AND {alias}.win = x.win" if windows else ""

    bought_days = _days_in_month(sql, "x.s", "x.e")
    occ_s = sql.greatest("p.start_date", "x.s")
    occ_e = sql.least(f"COALESCE(p.end_date, {t})", "x.e")
    occ_days = _days_in_month(sql, occ_s, occ_e)
    cols = _dimension_columns(dims, windows)
    select = ", ".join(cols + [""]) if cols else ""
    group = f" GROUP BY {', '.join(cols)}" if cols else ""
    void_days = sql.greatest("x.beds * bm.days - COALESCE(o.days, 0)", "0")
    months = _months_table(sql, date_from, date_to)
    text = (
        f"WITH months AS {months}, "
        f"blk AS (SELECT * FROM ({blocks}) u WHERE u.s <= u.e), "
        f"bm AS (SELECT x.id, {win}m.idx, {bought_days} AS days FROM blk x "
        f"{sql.expand_months('months', 'x.s', 'x.e')}), "
        f"occ AS (SELECT p.block_id, {win}m.idx, SUM({occ_days}) AS days "
        f"FROM contracts_placement p JOIN blk x ON x.id = p.block_id "
        f"{sql.expand_months('months', occ_s, occ_e)} "
        f"WHERE p.route = 'block' AND {occ_s} <= {occ_e} GROUP BY p.block_id, {win}m.idx) "
        f"SELECT {select}SUM({void_days}), SUM({_rounded(void_days)}) "
        f"FROM blk x JOIN bm ON bm.id = x.id{same('bm')} JOIN months m ON m.idx = bm.idx "
        f"LEFT JOIN occ o ON o.block_id = x.id AND o.idx = bm.idx{same('o')}{group}"
    )
    return text, params


def _run(text, params):
    with report_connection().cursor() as cursor:
        cursor.execute(text, params)
        return cursor.fetchall()


def _money(pennies):
    return (Decimal(int(pennies or 0)) / 100).quantize(PENNY)


def aggregate(*, date_from=None, date_to=None, dims=(), authority=None, filters=None,
              windows=None, voids=True, live=False):
    """Pennies per combination of `dims`: {key tuple: (amount, void_bed_days, void_pennies)}.

    The building block of every finance report: `spend` takes one dimension; the payments list
    takes provider and month.

    `windows`: a list of (first day, last day) ranges (by default `date_from`..`date_to` is
    their span). Every key then starts with the index of its window, and each window's figures
    are, to the penny, those of a call for that window's range alone (its pieces are cut to the
    window, then to months, and rounded once each), in the same one or two statements whatever
    the number of windows. `voids=False` leaves out the void bed-days and their cost (both 0),
    and the statement that computes them.
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

    current = summary.state()  # one small query: is the summary built (ADR 0023)?
    if current is not None:  # whole months from the maintained summary, edges re-rounded
        return summary.aggregate(current, windows=windows or [(date_from, date_to)],
                                 dims=dims, filters=filters, voids=voids,
                                 windowed=windows is not None)
    return _live(date_from, date_to, dims, filters, windows, voids)


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
