"""The per-placement reconciliation in an order by an amount, a page at a time (ADR 0028).

With both maintained summaries built (reports/summary.py, invoicing/summary.py), every row's
accrued, invoiced and paid pennies are summed in one statement and only the page's 50 rows come
back: accrued from the piece-months (whole months summed, the edge months re-rounded from them,
as reports.summary does), invoiced from InvoicedMonth (edge months from the lines, as
invoicing.summary does), paid from PaidDay. The page's figures are then computed as in the
default orders (reconciliation_sources._figures), the same pennies.
"""

import datetime as dt

from django.db import connection

from contracts.models import BlockContract, Placement
from dps.models import Organisation
from dps.replica import report_connection
from invoicing import summary as kept
from invoicing.basis import _invoiced_sql
from reports import spend_sql
from reports import summary as spend_summary

_AMOUNT = {"accrued": "u.a", "invoiced": "u.i", "paid": "u.p", "not_invoiced": "u.a - u.i"}


def _accrued_sql(sql, date_from, date_to, authority_id, state):
    """[SELECT kind, id, pennies] of the accrued column, or None beyond the summary's horizon
    (then the caller computes every row live)."""
    segments, edges = spend_summary.split([(date_from, date_to)], state.horizon)
    if any(spend_summary._idx(a) > state.horizon for _w, a, _b in edges):
        return None
    parts = [f"SELECT s.source AS k0, s.source_id AS k1, SUM(s.amount) AS pennies "
             f"FROM {spend_summary.PIECE} s WHERE s.authority_id = {authority_id} "
             f"AND s.month BETWEEN {first} AND {last} GROUP BY s.source, s.source_id"
             for _w, first, last in segments]
    for _w, a, b in edges:
        first, last = sql.date(a), sql.date(b)
        days = f"{sql.days_between(sql.least('s.e', last), sql.greatest('s.s', first))} + 1"
        parts.append(
            f"SELECT s.source AS k0, s.source_id AS k1, "
            f"SUM({spend_sql._rounded(days, 's.n', 's.d')}) AS pennies "
            f"FROM {spend_summary.PIECE} s WHERE s.authority_id = {authority_id} "
            f"AND s.month = {spend_summary._idx(a)} AND s.s <= {last} AND s.e >= {first} "
            f"GROUP BY s.source, s.source_id")
    return parts


def _invoiced_parts(date_from, date_to, authority_id, params):
    first = kept._idx(date_from) if date_from.day == 1 else kept._idx(date_from) + 1
    last = (kept._idx(date_to) if date_to == kept._last(kept._idx(date_to))
            else kept._idx(date_to) - 1)
    edges = [(date_from, date_to)] if first > last else [
        (date_from, kept._first(first) - dt.timedelta(days=1)),
        (kept._last(last) + dt.timedelta(days=1), date_to)]
    parts = [] if first > last else [
        f"SELECT s.source AS k0, s.source_id AS k1, SUM(s.amount) AS pennies "
        f"FROM {kept.MONTH} s "
        f"WHERE s.authority_id = {authority_id} AND s.month BETWEEN {first} AND {last} "
        f"GROUP BY s.source, s.source_id"]
    for a, b in edges:
        if a <= b:
            text, more = _invoiced_sql(a, b, "source", authority_id, {})
            parts.append(text)
            params.extend(more)
    return parts


def sorted_listing(sources_sql, sources_params, date_from, date_to, authority, sort,
                   descending, limit, offset):
    """[(kind, id, provider name, rows in all)] of one page in the order of an amount, or None
    when the summaries cannot answer (not built, no authority, or past the horizon)."""
    state = spend_summary.state()
    if authority is None or state is None or not kept.built() or sort not in _AMOUNT:
        return None
    authority_id = int(getattr(authority, "pk", authority))
    sql = spend_sql._Dialect(connection.vendor)
    accrued = _accrued_sql(sql, date_from, date_to, authority_id, state)
    if accrued is None:
        return None
    params = list(sources_params)
    invoiced = _invoiced_parts(date_from, date_to, authority_id, params)
    params += [date_from, date_to]
    paid = (f"SELECT s.source AS k0, s.source_id AS k1, SUM(s.amount) AS pennies "
            f"FROM {kept.DAY} s "
            f"WHERE s.authority_id = {authority_id} AND s.paid_on >= %s AND s.paid_on <= %s "
            f"GROUP BY s.source, s.source_id")
    # Each part's rows (k0 kind, k1 id, pennies) as one of the three columns.
    figures = " UNION ALL ".join(
        f"SELECT f.k0 AS kind, f.k1 AS id, "
        f"{', '.join(f'f.pennies AS {c}' if c == mine else f'0 AS {c}' for c in 'aip')} "
        f"FROM ({part}) f"
        for parts, mine in ((accrued, "a"), (invoiced, "i"), ([paid], "p")) for part in parts)
    direction = "DESC" if descending else "ASC"
    order = f"{_AMOUNT[sort]} {direction}, u.kind {direction}, u.id {direction}"
    # The page cut before the providers' names are joined: 50 lookups, not one a row.
    text = (
        f"SELECT u.kind, u.id, COALESCE(p.provider_name, bo.name, ''), u.n FROM ("
        f"SELECT u.* FROM (SELECT s.kind, s.id, COUNT(*) OVER () AS n, "
        f"COALESCE(SUM(g.a), 0) AS a, COALESCE(SUM(g.i), 0) AS i, COALESCE(SUM(g.p), 0) AS p "
        f"FROM ({sources_sql}) s LEFT JOIN ({figures}) g ON g.kind = s.kind AND g.id = s.id "
        f"GROUP BY s.kind, s.id) u ORDER BY {order} LIMIT {int(limit)} OFFSET {int(offset)}) u "
        f"LEFT JOIN {Placement._meta.db_table} p ON u.kind = 'placement' AND p.id = u.id "
        f"LEFT JOIN {BlockContract._meta.db_table} b ON u.kind = 'block' AND b.id = u.id "
        f"LEFT JOIN {Organisation._meta.db_table} bo ON bo.id = b.provider_id "
        f"ORDER BY {order}")
    with report_connection().cursor() as cursor:
        cursor.execute(text, params)
        return cursor.fetchall()
