"""The reconciliation per placement or block, a page at a time.

A council has thousands of placements live in a year (14,611 at regional scale): a finance
officer reads them a page at a time, in an order kept in the URL. The rows are every approved
placement (its fee or support items) and block live in the range, and any other with a
counted invoice line on its days or a payment in the range, so no pennies are missed.

In the default orders (by placement or block, by provider) the page's rows are chosen in the
database first and only their figures computed: the live engine restricted to those sources
(`reports.spend._live`, the same pieces and pennies as the summary), their invoiced lines and
their payments' shares (invoicing/basis.py) — a fixed number of statements whatever the size.
An order by an amount: with the maintained summaries built, every row's sums in one statement
and only the page's rows back (invoicing/reconciliation_sorted.py, ADR 0028); without them,
every row's figures computed here, then sorted.
"""

from django.core.paginator import Paginator

from contracts.models import Approval, BlockContract, Placement, SupportItem
from dps.models import Organisation
from dps.replica import report_connection
from invoicing.basis import COUNTED, _invoiced_sums, _paid_shared_sums
from invoicing.models import Invoice, InvoiceLine, Payment
from reports.spend import _live, _normalise_filters

SORTS = ("placement", "provider", "accrued", "invoiced", "paid", "not_invoiced")
_ORDER = {"placement": "u.kind {d}, u.id {d}",
          "provider": "LOWER(COALESCE(p.provider_name, bo.name, '')) {d}, u.kind {d}, u.id {d}"}


def _authority_id(authority):
    if authority is None:
        return None
    return authority.pk if hasattr(authority, "pk") else int(authority)


def _sources_sql(date_from, date_to, authority):
    """(SQL of the distinct (kind, id) rows of the range, params)."""
    approved = Approval.APPROVED.value
    pid = _authority_id(authority)
    by = (lambda col: f" AND {col} = %s") if pid is not None else (lambda col: "")
    parts, params = [], []

    def add(text, *values):
        parts.append(text)
        params.extend(values)
        if pid is not None:
            params.append(pid)

    add(f"SELECT 'placement' AS kind, p.id AS id FROM {Placement._meta.db_table} p "
        f"WHERE p.approval = %s AND p.start_date <= %s "
        f"AND (p.end_date IS NULL OR p.end_date >= %s) AND (p.route <> 'block' OR EXISTS ("
        f"SELECT 1 FROM {SupportItem._meta.db_table} si WHERE si.placement_id = p.id "
        f"AND si.start_date <= %s AND si.end_date >= %s)){by('p.authority_id')}",
        approved, date_to, date_from, date_to, date_from)
    add(f"SELECT 'block', b.id FROM {BlockContract._meta.db_table} b WHERE b.approval = %s "
        f"AND b.start_date <= %s AND b.end_date >= %s{by('b.authority_id')}",
        approved, date_to, date_from)
    source = ("CASE WHEN l.block_id IS NOT NULL THEN 'block' ELSE 'placement' END, "
              "COALESCE(l.block_id, l.placement_id)")
    add(f"SELECT {source} FROM {InvoiceLine._meta.db_table} l "
        f"JOIN {Invoice._meta.db_table} i ON i.id = l.invoice_id WHERE i.status IN (%s, %s) "
        f"AND l.date_from <= %s AND l.date_to >= %s{by('i.authority_id')}",
        *COUNTED, date_to, date_from)
    add(f"SELECT {source} FROM {Payment._meta.db_table} pm "
        f"JOIN {Invoice._meta.db_table} i ON i.id = pm.invoice_id "
        f"JOIN {InvoiceLine._meta.db_table} l ON l.invoice_id = i.id "
        f"WHERE pm.paid_on >= %s AND pm.paid_on <= %s{by('i.authority_id')}",
        date_from, date_to)
    return " UNION ".join(parts), params


def _listed(date_from, date_to, authority, order=None, limit=None, offset=0):
    """[(kind, id, provider name, rows in all)] of the range's rows, in `order` (all when no
    limit): the count in the same statement, so a page scans the placements once. In the
    placement order the page is cut before the providers' names are joined."""
    text, params = _sources_sql(date_from, date_to, authority)
    names = (f"LEFT JOIN {Placement._meta.db_table} p ON u.kind = 'placement' AND p.id = u.id "
             f"LEFT JOIN {BlockContract._meta.db_table} b ON u.kind = 'block' AND b.id = u.id "
             f"LEFT JOIN {Organisation._meta.db_table} bo ON bo.id = b.provider_id")
    cut = f" LIMIT {int(limit)} OFFSET {int(offset)}" if limit is not None else ""
    if order and "provider_name" not in order:
        sql = (f"SELECT u.kind, u.id, COALESCE(p.provider_name, bo.name, ''), u.n FROM ("
               f"SELECT s.kind, s.id, COUNT(*) OVER () AS n FROM ({text}) s "
               f"ORDER BY {order.replace('u.', 's.')}{cut}) u {names} ORDER BY {order}")
    else:
        sql = (f"SELECT u.kind, u.id, COALESCE(p.provider_name, bo.name, ''), COUNT(*) OVER () "
               f"FROM ({text}) u {names}" + (f" ORDER BY {order}" if order else "") + cut)
    with report_connection().cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _count(date_from, date_to, authority):
    text, params = _sources_sql(date_from, date_to, authority)
    with report_connection().cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({text}) u", params)
        return cursor.fetchone()[0]


def _figures(date_from, date_to, authority, sources):
    """{(kind, id): (accrued, invoiced, paid) pennies} for the sources named, or all (None)."""
    filters = _normalise_filters(None, authority)
    out = {}

    def put(key, i, pennies):
        out.setdefault(key, [0, 0, 0])[i] += int(pennies)

    if sources is None:
        from invoicing.reconciliation import _by_source

        for key, amount in _by_source(date_from, date_to, authority).items():
            put(key, 0, amount * 100)
    elif sources.get("placement") or sources.get("block"):
        for key, (pennies, _d, _v) in _live(date_from, date_to, ("source",), filters, None,
                                           False, sources).items():
            put((key[0], key[1]), 0, pennies)
    else:
        return out
    from invoicing import summary

    engines = ((1, summary.invoiced), (2, summary.paid)) if summary.built() else (
        (1, _invoiced_sums), (2, _paid_shared_sums))
    for i, compute in engines:
        for key, pennies in compute(date_from, date_to, "source", authority,
                                    {k: v for k, v in filters.items() if k != "authority"},
                                    sources=sources).items():
            put(tuple(key), i, pennies)
    return out


def _label(kind, pk, name):
    return f"{'Placement' if kind == 'placement' else 'Block'} {pk} with {name}"


def source_page(date_from, date_to, authority, *, sort="placement", descending=False, page=1,
                per_page=50):
    """([Row] of one page, rows in all, the Django Page of row numbers)."""
    from invoicing.reconciliation import Row, _money

    sort = sort if sort in SORTS else "placement"
    order = _ORDER.get(sort, _ORDER["placement"]).format(d="DESC" if descending else "ASC")
    try:
        number = max(1, int(page))
    except (TypeError, ValueError):
        number = 1
    if sort in _ORDER:  # the page's rows first, their figures only
        def listing(offset):
            return _listed(date_from, date_to, authority, order, limit=per_page, offset=offset)
    else:  # an amount: every row's sums in one statement when the summaries are built
        from invoicing.reconciliation_sorted import sorted_listing

        text, params = _sources_sql(date_from, date_to, authority)

        def listing(offset):
            return sorted_listing(text, params, date_from, date_to, authority, sort,
                                  descending, per_page, offset)
    listed = listing((number - 1) * per_page)
    paged = listed is not None  # else: the summaries are not built, every row computed here
    if paged:
        count = listed[0][3] if listed else None
        if count is None and number > 1:  # past the last page: the count, then the last page
            count = _count(date_from, date_to, authority)
            number = max(1, -(-count // per_page))
            listed = listing((number - 1) * per_page)
        sources = {"placement": [r[1] for r in listed if r[0] == "placement"],
                   "block": [r[1] for r in listed if r[0] == "block"]}
        figures = _figures(date_from, date_to, authority, sources)
    else:
        listed = _listed(date_from, date_to, authority, order)
        count = len(listed)
        figures = _figures(date_from, date_to, authority, None)
    pages = Paginator(range(count or 0), per_page)
    shown = pages.get_page(number)
    shown.links = list(pages.get_elided_page_range(shown.number, on_each_side=1, on_ends=1))
    rows = []
    for kind, pk, name, _count_all in listed:
        accrued, invoiced, paid = figures.get((kind, pk), (0, 0, 0))
        rows.append(Row((kind, pk), _label(kind, pk, name), accrued=_money(accrued),
                        invoiced=_money(invoiced), paid=_money(paid), provider_name=name))
    if not paged:
        rows.sort(key=lambda r: (getattr(r, sort), r.key), reverse=descending)
        start = shown.start_index() - 1 if pages.count else 0
        rows = rows[start:start + per_page]
    return rows, pages.count, shown
