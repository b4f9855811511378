"""Spend on the `invoiced` and `paid` bases (GET /api/v1/reports/spend/?basis=…).

`invoiced`: the lines of approved and paid invoices, by their days. A line's amount is spread
evenly over its days, in pennies, by cumulative rounding — the first k days of an n-day line
carry round_half_up(amount × k / n) — so a line's days add up to its amount exactly and a
month (or the range) holds the difference of two cumulative figures. The pieces (a line cut to
one calendar month and the range) are finer than every grouping, so the rows of any grouping add
up to the total, as for the accrued basis (ADR 0011).

`paid`: payments by `paid_on`. A payment is shared among its invoice's lines in proportion to
their amounts (largest remainder, to the penny), so it can be grouped by lot, route or location
as well as provider, authority and month.

Filters and groupings are the spend report's; the authority, provider and location come from
the invoice, the lot and route from the line's placement (or block: route `block`).
"""

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from invoicing.models import Invoice, InvoiceLine, Payment
from reports.spend import GROUPINGS, SpendReport, SpendRow, _normalise_filters, label_rows

PENNY = Decimal("0.01")
COUNTED = (Invoice.Status.APPROVED, Invoice.Status.PAID)


def _pennies(amount):
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def _cumulative(total, k, n):
    """round_half_up(total × k / n) in integer pennies (total may be negative)."""
    sign = -1 if total < 0 else 1
    return sign * ((2 * abs(total) * k + n) // (2 * n))


def _keep(dims, filters):
    return all(dims[name] == value for name, value in filters.items())


def _key(group_by, dims, month_idx):
    if group_by is None:
        return ()
    if group_by == "month":
        return (month_idx,)
    if group_by == "provider":
        return (dims["provider"], None)
    if group_by == "source":  # one row per placement or block (the reconciliation's)
        return dims["source"]
    return (dims[group_by],)


def _scope(queryset, authority, field):
    if authority is not None:
        pk = authority.pk if hasattr(authority, "pk") else int(authority)
        queryset = queryset.filter(**{f"{field}authority_id": pk})
    return queryset


def _months(start, end):
    """(month index, first day, last day) of each calendar month start..end touches."""
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = dt.date(year, month, 1)
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        yield year * 12 + month - 1, max(first, start), min(last, end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _report(date_from, date_to, group_by, sums, filters):
    if group_by == "source":
        rows = [SpendRow(key=k, label=f"{k[0]} {k[1]}", amount=_money(v))
                for k, v in sorted(sums.items())]
        return SpendReport(date_from=date_from, date_to=date_to, group_by=group_by, rows=rows,
                           total=_money(sum(sums.values())), filters=filters)
    labels = label_rows(group_by, list(sums))
    ordered = sorted(sums, key=lambda k: labels[k][2])
    rows = [SpendRow(key=labels[k][0], label=labels[k][1], amount=_money(sums[k]))
            for k in ordered]
    return SpendReport(date_from=date_from, date_to=date_to, group_by=group_by, rows=rows,
                       total=_money(sum(sums.values())), filters=filters)


def _money(pennies):
    return (Decimal(int(pennies)) / 100).quantize(PENNY)


def _check(group_by):
    if group_by not in (None, *GROUPINGS, "source"):
        raise ValueError(f"Unknown grouping {group_by!r}.")


# The dimensions of a line in SQL, as `_describe` gives them in Python (the paid basis).
_DIM_SQL = {
    "lot": "COALESCE(p.lot_id, b.lot_id)",
    "provider": "i.provider_id",
    "authority": "i.authority_id",
    "route": "CASE WHEN l.block_id IS NOT NULL THEN 'block' ELSE p.route END",
    "location": ("CASE WHEN TRIM(LOWER(COALESCE(po.area, ''))) <> '' AND "
                 "TRIM(LOWER(po.area)) = TRIM(LOWER(COALESCE(ao.area, ''))) "
                 "THEN 'in_area' ELSE 'out_of_area' END"),
}
_KEY_SQL = {
    None: [],
    "month": ["m.idx"],
    "source": ["CASE WHEN l.block_id IS NOT NULL THEN 'block' ELSE 'placement' END",
               "COALESCE(l.block_id, l.placement_id)"],
}
# The maintained sums' key (invoicing/summary.py): the period (the month of a line's piece, or
# the payment's day), then what every reconciliation grouping reads.
_SUMMARY_SQL = ["i.authority_id", _DIM_SQL["lot"], "i.provider_id", *_KEY_SQL["source"]]
_KEY_SQL["summary"] = ["m.idx", *_SUMMARY_SQL]


def _cumulative_sql(total, k, n):
    """`_cumulative` in SQL: integer arithmetic, the same pennies on PostgreSQL and SQLite."""
    return (f"(CASE WHEN {total} < 0 THEN -1 ELSE 1 END) * "
            f"((2 * ABS({total}) * ({k}) + {n}) / (2 * {n}))")


def _invoiced_sums(date_from, date_to, group_by, authority, filters, sources=None):
    """Pennies per grouping key, summed in the database: each counted line cut to the calendar
    months of the range, each piece the difference of two cumulative figures (as above); of
    the lines of `sources` only when given ({"placement": ids, "block": ids})."""
    text, params = _invoiced_sql(date_from, date_to, group_by, authority, filters, sources)
    return _summed(text, params, group_by)


def _invoiced_sql(date_from, date_to, group_by, authority, filters, sources=None,
                  invoices=None):
    """(the statement of `_invoiced_sums`, params); of the lines of `invoices` (ids) only when
    given (the maintained sums add an invoice's lines when it is approved)."""
    from django.db import connection

    from contracts.models import BlockContract, Placement
    from dps.models import Organisation
    from reports.spend_sql import _Dialect, _months_table

    sql = _Dialect(connection.vendor)
    keys = _KEY_SQL[group_by] if group_by in _KEY_SQL else [_DIM_SQL[group_by]]
    s = sql.greatest("l.date_from", sql.date(date_from))
    e = sql.least("l.date_to", sql.date(date_to))
    total, n = sql.pennies("l.amount"), f"({sql.days_between('l.date_to', 'l.date_from')} + 1)"
    before = sql.days_between(sql.greatest(s, "m.first_day"), "l.date_from")
    through = f"({sql.days_between(sql.least(e, 'm.last_day'), 'l.date_from')} + 1)"
    piece = f"{_cumulative_sql(total, through, n)} - {_cumulative_sql(total, before, n)}"
    where, params = ["i.status IN (%s, %s)", "l.date_from <= %s", "l.date_to >= %s"], \
        [*COUNTED, date_to, date_from]
    if authority is not None:
        where.append("i.authority_id = %s")
        params.append(authority.pk if hasattr(authority, "pk") else int(authority))
    for name, value in filters.items():
        where.append(f"{_DIM_SQL[name]} = %s")
        params.append(value)
    if sources is not None:
        where.append(_source_sql(sources, params))
    if invoices is not None:
        where.append(f"i.id IN ({', '.join(str(int(pk)) for pk in invoices) or 'NULL'})")
    select = [f"{k} AS k{i}" for i, k in enumerate(keys)]
    text = (f"SELECT {', '.join([*select, f'SUM({piece}) AS pennies'])} "
            f"FROM {InvoiceLine._meta.db_table} l "
            f"JOIN {Invoice._meta.db_table} i ON i.id = l.invoice_id "
            f"LEFT JOIN {Placement._meta.db_table} p ON p.id = l.placement_id "
            f"LEFT JOIN {BlockContract._meta.db_table} b ON b.id = l.block_id "
            f"JOIN {Organisation._meta.db_table} po ON po.id = i.provider_id "
            f"JOIN {Organisation._meta.db_table} ao ON ao.id = i.authority_id "
            f"{sql.expand_months(_months_table(sql, date_from, date_to), s, e)} "
            f"WHERE {' AND '.join(where)}"
            + (f" GROUP BY {', '.join(f'k{i}' for i in range(len(keys)))}" if keys else ""))
    return text, params


def invoiced_spend(*, date_from, date_to, group_by=None, authority=None, filters=None):
    _check(group_by)
    filters = _normalise_filters(filters, authority)
    return _report(date_from, date_to, group_by,
                   invoiced_sums(date_from, date_to, group_by, authority, filters), filters)


def invoiced_sums(date_from, date_to, group_by, authority, filters):
    """{raw key: pennies} of the invoiced basis (filters normalised): from the maintained sums
    where they answer (ADR 0028), else from the lines."""
    from invoicing import summary

    compute = summary.invoiced if summary.serves(group_by, filters) else _invoiced_sums
    return compute(date_from, date_to, group_by, authority, filters)


def _shares(total, weights):
    """`total` pennies shared in proportion to `weights` (largest remainder)."""
    whole = sum(weights)
    if whole <= 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [total * w for w in weights]
    base = [e // whole for e in exact]
    left = total - sum(base)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] % whole), i))
    for i in order[:left]:
        base[i] += 1
    return base


# Groupings and filters a payment answers whole, from its invoice: no need to share it out.
_INVOICE_LEVEL = {None, "provider", "authority", "month", "location"}


def _paid_by_invoice(payments, group_by, filters):
    """Payments summed in the database per day, provider and authority, then keyed: a payment
    goes whole to its invoice's provider, authority and month (its shares add up to it)."""
    from django.db.models import Exists, OuterRef
    from django.db.models import Sum as Total

    rows = (payments.filter(Exists(InvoiceLine.objects.filter(invoice=OuterRef("invoice"))))
            .values("paid_on", "invoice__provider_id", "invoice__authority_id",
                    "invoice__provider__area", "invoice__authority__area")
            .annotate(amount=Total("amount")).order_by())
    sums = {}
    for row in rows:
        a, b = ((row["invoice__provider__area"] or "").strip().lower(),
                (row["invoice__authority__area"] or "").strip().lower())
        dims = {"provider": row["invoice__provider_id"],
                "authority": row["invoice__authority_id"],
                "location": "in_area" if a and a == b else "out_of_area"}
        if not _keep(dims, filters):
            continue
        day = row["paid_on"]
        key = _key(group_by, dims, day.year * 12 + day.month - 1)
        sums[key] = sums.get(key, 0) + _pennies(row["amount"])
    return sums


def _source_sql(sources, params):
    """Restrict lines (alias l) to some placements and blocks: {"placement": ids, "block": ids}
    (a placement's support lines are its own)."""
    parts = []
    for kind, clause in (("placement", "l.block_id IS NULL AND l.placement_id IN"),
                         ("block", "l.block_id IN")):
        ids = sorted({int(pk) for pk in sources.get(kind, ())})
        if ids:
            parts.append(f"({clause} ({', '.join(['%s'] * len(ids))}))")
            params.extend(ids)
    return "(" + " OR ".join(parts) + ")" if parts else "1 = 0"


def _paid_shared_sums(date_from, date_to, group_by, authority, filters, sources=None):
    """Pennies per grouping key with each payment shared among its invoice's lines in the
    database, by `_shares`'s rule: line i (in pk order) of weight w gets floor(P·w / W), and the
    pennies left go one each to the largest remainders (P·w mod W), the earlier line first on a
    tie. Filters (and `sources`) apply after sharing: a payment is shared among all its lines."""
    text, params = _paid_shared_sql(date_from, date_to, group_by, authority, filters, sources)
    return _summed(text, params, group_by)


def _paid_shared_sql(date_from, date_to, group_by, authority, filters, sources=None,
                     payments=None):
    """(the statement of `_paid_shared_sums`, params); of the payments `payments` (ids) only
    when given (the maintained sums add a payment's shares when it is recorded)."""
    from django.db import connection

    from contracts.models import BlockContract, Placement
    from dps.models import Organisation
    from reports.spend_sql import _Dialect

    sql = _Dialect(connection.vendor)
    month = sql.month_index("pm.paid_on")
    keys = ([month] if group_by == "month" else ["pm.paid_on", *_SUMMARY_SQL]
            if group_by == "summary" else _KEY_SQL[group_by] if group_by in _KEY_SQL
            else [_DIM_SQL[group_by]])
    dims = {name: expr for name, expr in _DIM_SQL.items()}
    select = [f"{k} AS k{i}" for i, k in enumerate(keys)]
    wanted = [f"{dims[name]} AS f_{name}" for name in filters]
    source = ["CASE WHEN l.block_id IS NOT NULL THEN 'block' ELSE 'placement' END AS s_kind",
              "COALESCE(l.block_id, l.placement_id) AS s_id"]
    weight = sql.pennies("l.amount")
    big = "bigint" if sql.pg else "INTEGER"
    params = [date_from, date_to]
    where = ["pm.paid_on >= %s", "pm.paid_on <= %s"]
    if payments is not None:
        where.append(f"pm.id IN ({', '.join(str(int(pk)) for pk in payments) or 'NULL'})")
    if authority is not None:
        where.append("i.authority_id = %s")
        params.append(authority.pk if hasattr(authority, "pk") else int(authority))
    if sources is not None:  # only the invoices with a line of these sources
        inner = []
        clause = _source_sql(sources, inner)
        where.append(f"pm.invoice_id IN (SELECT l.invoice_id FROM "
                     f"{InvoiceLine._meta.db_table} l WHERE {clause})")
        params += inner
    shared = (
        f"SELECT {', '.join([*select, *wanted, *source])}, pm.id AS pid, "
        f"{sql.pennies('pm.amount')} AS total, {weight} AS w, "
        # SUM of bigint is numeric on PostgreSQL: cast back, or the division is not integral.
        f"CAST(SUM({weight}) OVER (PARTITION BY pm.id) AS {big}) AS whole, "
        f"ROW_NUMBER() OVER (PARTITION BY pm.id ORDER BY l.id) AS pos "
        f"FROM {Payment._meta.db_table} pm "
        f"JOIN {Invoice._meta.db_table} i ON i.id = pm.invoice_id "
        f"JOIN {InvoiceLine._meta.db_table} l ON l.invoice_id = i.id "
        f"LEFT JOIN {Placement._meta.db_table} p ON p.id = l.placement_id "
        f"LEFT JOIN {BlockContract._meta.db_table} b ON b.id = l.block_id "
        f"JOIN {Organisation._meta.db_table} po ON po.id = i.provider_id "
        f"JOIN {Organisation._meta.db_table} ao ON ao.id = i.authority_id "
        f"WHERE {' AND '.join(where)}")
    based = (f"SELECT t.*, CASE WHEN t.whole > 0 THEN t.total * t.w / t.whole "
             f"WHEN t.pos = 1 THEN t.total ELSE 0 END AS base, "
             f"CASE WHEN t.whole > 0 THEN (t.total * t.w) %% t.whole ELSE 0 END AS rem "
             f"FROM ({shared}) t")
    ranked = (f"SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.pid ORDER BY r.rem DESC, r.pos) "
              f"AS rk, r.total - CAST(SUM(r.base) OVER (PARTITION BY r.pid) AS {big}) AS lft "
              f"FROM ({based}) r")
    outer = []
    for name, value in filters.items():
        outer.append(f"q.f_{name} = %s")
        params.append(value)
    if sources is not None:
        ids = {kind: sorted({int(pk) for pk in sources.get(kind, ())})
               for kind in ("placement", "block")}
        parts = [f"(q.s_kind = '{kind}' AND q.s_id IN ({', '.join(map(str, pks))}))"
                 for kind, pks in ids.items() if pks]
        outer.append("(" + " OR ".join(parts) + ")" if parts else "1 = 0")
    group = ", ".join(f"q.k{i}" for i in range(len(keys)))
    text = (f"SELECT {', '.join(f'q.k{i}' for i in range(len(keys)))}"
            f"{', ' if keys else ''}SUM(q.base + CASE WHEN q.rk <= q.lft THEN 1 ELSE 0 END) "
            f"FROM ({ranked}) q"
            + (f" WHERE {' AND '.join(outer)}" if outer else "")
            + (f" GROUP BY {group}" if keys else ""))
    return text, params


def paid_spend(*, date_from, date_to, group_by=None, authority=None, filters=None):
    _check(group_by)
    filters = _normalise_filters(filters, authority)
    return _report(date_from, date_to, group_by,
                   paid_sums(date_from, date_to, group_by, authority, filters), filters)


def paid_sums(date_from, date_to, group_by, authority, filters):
    """{raw key: pennies} of the paid basis (filters normalised): the maintained shares where
    they answer (ADR 0028), else whole payments where the grouping is the invoice's, else
    each payment shared among its lines."""
    from invoicing import summary

    if summary.serves(group_by, filters):
        return summary.paid(date_from, date_to, group_by, authority, filters)
    if group_by in _INVOICE_LEVEL and set(filters) <= _INVOICE_LEVEL:
        payments = _scope(Payment.objects.filter(paid_on__range=(date_from, date_to)),
                          authority, "invoice__")
        return _paid_by_invoice(payments, group_by, filters)
    return _paid_shared_sums(date_from, date_to, group_by, authority, filters)


def _summed(text, params, group_by):
    """{key: pennies} from a statement of group keys then a SUM (None: no line at all)."""
    from dps.replica import report_connection

    with report_connection().cursor() as cursor:
        cursor.execute(text, params)
        rows = cursor.fetchall()
    sums = {}
    for *key, pennies in rows:
        if pennies is None:
            continue  # SUM over nothing
        if group_by == "provider":
            key = (key[0], None)
        sums[tuple(key)] = sums.get(tuple(key), 0) + int(pennies)
    return sums
