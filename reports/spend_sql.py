"""The spend engine's SQL (ADR 0011): the pieces statement, its dialect helpers and the void
bed-days statement, built as text with parameters. `reports/spend.py` runs them and shapes the
reports; the summary (reports/summary.py) and the accruals (reports/accruals.py) build on the
same pieces. Every literal here comes from dates and constants, never from user text."""

import calendar
import datetime as dt

from contracts.models import Approval
from dps.replica import report_connection

# The approval a placement or block needs before it counts (a literal: never user text).
APPROVED = f"'{Approval.APPROVED.value}'"

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
