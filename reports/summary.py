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
import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from reports import spend as engine
from reports.models import SpendSummaryState

PIECE = "reports_spendpiece"
MONTH = "reports_spendmonth"
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


def state():
    """The summary's state row, or None when it is not built (every report live)."""
    return SpendSummaryState.objects.order_by("pk").first()


def built():
    return state() is not None


# --- Reading ---------------------------------------------------------------------------------

def split(windows, horizon):
    """(segments, edges): per window, the whole months held [(win, first idx, last idx)] and
    the days computed live [(win, first day, last day)]."""
    segments, edges = [], []
    for win, (start, end) in enumerate(windows):
        first = _idx(start) if start.day == 1 else _idx(start) + 1
        last = _idx(end) if end == _last(_idx(end)) else _idx(end) - 1
        last = min(last, horizon)
        if first > last:
            edges.append((win, start, end))
            continue
        segments.append((win, first, last))
        if start < _first(first):
            edges.append((win, start, _first(first) - dt.timedelta(days=1)))
        if end > _last(last):
            edges.append((win, _last(last) + dt.timedelta(days=1), end))
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


def _read(segments, dims, filters, voids):
    # Per-placement lines need the pieces; every other grouping reads the monthly sums.
    pieces = "source" in dims
    params = []
    where = engine._filter_sql(
        filters, params=params, authority_col="s.authority_id", provider_col="s.provider_id",
        lot_col="s.lot_id", route_col="s.route", location_expr="s.location")
    rows = ", ".join(f"({win}, {first}, {last})" for win, first, last in segments)
    cols = ["w.win", *_columns(dims, pieces)]
    sums = "SUM(s.amount), SUM(s.void_bed_days), SUM(s.voids)" if voids else "SUM(s.amount)"
    text = (f"SELECT {', '.join(cols)}, {sums} FROM {PIECE if pieces else MONTH} s "
            f"JOIN (SELECT column1 AS win, column2 AS a, column3 AS b FROM (VALUES {rows}) AS v)"
            f" w ON s.month BETWEEN w.a AND w.b WHERE 1 = 1{where} GROUP BY {', '.join(cols)}")
    width = len(cols)
    out = {}
    for row in engine._run(text, params):
        out[tuple(row[:width])] = [int(row[width]), int(row[width + 1]) if voids else 0,
                                   int(row[width + 2]) if voids else 0]
    return out


def aggregate(current, *, windows, dims, filters, voids, windowed):
    """`reports.spend.aggregate`'s answer (filters normalised) from the summary (`current`, its
    state) and the live engine for the edges: the same keys and pennies."""
    segments, edges = split(windows, current.horizon)
    out = _read(segments, dims, filters, voids) if segments else {}
    if edges:
        live = engine._live(min(s for _w, s, _e in edges), max(e for _w, _s, e in edges), dims,
                            filters, [(s, e) for _w, s, e in edges], voids)
        for (edge, *key), values in live.items():
            entry = out.setdefault((edges[edge][0], *key), [0, 0, 0])
            for i in range(3):
                entry[i] += values[i]
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
    """Insert the engine's per-source month pennies for date_from..date_to, with voids."""
    sql = engine._Dialect(connection.vendor)
    dims = ("source", "month")
    text, params = engine._amount_sql(sql, date_from, date_to, dims, {}, sources=sources)
    cols = ", ".join(PIECE_KEY)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {PIECE} ({cols}, month, amount, void_bed_days, voids) "
                       f"SELECT q.*, 0, 0 FROM ({text}) q", params)
        text, params = engine._voids_sql(sql, date_from, date_to, dims, {}, sources=sources)
        cursor.execute(text, params)
        rows = [(int(r[9] or 0), int(r[10] or 0), r[0], r[1], r[8]) for r in cursor.fetchall()]
        cursor.executemany(f"UPDATE {PIECE} SET void_bed_days = %s, voids = %s "
                           f"WHERE source = %s AND source_id = %s AND month = %s", rows)


def _add_months(where, sign):
    """Add (sign 1) or take away (-1) the pieces matching `where` to/from the monthly sums.
    Rows are locked in key order (ORDER BY), so two rebuilds do not deadlock each other."""
    key = ("month, authority_id, lot_id, COALESCE(provider_id, 0), "
           "CASE WHEN provider_id IS NULL THEN provider_name ELSE '' END, route, location")
    sums = ", ".join(f"{sign} * SUM({c})" for c in ("amount", "void_bed_days", "voids"))
    updates = ", ".join(f"{c} = {MONTH}.{c} + excluded.{c}"
                        for c in ("amount", "void_bed_days", "voids", "pieces"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MONTH} ({', '.join(KEY)}, amount, void_bed_days, voids, pieces) "
            f"SELECT {key}, {sums}, {sign} * COUNT(*) FROM {PIECE} WHERE {where} "
            f"GROUP BY {key} ORDER BY {key} "
            f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {updates} RETURNING id, pieces")
        empty = [pk for pk, pieces in cursor.fetchall() if pieces <= 0]
        if empty:
            cursor.execute(f"DELETE FROM {MONTH} WHERE id IN ({', '.join(map(str, empty))})")


def _rebuild(sources):
    current = state()
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
            cursor.execute(f"LOCK TABLE {PIECE}, {MONTH} IN EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {PIECE}, {MONTH}")
        else:
            cursor.execute(f"DELETE FROM {PIECE}")
            cursor.execute(f"DELETE FROM {MONTH}")
    SpendSummaryState.objects.all().delete()
    starts = [d for d in (Placement.objects.order_by("start_date")
                          .values_list("start_date", flat=True).first(),
                          BlockContract.objects.order_by("start_date")
                          .values_list("start_date", flat=True).first()) if d]
    if starts and min(starts) <= _last(horizon):
        _fill_pieces(min(starts), _last(horizon))
        _add_months("1 = 1", 1)
    SpendSummaryState.objects.create(horizon=horizon, built_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT COUNT(*) FROM {PIECE}), (SELECT COUNT(*) FROM {MONTH})")
        pieces, months = cursor.fetchone()
    return pieces, months, horizon
