"""The maintained monthly spend summary (ADR 0023): whole months read, edge months live.

`SpendPiece` holds the engine's own pennies of each placement and block per calendar month
(`reports.spend` run with the grouping ("source", "month"), so the same rounded piece-months),
and `SpendMonth` their sums per month, authority, lot, provider, route and location. A report
over a range reads the whole months inside it (up to the summary's horizon) from `SpendMonth`
and computes only the rest, the edge months cut by the range, with the live engine: every
piece-month is rounded on its own (ADR 0011), so the two add up to the live engine's figures to
the penny (tests/reports/test_summary.py).

The services that change what a placement or block buys (creation, approval, fee changes,
support items, the end) call `rebuild_for_placement` / `rebuild_for_block` in their
transaction: the source's rows are taken out of the sums, computed again and added back. Until
`manage.py rebuild_spend_summary` has run once there is no `SpendSummaryState` row, every report
is live and the services keep nothing.
"""

import calendar
import contextlib
import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from reports import insight_placements, spend_sql
from reports import spend as engine
from reports.models import SpendSummaryState

PIECE = "reports_spendpiece"
MONTH = "reports_spendmonth"
YEAR = "reports_spendyear"
COARSE = "reports_spendmonthlot"
SPAN = "reports_spendspan"
PLACEMENTS = insight_placements.TABLE  # the market insight's placement rows (ADR 0029)
SPAN_MONTHS = 11  # a rolling year's whole months between its two edge months
HORIZON_MONTHS = 24  # whole months ahead held for open-ended placements; beyond, live
KEY = ("month", "authority_id", "lot_id", "provider_id", "provider_name", "route", "location")
PIECE_KEY = ("source", "source_id", "authority_id", "provider_id", "provider_name", "lot_id",
             "route", "location")


def _idx(day):
    return day.year * 12 + day.month - 1


def _first(idx):
    return dt.date(idx // 12, idx % 12 + 1, 1)


def _last(idx):
    year, month = idx // 12, idx % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


_LIVE = []  # set by `live_only()`: reports ignore the summary (benchmarks: before/after)


def state():
    """The summary's state row, or None when it is not built (every report live)."""
    if _LIVE:
        return None
    return SpendSummaryState.objects.order_by("pk").first()


@contextlib.contextmanager
def live_only():
    """Reports computed live while inside (the services still keep the summary)."""
    _LIVE.append(True)
    try:
        yield
    finally:
        _LIVE.pop()


def built():
    return state() is not None


# --- Reading ---------------------------------------------------------------------------------

def _by_month(win, start, end):
    """start..end cut at month ends: [(win, first day, last day)], each inside one month."""
    out = []
    while start <= end:
        stop = min(end, _last(_idx(start)))
        out.append((win, start, stop))
        start = stop + dt.timedelta(days=1)
    return out


def split(windows, horizon):
    """(segments, edges): per window, the whole months held [(win, first idx, last idx)] and
    the days computed live [(win, first day, last day)], each edge inside one month."""
    segments, edges = [], []
    for win, (start, end) in enumerate(windows):
        first = _idx(start) if start.day == 1 else _idx(start) + 1
        last = _idx(end) if end == _last(_idx(end)) else _idx(end) - 1
        last = min(last, horizon)
        if first > last:
            edges += _by_month(win, start, end)
            continue
        segments.append((win, first, last))
        if start < _first(first):
            edges += _by_month(win, start, _first(first) - dt.timedelta(days=1))
        if end > _last(last):
            edges += _by_month(win, _last(last) + dt.timedelta(days=1), end)
    return segments, edges


def _columns(dims, pieces):
    """The summary's SELECT/GROUP BY columns giving the engine's keys for `dims`."""
    cols = []
    for dim in dims:
        if dim == "lot":
            cols.append("s.lot_id")
        elif dim == "provider":
            if pieces:
                cols += ["s.provider_id",
                         "CASE WHEN s.provider_id IS NULL THEN s.provider_name END"]
            else:
                cols += ["CASE WHEN s.provider_id = 0 THEN NULL ELSE s.provider_id END",
                         "CASE WHEN s.provider_id = 0 THEN s.provider_name END"]
        elif dim in ("authority", "route", "location"):
            cols.append(f"s.{dim}_id" if dim == "authority" else f"s.{dim}")
        elif dim == "month":
            cols.append("s.month")
        elif dim == "source":
            cols += [f"s.{c}" for c in PIECE_KEY]
    return cols


def _filters(filters, params):
    return spend_sql._filter_sql(
        filters, params=params, authority_col="s.authority_id", provider_col="s.provider_id",
        lot_col="s.lot_id", route_col="s.route", location_expr="s.location")


def _collect(out, text, params, width, voids):
    for row in spend_sql._run(text, params):
        entry = out.setdefault(tuple(row[:width]), [0, 0, 0])
        entry[0] += int(row[width])
        if voids:
            entry[1] += int(row[width + 1])
            entry[2] += int(row[width + 2])


def _read(out, table, period, ranges, dims, filters, voids):
    """Add the sums of `table` over the periods [(win, first, last)] of column `period`."""
    params = []
    where = _filters(filters, params)
    # The bounds as literals too, so the planner reads the periods by index.
    where += (f" AND s.{period} BETWEEN {min(r[1] for r in ranges)} "
              f"AND {max(r[2] for r in ranges)}")
    rows = ", ".join(f"({win}, {first}, {last})" for win, first, last in ranges)
    cols = ["w.win", *_columns(dims, table == PIECE)]
    sums = "SUM(s.amount), SUM(s.void_bed_days), SUM(s.voids)" if voids else "SUM(s.amount)"
    text = (f"SELECT {', '.join(cols)}, {sums} FROM {table} s "
            f"JOIN (SELECT column1 AS win, column2 AS a, column3 AS b FROM (VALUES {rows}) AS v)"
            f" w ON s.{period} BETWEEN w.a AND w.b WHERE 1 = 1{where} GROUP BY {', '.join(cols)}")
    _collect(out, text, params, len(cols), voids)


def _read_spans(out, spans, dims, filters, voids):
    """Add the SpendSpan rows of the runs [(win, last month)] of SPAN_MONTHS months."""
    params = []
    where = _filters(filters, params)
    rows = ", ".join(f"({win}, {last})" for win, last in spans)
    cols = ["w.win", *_columns(dims, False)]
    sums = "SUM(s.amount), SUM(s.void_bed_days), SUM(s.voids)" if voids else "SUM(s.amount)"
    # The end months as literals too, so the planner reads them by index.
    where += f" AND s.end_month IN ({', '.join(sorted({str(last) for _w, last in spans}))})"
    text = (f"SELECT {', '.join(cols)}, {sums} FROM {SPAN} s "
            f"JOIN (SELECT column1 AS win, column2 AS m FROM (VALUES {rows}) AS v) w "
            f"ON s.end_month = w.m WHERE s.span = {SPAN_MONTHS}{where} "
            f"GROUP BY {', '.join(cols)}")
    _collect(out, text, params, len(cols), voids)


def _run_of_months(win, first, last, months, spans):
    """Months first..last: the last SPAN_MONTHS of a run at least that long as one SpendSpan
    row per key, the rest from SpendMonth."""
    if last - first + 1 >= SPAN_MONTHS:
        spans.append((win, last))
        last -= SPAN_MONTHS
    if first <= last:
        months.append((win, first, last))


def _whole(out, segments, dims, filters, voids, spans_built=True):
    """Whole months: per-placement lines from the pieces, months from SpendMonth (or, without
    the provider, SpendMonthLot), a rolling year's 11 or 12 from SpendSpan, and any whole
    calendar year inside a segment from SpendYear."""
    if "source" in dims:
        return _read(out, PIECE, "month", segments, dims, filters, voids)
    if "provider" not in dims and "provider" not in filters:
        return _read(out, COARSE, "month", segments, dims, filters, voids)
    if "month" in dims:
        return _read(out, MONTH, "month", segments, dims, filters, voids)
    months, years, spans = [], [], []
    # Without the spans filled (migrated, not yet backfilled) their months are read instead.
    run = _run_of_months if spans_built else (
        lambda win, first, last, months, _spans: months.append((win, first, last)))
    for win, first, last in segments:
        y0, y1 = -(-first // 12), (last + 1) // 12 - 1  # whole years first..last covers
        if y0 > y1:
            run(win, first, last, months, spans)
            continue
        years.append((win, y0, y1))
        if first < y0 * 12:
            run(win, first, y0 * 12 - 1, months, spans)
        if last > y1 * 12 + 11:
            run(win, y1 * 12 + 12, last, months, spans)
    if years:
        _read(out, YEAR, "year", years, dims, filters, voids)
    if spans:
        _read_spans(out, spans, dims, filters, voids)
    if months:
        _read(out, MONTH, "month", months, dims, filters, voids)



def edge_sum_sql(head, tail, a, b, filters, params):
    """One edge month's statement: `SELECT {head}` the rounded sum of the pieces of days
    `a`..`b` (one month), filtered, then `tail` (its GROUP BY). Appends its parameters."""
    sql = spend_sql._Dialect(connection.vendor)
    where = _filters(filters, params)
    first, last = sql.date(a), sql.date(b)
    days = f"{sql.days_between(sql.least('s.e', last), sql.greatest('s.s', first))} + 1"
    return (f"SELECT {head}SUM({spend_sql._rounded(days, 's.n', 's.d')}) FROM {PIECE} s "
            f"WHERE s.month = {_idx(a)} AND s.s <= {last} AND s.e >= {first}{where} {tail}")

def _held_edges(out, edges, dims, filters, voids):
    """Edges inside held months, re-rounded from the piece-months: the days of each piece in
    the edge at its rate, rounded once, as the engine rounds the piece cut to the range."""
    sql = spend_sql._Dialect(connection.vendor)
    params, parts = [], []
    cols = _columns(dims, True)
    group = ", ".join(str(n) for n in range(1, len(cols) + 2))  # by position: the edge first
    # One statement per edge, its month and days as literals, UNION ALL: each reads its
    # month's pieces by index and the planner sizes each aggregate right (a join to a VALUES
    # list of edges underestimated it 300-fold, and sorted 95,000 rows on disk at scale).
    for i, (_win, a, b) in enumerate(edges):
        parts.append(edge_sum_sql(f"{i}, {''.join(c + ', ' for c in cols)}",
                                  f"GROUP BY {group}", a, b, filters, params))
    text = " UNION ALL ".join(parts)
    cols = ["edge", *cols]
    live = {}
    _collect(live, text, params, len(cols), False)
    if voids and filters.get("route", "block") == "block":  # a block's voids: few rows, live
        windows = [(a, b) for _w, a, b in edges]
        text, params = spend_sql._voids_sql(sql, min(windows)[0], max(b for _a, b in windows),
                                         dims, filters, windows)
        for row in spend_sql._run(text, params):
            width = len(cols)
            entry = live.setdefault(tuple(row[:width]), [0, 0, 0])
            entry[1] += int(row[width] or 0)
            entry[2] += int(row[width + 1] or 0)
    _add(out, live, [w for w, _a, _b in edges])


def _add(out, live, owners):
    for (edge, *key), values in live.items():
        entry = out.setdefault((owners[edge], *key), [0, 0, 0])
        for i in range(3):
            entry[i] += values[i]


def aggregate(current, *, windows, dims, filters, voids, windowed):
    """`reports.spend.aggregate`'s answer (filters normalised) from the summary (`current`, its
    state): whole months summed, edge months re-rounded from the piece-months, months past the
    horizon from the live engine. The same keys and pennies."""
    segments, edges = split(windows, current.horizon)
    out = {}
    if segments:
        _whole(out, segments, dims, filters, voids, current.spans_built)
    held = [edge for edge in edges if _idx(edge[1]) <= current.horizon]
    later = [edge for edge in edges if _idx(edge[1]) > current.horizon]
    if held:
        _held_edges(out, held, dims, filters, voids)
    if later:
        _add(out, engine._live(min(s for _w, s, _e in later), max(e for _w, _s, e in later),
                               dims, filters, [(s, e) for _w, s, e in later], voids),
             [w for w, _s, _e in later])
    if windowed:
        return out
    return {key[1:]: values for key, values in out.items()}


# --- Writing ---------------------------------------------------------------------------------

def _where(sources):
    parts = []
    for kind in ("placement", "block"):
        ids = sorted({int(pk) for pk in sources.get(kind, ())})
        if ids:
            parts.append(f"(source = '{kind}' AND source_id IN ({', '.join(map(str, ids))}))")
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def _fill_pieces(date_from, date_to, sources=None):
    """Insert the engine's piece-months for date_from..date_to (of `sources`, or all), with
    each block-month's voids: the engine's own pieces, months and rounding helpers."""
    sql = spend_sql._Dialect(connection.vendor)
    params = []
    pieces = spend_sql._pieces_sql(sql, date_from, date_to, {}, params, sources)
    months = spend_sql._months_table(sql, date_from, date_to)
    days = spend_sql._days_in_month(sql, "x.s", "x.e")
    text = (f"WITH pieces AS (SELECT * FROM ({pieces}) u WHERE u.s <= u.e) "
            f"SELECT {', '.join(f'x.{c}' for c in PIECE_KEY)}, m.idx, "
            f"{sql.greatest('x.s', 'm.first_day')}, {sql.least('x.e', 'm.last_day')}, "
            f"x.n, x.d, {spend_sql._rounded(days)} "
            f"FROM pieces x {sql.expand_months(months, 'x.s', 'x.e')}"
            # In month and lot order: one lot's pieces of an edge month lie together on disk.
            f"{' ORDER BY m.idx, x.lot_id' if sources is None else ''}")
    cols = ", ".join(PIECE_KEY)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PIECE} ({cols}, month, s, e, n, d, amount, void_bed_days,"
                       f" voids) SELECT q.*, 0, 0 FROM ({text}) q", params)
        text, params = spend_sql._voids_sql(sql, date_from, date_to, ("source", "month"), {},
                                         sources=sources)
        cursor.execute(text, params)
        rows = [(int(r[9] or 0), int(r[10] or 0), r[0], r[1], r[8]) for r in cursor.fetchall()]
        cursor.executemany(f"UPDATE {PIECE} SET void_bed_days = %s, voids = %s "
                           f"WHERE source = %s AND source_id = %s AND month = %s", rows)


# Each month feeds the span ending in it and those ending in the SPAN_MONTHS - 1 after it.
_SPAN_OFFSETS = ("(SELECT column1 AS span, column2 AS k FROM (VALUES "
                 + ", ".join(f"({SPAN_MONTHS}, {k})" for k in range(SPAN_MONTHS))
                 + ") AS v) k")


def _upsert(table, names, key, source, sign, count):
    """Add `sign` × the sums of `source` grouped by `key` into `table` (unique on `names`),
    deleting rows left with no pieces. Rows are locked in key order (ORDER BY), so two
    rebuilds do not deadlock."""
    sums = ", ".join(f"{sign} * SUM({c})" for c in ("amount", "void_bed_days", "voids"))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}"
                        for c in ("amount", "void_bed_days", "voids", "pieces"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(names)}, amount, void_bed_days, voids, pieces) "
            f"SELECT {key}, {sums}, {sign} * {count} FROM {source} "
            f"GROUP BY {key} ORDER BY {key} "
            f"ON CONFLICT ({', '.join(names)}) DO UPDATE SET {updates} RETURNING id, pieces")
        empty = [pk for pk, pieces in cursor.fetchall() if pieces <= 0]
        if empty:
            cursor.execute(f"DELETE FROM {table} WHERE id IN ({', '.join(map(str, empty))})")


SPAN_NAMES = ("end_month", "span", "lot_id", "authority_id", "provider_id", "provider_name",
              "route", "location")


def _add_months(where, sign, spans=True):
    """Add (sign 1) or take away (-1) the pieces matching `where` to/from the sums per month,
    per year and (`spans`) per rolling 11 and 12 months."""
    provider = ("COALESCE(provider_id, 0), "
                "CASE WHEN provider_id IS NULL THEN provider_name ELSE '' END, ")
    for table, period, by_provider in ((MONTH, "month", True), (YEAR, "year", True),
                                       (COARSE, "month", False)):
        key = (f"{'month' if period == 'month' else 'month / 12'}, authority_id, lot_id, "
               f"{provider if by_provider else ''}route, location")
        names = (period, *(c for c in KEY[1:] if by_provider or not c.startswith("provider")))
        _upsert(table, names, key, f"{PIECE} WHERE {where}", sign, "COUNT(*)")
    if spans:
        _upsert(SPAN, SPAN_NAMES, f"month + k.k, k.span, lot_id, authority_id, {provider}"
                "route, location", f"{PIECE}, {_SPAN_OFFSETS} WHERE {where}", sign, "COUNT(*)")


def _fill_spans():
    """An empty SpendSpan filled from SpendMonth (already summed: 11 rows a monthly row, not a
    piece-month each), inserted in the unique index's order with room to sort in memory."""
    cols = ("month + k.k, k.span, lot_id, authority_id, provider_id, provider_name, route, "
            "location")
    order = ", ".join(str(i) for i in (1, 2, 4, 3, 5, 6, 7, 8))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"INSERT INTO {SPAN} ({', '.join(SPAN_NAMES)}, amount, void_bed_days, voids, pieces)"
            f" SELECT {cols}, SUM(amount), SUM(void_bed_days), SUM(voids), SUM(pieces) "
            f"FROM {MONTH}, {_SPAN_OFFSETS} GROUP BY {order} ORDER BY {order}")


def _rebuild(sources):
    current = SpendSummaryState.objects.order_by("pk").first()
    if current is None:  # not built: reports are live, nothing to keep
        return
    from contracts.models import BlockContract, Placement

    where = _where(sources)
    _add_months(where, -1)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PIECE} WHERE {where}")
    starts = list(Placement.objects.filter(pk__in=sources.get("placement", ()))
                  .values_list("start_date", flat=True))
    starts += BlockContract.objects.filter(pk__in=sources.get("block", ())).values_list(
        "start_date", flat=True)
    end = _last(current.horizon)
    if starts and min(starts) <= end:
        _fill_pieces(min(starts), end, sources)
        _add_months(where, 1)
    # The insight's placement rows last: tables in the order a rebuild locks them.
    insight_placements.fill(sources.get("placement", ()))


def rebuild_for_placement(placement):
    """Compute the placement's months again (and its block's, whose voids it fills)."""
    sources = {"placement": [placement.pk]}
    if placement.block_id:
        sources["block"] = [placement.block_id]
    _rebuild(sources)


def rebuild_for_block(block):
    _rebuild({"block": [block.pk]})


def follow(obj):
    """After a change to a placement or a block: its months follow, in the same transaction."""
    from contracts.models import BlockContract

    if isinstance(obj, BlockContract):
        rebuild_for_block(obj)
    else:
        rebuild_for_placement(obj)


@transaction.atomic
def rebuild_all(today=None, horizon_months=HORIZON_MONTHS):
    """Empty the summary and compute it again for every placement and block, through
    `horizon_months` months after today's. Returns (pieces, monthly rows, horizon)."""
    from contracts.models import BlockContract, Placement

    today = today or timezone.localdate()
    horizon = _idx(today) + horizon_months
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # writers of either table wait for the rebuild
            cursor.execute(f"LOCK TABLE {PIECE}, {MONTH}, {YEAR}, {COARSE}, {SPAN}, "
                           f"{PLACEMENTS} IN EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {PIECE}, {MONTH}, {YEAR}, {COARSE}, {SPAN}, {PLACEMENTS}")
        else:
            for table in (PIECE, MONTH, YEAR, COARSE, SPAN, PLACEMENTS):
                cursor.execute(f"DELETE FROM {table}")
    SpendSummaryState.objects.all().delete()
    starts = [d for d in (Placement.objects.order_by("start_date")
                          .values_list("start_date", flat=True).first(),
                          BlockContract.objects.order_by("start_date")
                          .values_list("start_date", flat=True).first()) if d]
    if starts and min(starts) <= _last(horizon):
        _fill_pieces(min(starts), _last(horizon))
        _add_months("1 = 1", 1, spans=False)
        _fill_spans()
    insight_placements.fill()
    SpendSummaryState.objects.create(horizon=horizon, built_at=timezone.now(), spans_built=True,
                                     placements_built=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {PIECE}), (SELECT COUNT(*) FROM {MONTH})")
        pieces, months = cursor.fetchone()
    return pieces, months, horizon


@transaction.atomic
def rebuild_spans():
    """Fill SpendSpan again from SpendMonth (the backfill after migrating to it, without
    computing the pieces again). Returns its row count."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # writers wait, as for a full rebuild
            cursor.execute(f"LOCK TABLE {PIECE}, {MONTH}, {YEAR}, {COARSE}, {SPAN} "
                           "IN EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {SPAN}")
        else:
            cursor.execute(f"DELETE FROM {SPAN}")
    _fill_spans()
    SpendSummaryState.objects.update(spans_built=True)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {SPAN}")
        return cursor.fetchone()[0]


@transaction.atomic
def rebuild_placements():
    """Fill the market insight's placement rows again (the backfill after migrating to them,
    ADR 0029, without computing the spend again). Returns their count."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # writers wait, as for a full rebuild
            cursor.execute(f"LOCK TABLE {PIECE}, {PLACEMENTS} IN EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {PLACEMENTS}")
        else:
            cursor.execute(f"DELETE FROM {PLACEMENTS}")
    insight_placements.fill()
    SpendSummaryState.objects.update(placements_built=True)
    return insight_placements.count()
