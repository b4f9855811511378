"""The maintained reconciliation sums (ADR 0028): what the finance page reads instead of every
line and payment of the year.

- `InvoicedTo`: per placement, the last day on a live placement-fee line. Submissions and
  rejections change it; the late-placements list joins it (a hash join), not a probe of the
  lines per live placement.
- `InvoicedMonth`: the invoiced basis's pennies (basis.py's pieces: a counted line cut to a
  calendar month, the difference of two cumulative figures) per month, authority, lot,
  provider and placement or block, added when an invoice is approved (the one way into the
  counted states; nothing leaves them). A range reads its whole months here and its edge
  months live from the lines: every piece is rounded on its own, so the two add up to the
  line-by-line figure to the penny.
- `PaidDay`: each payment's shares of its invoice's lines (basis.py's largest remainder) per
  day and the same key, added when it is recorded: a range of days is read exactly.

The services call `lines_live`, `invoices_approved` and `payment_recorded` in their own
transaction. Until `manage.py rebuild_invoicing_summary` has run once there is no
`InvoicingSummaryState` row: every figure is computed live and the services keep nothing
(as the spend summary, ADR 0023). Bulk writes that bypass the services (seeds, benchmarks)
rebuild afterwards. tests/invoicing/test_summary.py proves table = the line-by-line rule.
"""

import contextlib
import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from invoicing import basis
from invoicing.models import (
    InvoicedMonth,
    InvoicedTo,
    InvoiceLine,
    InvoicingSummaryState,
    PaidDay,
)

# Months numbered as the spend summary numbers them (year × 12 + month − 1).
from reports.summary import _first, _idx, _last

MONTH = InvoicedMonth._meta.db_table
DAY = PaidDay._meta.db_table
TO = InvoicedTo._meta.db_table
LINE = InvoiceLine._meta.db_table
KEY = ("authority_id", "lot_id", "provider_id", "source", "source_id")
EVER = (dt.date(1900, 1, 1), dt.date(9999, 12, 31))
# The filters the sums can answer (route and location are not kept: those reports are live).
FILTERS = {"authority", "lot", "provider"}
GROUPINGS = {None, "month", "provider", "lot", "authority", "source"}

_LIVE = []  # set by `live_only()`: reads ignore the sums (benchmarks: before/after)


def built():
    if _LIVE:
        return False
    return InvoicingSummaryState.objects.exists()


@contextlib.contextmanager
def live_only():
    """Figures computed live while inside (the services still keep the sums)."""
    _LIVE.append(True)
    try:
        yield
    finally:
        _LIVE.pop()


def serves(group_by, filters):
    return group_by in GROUPINGS and set(filters) <= FILTERS and built()


def _keeping():
    """Whether the services keep the sums (built, whatever `live_only` says)."""
    return InvoicingSummaryState.objects.exists()


def _ids_sql(column, ids, params):
    ids = sorted({int(pk) for pk in ids})
    if connection.vendor == "postgresql":  # one array parameter, not thousands of literals
        params.append(ids)
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(map(str, ids)) or 'NULL'})"


# --- Writing ---------------------------------------------------------------------------------

def _add(table, period, text, params):
    """Add the rows (period, *KEY, pennies) of `text` into `table`, in key order (so two
    writers lock rows in the same order and do not deadlock)."""
    names = ", ".join((period, *KEY))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, amount) SELECT q.* FROM ({text}) q WHERE true "
            f"ORDER BY 1, 2, 3, 4, 5, 6 ON CONFLICT ({names}) "
            f"DO UPDATE SET amount = {table}.amount + excluded.amount", params)


def _fill_invoiced(invoice_ids=None):
    lines = InvoiceLine.objects.all()
    if invoice_ids is not None:
        lines = lines.filter(invoice_id__in=list(invoice_ids))
    else:
        lines = lines.filter(invoice__status__in=basis.COUNTED)
    from django.db.models import Max, Min

    span = lines.aggregate(a=Min("date_from"), b=Max("date_to"))
    if span["a"] is None:
        return
    text, params = basis._invoiced_sql(span["a"], span["b"], "summary", None, {},
                                       invoices=invoice_ids)
    _add(MONTH, "month", text, params)


def _fill_paid(payment_ids=None):
    text, params = basis._paid_shared_sql(*EVER, "summary", None, {}, payments=payment_ids)
    _add(DAY, "paid_on", text, params)


def _refresh_invoiced_to(placement_ids=None):
    """InvoicedTo of these placements (all when None) from their live placement-fee lines."""
    params, where = [], ""
    if placement_ids is not None:
        where = " AND " + _ids_sql("placement_id", placement_ids, params)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TO} WHERE 1 = 1{where}", params)
        cursor.execute(
            f"INSERT INTO {TO} (placement_id, invoiced_to) SELECT placement_id, MAX(date_to) "
            f"FROM {LINE} WHERE live = %s AND kind = %s{where} GROUP BY placement_id "
            f"ORDER BY placement_id", [True, InvoiceLine.Kind.PLACEMENT, *params])


def lines_live(placement_ids):
    """After invoice lines were stored (the placements are locked by the submission)."""
    if placement_ids and _keeping():
        _refresh_invoiced_to(placement_ids)


def lines_rejected(placement_ids):
    """After an invoice's lines stopped being live: the placements are locked first, as a
    submission locks them, so a submission at the same instant is waited for, not lost."""
    from contracts.models import Placement

    if placement_ids and _keeping():
        list(Placement.objects.select_for_update().filter(pk__in=sorted(placement_ids))
             .order_by("pk").values_list("pk", flat=True))
        _refresh_invoiced_to(placement_ids)


def invoices_approved(invoice_ids):
    """After invoices became counted (approved): their lines' pieces added per month."""
    if invoice_ids and _keeping():
        _fill_invoiced(invoice_ids)


def payment_recorded(payment_ids):
    if payment_ids and _keeping():
        _fill_paid(payment_ids)


@transaction.atomic
def rebuild_all():
    """Empty the sums and compute them again from every line and payment. Returns the row
    counts (invoiced-to, invoiced months, paid days)."""
    tables = (TO, MONTH, DAY)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the services' writers wait for the rebuild
            cursor.execute(f"LOCK TABLE {', '.join(tables)} IN EXCLUSIVE MODE")
            cursor.execute(f"TRUNCATE {MONTH}, {DAY}")
        else:
            for table in (MONTH, DAY):
                cursor.execute(f"DELETE FROM {table}")
        # Not TRUNCATE: its foreign key's checks may be pending in the caller's transaction.
        cursor.execute(f"DELETE FROM {TO}")
    InvoicingSummaryState.objects.all().delete()
    _refresh_invoiced_to()
    _fill_invoiced()
    _fill_paid()
    InvoicingSummaryState.objects.create(built_at=timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT COUNT(*) FROM {t}" for t in tables))
        return tuple(row[0] for row in cursor.fetchall())


# --- Reading ---------------------------------------------------------------------------------

def _where(filters, authority, sources, params):
    where = []
    if authority is not None:
        where.append("s.authority_id = %s")
        params.append(authority.pk if hasattr(authority, "pk") else int(authority))
    for name in ("authority", "lot", "provider"):
        if name in filters:
            where.append(f"s.{name}_id = %s")
            params.append(int(filters[name]))
    if sources is not None:
        parts = []
        for kind in ("placement", "block"):
            ids = sources.get(kind) or ()
            if ids:
                parts.append(f"(s.source = '{kind}' AND {_ids_sql('s.source_id', ids, params)})")
        where.append("(" + " OR ".join(parts) + ")" if parts else "1 = 0")
    return "".join(f" AND {w}" for w in where)


def _columns(group_by, period):
    if group_by is None:
        return []
    if group_by == "month":
        return [period]
    if group_by == "source":
        return ["s.source", "s.source_id"]
    return [f"s.{group_by}_id"]


def _merge(into, more):
    for key, pennies in more.items():
        into[key] = into.get(key, 0) + pennies
    return into


def _sum(table, period_sql, period_where, group_by, authority, filters, sources, params):
    cols = _columns(group_by, period_sql)
    where = _where(filters, authority, sources, params)
    text = (f"SELECT {''.join(c + ', ' for c in cols)}SUM(s.amount) FROM {table} s "
            f"WHERE {period_where}{where}"
            + (f" GROUP BY {', '.join(cols)}" if cols else ""))
    return basis._summed(text, params, group_by)


def invoiced(date_from, date_to, group_by, authority, filters, sources=None):
    """`basis._invoiced_sums`'s answer: the whole months from InvoicedMonth, the edges live."""
    first = _idx(date_from) if date_from.day == 1 else _idx(date_from) + 1
    last = _idx(date_to) if date_to == _last(_idx(date_to)) else _idx(date_to) - 1
    if first > last:
        return basis._invoiced_sums(date_from, date_to, group_by, authority, filters, sources)
    # The bounds as literals, so the planner reads the months by index.
    out = _sum(MONTH, "s.month", f"s.month BETWEEN {first} AND {last}", group_by, authority,
               filters, sources, [])
    edges = [(a, b) for a, b in ((date_from, _first(first) - dt.timedelta(days=1)),
                                 (_last(last) + dt.timedelta(days=1), date_to)) if a <= b]
    # InvoicedMonth holds every month a counted line touches: an edge month with no row has
    # no line to cut (the month to date, usually), and its statement (10-15 ms to plan) is
    # not sent.
    touched = _touched([_idx(a) for a, _b in edges], authority) if edges else set()
    for a, b in edges:
        if _idx(a) in touched:
            _merge(out, basis._invoiced_sums(a, b, group_by, authority, filters, sources))
    return out


def _touched(months, authority):
    """Those of `months` with an InvoicedMonth row (of the authority)."""
    params = []
    where = _where({}, authority, None, params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT s.month FROM {MONTH} s WHERE s.month IN "
                       f"({', '.join(str(int(m)) for m in months)}){where}", params)
        return {row[0] for row in cursor.fetchall()}


def paid(date_from, date_to, group_by, authority, filters, sources=None):
    """`basis._paid_shared_sums`'s answer, from PaidDay."""
    from reports.spend_sql import _Dialect

    month = _Dialect(connection.vendor).month_index("s.paid_on")
    return _sum(DAY, month, "s.paid_on >= %s AND s.paid_on <= %s", group_by, authority,
                filters, sources, [date_from, date_to])
