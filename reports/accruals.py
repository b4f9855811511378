"""Accruals for invoice lines: what the spend engine accrues for a line's days (ADR 0018).

A line names a placement's fee (`placement`), one support item (`support`) or a block
contract's beds (`block`) over a range of days. Its expected amount is computed from the
engine's own pieces (reports/spend.py, ADR 0011): a fee period, a support item or a block, cut to
its placement and to one calendar month, at ``n / d`` pennies a day (`_rate`), counted only for
approved purchases (`APPROVED`); block-route placements accrue through their block, not a fee.

**Rounding that telescopes.** The engine rounds each piece-month half-up once: ``R(k)`` with
``R(k) = (2·k·n + d) // (2·d)`` for its ``k`` days. A line that covers days ``a..b`` of a
piece-month starting on day ``s`` is given ``R(b − s + 1) − R(a − s)``: the rounded amount of the
piece-month up to its last day, less that up to the day before its first. Consecutive lines
therefore add up to exactly ``R(k)`` of the whole piece-month, however a provider splits its
days, so invoicing every day at `expected` gives, month by month, exactly the engine's spend,
and "invoiced + uninvoiced = accrued" holds to the penny for any range of whole months.

One SQL statement for all the lines (an inline VALUES table joined to the pieces), in integer
pennies, so PostgreSQL and SQLite agree.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection

from reports.spend import _money
from reports.spend_sql import APPROVED, _Dialect, _months_table, _rate, _rounded, _run

KINDS = ("placement", "support", "block")


@dataclass(frozen=True)
class Span:
    """Days `date_from`..`date_to` of one target: a placement's fee (`placement`, `id` the
    placement), a support item (`support`, `id` the support item) or a block (`block`)."""

    kind: str
    id: int
    date_from: dt.date
    date_to: dt.date


def _lines_table(sql, spans):
    """The spans (idx, target, lf, lt) of one kind as an inline table. On PostgreSQL four array
    literals unnested: a month's 36,000 lines as VALUES rows cost more to parse and plan (1.3 s)
    than to run. Every value is an int or a date, never text from a request."""
    if sql.pg:
        def array(values, kind):
            return f"'{{{','.join(values)}}}'::{kind}[]"

        return (f"(SELECT * FROM unnest("
                f"{array([str(i) for i, _s in spans], 'int')}, "
                f"{array([str(int(s.id)) for _i, s in spans], 'bigint')}, "
                f"{array([s.date_from.isoformat() for _i, s in spans], 'date')}, "
                f"{array([s.date_to.isoformat() for _i, s in spans], 'date')}) "
                f"AS v(idx, target, lf, lt))")
    rows = ", ".join(f"({i}, {int(span.id)}, {sql.date(span.date_from)}, "
                     f"{sql.date(span.date_to)})" for i, span in spans)
    return (f"(SELECT column1 AS idx, column2 AS target, column3 AS lf, column4 AS lt "
            f"FROM (VALUES {rows}) AS v)")


def _pieces(sql, spans):
    """One row per line and engine piece it touches: idx, ps (the piece's first day, uncut by
    the line), cs..ce (the piece cut to the line), n, d. Each kind's lines in a table of their
    own, and only the kinds present."""
    by_kind = {kind: [(i, span) for i, span in enumerate(spans) if span.kind == kind]
               for kind in KINDS}
    parts = []
    if by_kind["placement"]:
        lines = _lines_table(sql, by_kind["placement"])
        fee_n, fee_d = _rate(sql, "fp.price", "fp.unit", "p.hours_per_week")
        fee_s = sql.greatest("fp.effective_from", "p.start_date")
        parts.append(
            f"SELECT l.idx, {fee_s} AS ps, {sql.greatest(fee_s, 'l.lf')} AS cs, "
            f"{sql.least('COALESCE(fp.effective_to, l.lt)', 'COALESCE(p.end_date, l.lt)', 'l.lt')}"
            f" AS ce, {fee_n} AS n, {fee_d} AS d "
            f"FROM {lines} l JOIN contracts_placement p ON p.id = l.target "
            f"JOIN contracts_feeperiod fp ON fp.placement_id = p.id "
            f"WHERE p.approval = {APPROVED} AND p.route <> 'block' "
            f"AND fp.effective_from <= l.lt "
            f"AND (fp.effective_to IS NULL OR fp.effective_to >= l.lf)")
    if by_kind["support"]:
        lines = _lines_table(sql, by_kind["support"])
        sup_n, sup_d = _rate(sql, "si.weekly_cost", "'week'", "NULL")
        sup_s = sql.greatest("si.start_date", "p.start_date")
        parts.append(
            f"SELECT l.idx, {sup_s} AS ps, {sql.greatest(sup_s, 'l.lf')} AS cs, "
            f"{sql.least('si.end_date', 'COALESCE(p.end_date, l.lt)', 'l.lt')} AS ce, "
            f"{sup_n} AS n, {sup_d} AS d "
            f"FROM {lines} l JOIN contracts_supportitem si ON si.id = l.target "
            f"JOIN contracts_placement p ON p.id = si.placement_id "
            f"WHERE p.approval = {APPROVED}")
    if by_kind["block"]:
        lines = _lines_table(sql, by_kind["block"])
        blk_n, blk_d = _rate(sql, "b.price_per_bed", "b.unit", "b.hours_per_week",
                             beds="b.beds")
        parts.append(
            f"SELECT l.idx, b.start_date AS ps, {sql.greatest('b.start_date', 'l.lf')} AS cs, "
            f"{sql.least('b.end_date', 'l.lt')} AS ce, {blk_n} AS n, {blk_d} AS d "
            f"FROM {lines} l JOIN contracts_blockcontract b ON b.id = l.target "
            f"WHERE b.approval = {APPROVED}")
    return " UNION ALL ".join(parts)


def _statement(sql, spans):
    months = _months_table(sql, min(s.date_from for s in spans), max(s.date_to for s in spans))
    # Within a month m: the piece-month starts on s, the line's part of it is a..b.
    s = sql.greatest("x.ps", "m.first_day")
    a = sql.greatest("x.cs", "m.first_day")
    b = sql.least("x.ce", "m.last_day")
    upto_b = f"{sql.days_between(b, s)} + 1"
    before_a = sql.days_between(a, s)
    amount = f"{_rounded(upto_b)} - {_rounded(before_a)}"
    return (f"SELECT x.idx, SUM({amount}) FROM ({_pieces(sql, spans)}) x "
            f"{sql.expand_months(months, 'x.cs', 'x.ce')} "
            f"WHERE x.cs <= x.ce GROUP BY x.idx")


def expected_pennies(spans):
    """[pennies] the engine accrues for each span's days, in the spans' order (0 for a target
    that accrues nothing: unknown, not approved, no fee period over those days)."""
    spans = list(spans)
    for span in spans:
        if span.kind not in KINDS:
            raise ValueError(f"Unknown kind {span.kind!r}.")
        if span.date_to < span.date_from:
            raise ValueError("A span ends before it starts.")
    if not spans:
        return []
    sql = _Dialect(connection.vendor)
    out = [0] * len(spans)
    for idx, pennies in _run(_statement(sql, spans), []):
        out[int(idx)] = int(pennies or 0)
    return out


def expected_amounts(spans):
    """[Decimal pounds, two places] for each span: `expected_pennies` as money."""
    return [_money(p) for p in expected_pennies(spans)]


def expected_amount(kind, target_id, date_from, date_to) -> Decimal:
    """The expected amount of one span."""
    return expected_amounts([Span(kind, target_id, date_from, date_to)])[0]
