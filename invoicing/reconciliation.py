"""Reconciliation: what was accrued to today, against what was invoiced and what was paid, and
the lists that need chasing.

Per authority, lot, provider, placement (or block) or month, over the financial year to today
(never a day after it: those are commitments, reports/commitments.py): accrued (reports.spend),
invoiced and paid (invoicing/basis.py), each to the penny by the same piece rules.

Chasing:
- placements whose past days are not invoiced 30 days on: live in the year, and the last day on
  a live placement-fee line (its `invoiced to`) is before the placement's last day up to 30 days
  ago (gaps inside the invoiced span are not looked for);
- invoices awaiting a decision (vouched or queried) for more than 10 working days since
  received (dps/workdays.py: England and Wales bank holidays excluded);
- overpayments: invoices whose payments add up to more than their approved total (the services
  refuse one; an adjustment in the ledger or a reversed approval can still leave one).

Per placement or block the rows come a page at a time, in an order kept in the URL
(invoicing/reconciliation_sources.py); the total row is then the per-authority total.

A fixed number of queries whatever the data (tests/invoicing/test_reconciliation.py guards it);
each chasing list is its `LIST_LIMIT` longest-waiting rows and a count.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Least

from contracts.models import Approval, Placement
from dps.workdays import add_working_days
from invoicing.basis import invoiced_spend, invoiced_sums, paid_spend, paid_sums
from invoicing.models import Invoice, InvoiceLine, Payment
from invoicing.reconciliation_sources import source_page
from reports.spend import _normalise_filters, aggregate, financial_year_end, label_rows

GROUPINGS = {"provider": "Provider", "lot": "Lot", "placement": "Placement or block",
             "month": "Month", "authority": "Authority"}
INVOICE_AFTER_DAYS = 30
DECIDE_WITHIN_WORKING_DAYS = 10
# Each chasing list shows its longest-waiting rows and a count of all.
LIST_LIMIT = 50
# Per placement: a council has thousands in a year, so the rows come a page at a time.
PLACEMENT_PAGE_SIZE = 50
ZERO = Decimal("0.00")


@dataclass
class Row:
    key: object
    label: str
    accrued: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO
    provider_name: str = ""  # per placement: its provider, a column of its own

    @property
    def not_invoiced(self):
        return self.accrued - self.invoiced

    @property
    def unpaid(self):
        return self.invoiced - self.paid


@dataclass
class Reconciliation:
    date_from: dt.date
    date_to: dt.date
    group_by: str
    rows: list
    totals: Row
    count: int = 0  # rows in all (per placement: on every page)
    page: object = None  # per placement: the Django Page of row numbers shown
    late_placements: list = field(default_factory=list)
    late_count: int = 0
    awaiting: list = field(default_factory=list)
    awaiting_count: int = 0
    overpaid: list = field(default_factory=list)
    overpaid_count: int = 0


def _by_source(date_from, date_to, authority):
    """Accrued pennies per (source, id), from the spend engine's pieces."""
    data = aggregate(date_from=date_from, date_to=date_to, dims=("source",),
                     authority=authority, voids=False)
    out = {}
    for key, (pennies, _days, _voids) in data.items():
        out[(key[0], key[1])] = out.get((key[0], key[1]), 0) + pennies
    return {k: _money(v) for k, v in out.items()}


def _money(pennies):
    return (Decimal(int(pennies)) / 100).quantize(Decimal("0.01"))


def _accrued(date_from, date_to, group_by, authority):
    """[(key, label, sort key, amount)] of the accrued column: the engine (on the maintained
    summary when built) without the void bed-days, which the page does not show."""
    data = aggregate(date_from=date_from, date_to=date_to, dims=(group_by,) if group_by else (),
                     authority=authority, voids=False)
    labels = label_rows(group_by, list(data))
    return [(*labels[k], _money(v[0])) for k, v in data.items()]


def _rows(date_from, date_to, group_by, authority):
    """The three columns' raw sums, labelled once for all their keys (one lookup of names)."""
    accrued = aggregate(date_from=date_from, date_to=date_to, dims=(group_by,),
                        authority=authority, voids=False)
    filters = _normalise_filters(None, authority)
    invoiced = invoiced_sums(date_from, date_to, group_by, authority, filters)
    paid = paid_sums(date_from, date_to, group_by, authority, filters)
    labels = label_rows(group_by, list({*accrued, *invoiced, *paid}))
    rows = {}
    for raw, (key, label, _position) in labels.items():
        row = rows.setdefault(key, Row(key, label))  # unlisted spot providers share the key
        row.accrued += _money(accrued[raw][0]) if raw in accrued else ZERO
        row.invoiced += _money(invoiced.get(raw, 0))
        row.paid += _money(paid.get(raw, 0))
    if group_by == "month":
        return [rows[k] for k in sorted(rows)]
    return sorted(rows.values(), key=lambda r: r.label.lower())


def _totals(date_from, date_to, authority):
    """The total row, from the coarsest sums (every grouping's rows add up to it)."""
    accrued = sum((a for *_k, a in _accrued(date_from, date_to, None, authority)), ZERO)
    invoiced = invoiced_spend(date_from=date_from, date_to=date_to, authority=authority).total
    paid = paid_spend(date_from=date_from, date_to=date_to, authority=authority).total
    return Row("total", "Total", accrued=accrued, invoiced=invoiced, paid=paid)


def _scoped(queryset, authority):
    return queryset if authority is None else queryset.filter(authority=authority)


def late_placements(*, authority, today, year_start, limit=LIST_LIMIT):
    """(the `limit` longest-waiting late placements, how many there are), in the database: a
    council with thousands of them reads the oldest first and the count, not a page of all."""
    cutoff = today - dt.timedelta(days=INVOICE_AFTER_DAYS)
    placements = _scoped(Placement.objects.filter(
        approval=Approval.APPROVED, start_date__lte=cutoff).exclude(route="block")
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=year_start)), authority)
    due_to = Least(Coalesce(F("end_date"), Value(cutoff)), Value(cutoff),
                   output_field=DateField())
    # Late when no live placement line reaches its due day: one NOT EXISTS probe of the partial
    # index per placement (a subquery compared twice, IS NULL and <, was two). The invoiced-to
    # day (the last live line: lines of a placement never overlap, so the latest start ends
    # latest) only for the late ones; the count of all in the same statement.
    from invoicing import summary

    if summary.built():  # the maintained last days (ADR 0028): a join, not a probe each
        return _late_from_kept(placements.annotate(due_to=due_to), limit)
    covered = InvoiceLine.objects.filter(placement=OuterRef("pk"), live=True,
                                         kind=InvoiceLine.Kind.PLACEMENT,
                                         date_to__gte=OuterRef("due_to"))
    last = (InvoiceLine.objects.filter(placement=OuterRef("pk"), live=True,
                                       kind=InvoiceLine.Kind.PLACEMENT)
            .order_by("-date_from").values("date_to")[:1])
    placements = placements.annotate(due_to=due_to).filter(~Exists(covered)).annotate(
        invoiced_to=Subquery(last), late_count=Window(Count("pk")))
    return _listed_late(placements, limit)


def _late_from_kept(placements, limit):
    """The late ones by InvoicedTo: the ids, days and count in one narrow statement, then the
    page's placements by id. Ordered by an expression, not the start_date column: with that
    index's order on offer the planner walked every placement started before the cutoff (all
    councils', 197,000 at regional scale) instead of the council's live ones (14,800)."""
    rows = list(placements.filter(
        Q(invoiced_to_row__isnull=True) | Q(invoiced_to_row__invoiced_to__lt=F("due_to")))
        .annotate(invoiced_to=F("invoiced_to_row__invoiced_to"), late_count=Window(Count("pk")),
                  started=Coalesce(F("start_date"), Value(dt.date.max)))
        .order_by("started", "pk").values_list("pk", "invoiced_to", "due_to", "late_count")
        [:limit])
    found = Placement.objects.select_related("authority").in_bulk([r[0] for r in rows])
    out = []
    for pk, invoiced_to, due, _n in rows:
        placement = found[pk]
        placement.not_invoiced_from = (invoiced_to + dt.timedelta(days=1) if invoiced_to
                                       else placement.start_date)
        placement.not_invoiced_to = due
        out.append(placement)
    return out, (rows[0][3] if rows else 0)


def _listed_late(placements, limit):
    out = list(placements.select_related("authority").order_by("start_date", "pk")[:limit])
    for placement in out:
        placement.not_invoiced_from = (placement.invoiced_to + dt.timedelta(days=1)
                                       if placement.invoiced_to else placement.start_date)
        placement.not_invoiced_to = placement.due_to
    return out, (out[0].late_count if out else 0)


def _latest_late_receipt(today):
    """The last day an invoice could have been received and still be past its decision date
    today (working days are monotonic, so every earlier receipt is late too)."""
    day = today - dt.timedelta(days=DECIDE_WITHIN_WORKING_DAYS)
    while add_working_days(day, DECIDE_WITHIN_WORKING_DAYS) >= today:
        day -= dt.timedelta(days=1)
    return day


def awaiting_decision(*, authority, today, limit=LIST_LIMIT):
    """(the `limit` longest-waiting invoices past their decision date, how many there are)."""
    waiting = _scoped(Invoice.objects.filter(
        status__in=[Invoice.Status.VOUCHED, Invoice.Status.QUERY],
        received_on__lte=_latest_late_receipt(today)), authority)
    out = list(waiting.select_related("provider").order_by("received_on", "pk")[:limit])
    for invoice in out:
        invoice.decide_by = add_working_days(invoice.received_on, DECIDE_WITHIN_WORKING_DAYS)
    return out, (len(out) if len(out) < limit else waiting.count())


def overpaid(*, authority, limit=LIST_LIMIT):
    """(the first `limit` overpaid invoices, how many there are)."""
    paid = Subquery(Payment.objects.filter(invoice=OuterRef("pk")).values("invoice")
                    .annotate(total=Sum("amount")).values("total"),
                    output_field=DecimalField(max_digits=14, decimal_places=2))
    over = (_scoped(Invoice.objects.annotate(paid_total=Coalesce(paid, ZERO)), authority)
            .filter(paid_total__gt=Coalesce(F("approved_total"), F("total"))))
    out = list(over.select_related("provider").order_by("pk")[:limit])
    return out, (len(out) if len(out) < limit else over.count())


def reconcile(*, authority, group_by="provider", today, date_from=None, sort="placement",
              descending=False, page=1, per_page=None):
    """The reconciliation the page shows. Per placement or block, one page of `per_page` rows
    in the `sort` order (PLACEMENT_SORTS), with `page` the page number and `count` all rows."""
    if group_by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {group_by!r}.")
    year_end = financial_year_end(today)
    year_start = dt.date(year_end.year - 1, 4, 1)
    date_from = date_from or year_start
    if group_by == "placement":
        totals = _totals(date_from, today, authority)
        rows, count, page = source_page(date_from, today, authority, sort=sort,
                                        descending=descending, page=page,
                                        per_page=per_page or PLACEMENT_PAGE_SIZE)
    else:
        rows = _rows(date_from, today, group_by, authority)
        count, page = len(rows), None
        totals = Row("total", "Total",
                     accrued=sum((r.accrued for r in rows), ZERO),
                     invoiced=sum((r.invoiced for r in rows), ZERO),
                     paid=sum((r.paid for r in rows), ZERO))
    late, late_count = late_placements(authority=authority, today=today, year_start=year_start)
    awaiting, awaiting_count = awaiting_decision(authority=authority, today=today)
    over, over_count = overpaid(authority=authority)
    return Reconciliation(
        date_from=date_from, date_to=today, group_by=group_by, rows=rows, totals=totals,
        count=count, page=page, late_placements=late, late_count=late_count,
        awaiting=awaiting, awaiting_count=awaiting_count, overpaid=over,
        overpaid_count=over_count)
