"""Many invoices at once, all or none: a file of invoices, or a month's invoices of a region
(bench/invoicing_vouch.py), with the checks and vouching of `submit_invoice` done set-wise.

`submit_invoice` costs about a dozen statements an invoice whatever its size (ADR 0018); a
month's 9,000 invoices one by one is 100,000 round trips. Here the statements are per batch:
one fetch of the placements, support items and blocks, one lock of them (in id order, as
`submit_invoice` takes them, so a batch and a single submission queue rather than deadlock),
one duplicate-reference query, one already-invoiced query, one vouching statement for every
line (reports.accruals), and bulk inserts of the invoices, their lines and the audit entries.
The rules and refusals are those of `submit_invoice`, line for line; a refusal carries
`invoice_index`, the position of the invoice it names, and its `lines.N.field` keys.
"""

from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from dps import audit
from dps.bulk import any_of, insert_rows
from dps.errors import DomainError
from invoicing import summary
from invoicing.models import Invoice, InvoiceLine
from invoicing.submission import (
    _already,
    _check_days,
    _clean_reference,
    _duplicate,
    _fetch,
    _lock,
    _overlaps,
    _resolve,
    clean_lines,
)
from reports.accruals import expected_amounts

MAX_INVOICES = 20000


def _at(index, exc):
    exc.invoice_index = index
    return exc


def _check_not_invoiced(batch):
    """409 `already_invoiced` for a day on a live line of the same target, or twice within
    the batch (in one invoice or two), naming the later line."""
    by_target = {}
    for i, (_provider, _reference, lines) in enumerate(batch):
        for index, line in enumerate(lines):
            for (other_i, other_index), other in by_target.get(line.target, []):
                if _overlaps(line, other):
                    detail = (f"Lines {other_index + 1} and {index + 1} invoice the same day."
                              if other_i == i else None)
                    raise _at(i, _already(index, detail))
            by_target.setdefault(line.target, []).append(((i, index), line))
    ids = {"placement": set(), "support": set(), "block": set()}
    first = min(ln.date_from for group in by_target.values() for _k, ln in group)
    last = max(ln.date_to for group in by_target.values() for _k, ln in group)
    for kind, pk in by_target:
        ids[kind].add(pk)
    # A superset (every live line of these targets touching the batch's days), sifted below:
    # three IN lists instead of an OR per target.
    where = Q(pk__in=[])
    if ids["placement"]:
        where |= Q(kind="placement", placement_id__in=any_of(ids["placement"]))
    if ids["support"]:
        where |= Q(support_item_id__in=any_of(ids["support"]))
    if ids["block"]:
        where |= Q(block_id__in=any_of(ids["block"]))
    existing = InvoiceLine.objects.filter(
        where, live=True, date_from__lte=last, date_to__gte=first).values_list(
        "kind", "placement_id", "support_item_id", "block_id", "date_from", "date_to")
    for kind, placement_id, item_id, block_id, date_from, date_to in existing.iterator():
        target = {"support": ("support", item_id), "block": ("block", block_id)}.get(
            kind, ("placement", placement_id))
        for (i, index), line in by_target.get(target, []):
            if line.date_from <= date_to and date_from <= line.date_to:
                raise _at(i, _already(index))


_INVOICE_FIELDS = ("id", "provider", "authority", "reference", "status", "received_on", "total",
                   "expected_total", "submitted_by", "submitted_at", "channel", "decided_by",
                   "decided_at", "reason", "approved_total", "paid_on", "exported_at",
                   "export_batch")


def _store_invoices(invoices):
    """Write the (unsaved) invoices and set their ids. On PostgreSQL the ids come from the
    table's sequence and the rows go by COPY: bulk_create prepares every field of a month's
    9,000 instances through the ORM (8 s of the batch, profiled)."""
    if connection.vendor != "postgresql":
        Invoice.objects.bulk_create(invoices, batch_size=1000)
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [Invoice._meta.db_table, len(invoices)])
        ids = [row[0] for row in cursor.fetchall()]
    now = timezone.now()
    for invoice, pk in zip(invoices, ids, strict=True):
        invoice.pk, invoice.submitted_at = pk, now
        invoice._state.adding, invoice._state.db = False, connection.alias
    insert_rows(Invoice, _INVOICE_FIELDS, [
        (inv.pk, inv.provider_id, inv.authority_id, inv.reference, inv.status, inv.received_on,
         inv.total, inv.expected_total, inv.submitted_by_id, now, inv.channel, None, None, "",
         None, None, None, "") for inv in invoices])


def _insert_lines(rows):
    """The lines as plain rows (COPY on PostgreSQL): the rows bulk_create would write, without
    building a model instance per line (a month is 36,000 of them)."""
    insert_rows(InvoiceLine, ("invoice", "kind", "placement", "support_item", "block",
                              "date_from", "date_to", "amount", "expected", "live"),
                [(pk, ln.kind, ln.placement_id, ln.support_item_id, ln.block_id, ln.date_from,
                  ln.date_to, ln.amount, ln.expected, True) for pk, ln in rows])


@transaction.atomic
def submit_invoices(batch, *, by, channel="upload", today=None):
    """[(provider, reference, [line])] → [Invoice] in the batch's order, every one stored or
    none. Refusals are `submit_invoice`'s, with `invoice_index` set."""
    today = today or timezone.localdate()
    if not batch or len(batch) > MAX_INVOICES:
        raise DomainError(f"A batch has 1 to {MAX_INVOICES} invoices.", code="invalid",
                          fields={"invoices": [f"1 to {MAX_INVOICES} invoices."]})
    cleaned, seen = [], set()
    for i, (provider, reference, lines) in enumerate(batch):
        try:
            reference = _clean_reference(reference)
            lines = clean_lines(lines)
        except DomainError as exc:
            raise _at(i, exc) from None
        if (provider.pk, reference) in seen:
            raise _at(i, _duplicate(reference))
        seen.add((provider.pk, reference))
        cleaned.append((provider, reference, lines))
    every = [ln for _p, _r, lines in cleaned for ln in lines]
    fetched = _fetch(every, {p.pk for p, _r, _l in cleaned})
    authorities = []
    for i, (provider, _reference, lines) in enumerate(cleaned):
        try:
            authorities.append(_check_days(lines, _resolve(provider, lines, fetched), today))
        except DomainError as exc:
            raise _at(i, exc) from None
    _lock(every)
    taken = set(Invoice.objects.filter(
        provider__in={p.pk for p, _r, _l in cleaned},
        reference__in={r for _p, r, _l in cleaned}).values_list("provider_id", "reference"))
    for i, (provider, reference, _lines) in enumerate(cleaned):
        if (provider.pk, reference) in taken:
            raise _at(i, _duplicate(reference))
    _check_not_invoiced(cleaned)
    for line, expected in zip(every, expected_amounts([ln.span() for ln in every]),
                              strict=True):
        line.expected = expected
    submitter = by if getattr(by, "is_authenticated", False) else None
    invoices = []
    for (provider, reference, lines), authority_id in zip(cleaned, authorities, strict=True):
        total = sum((ln.amount for ln in lines), Decimal("0.00"))
        expected_total = sum((ln.expected for ln in lines), Decimal("0.00"))
        vouched = all(ln.amount == ln.expected for ln in lines)
        invoices.append(Invoice(
            provider=provider, authority_id=authority_id, reference=reference,
            status=Invoice.Status.VOUCHED if vouched else Invoice.Status.QUERY,
            received_on=today, total=total, expected_total=expected_total,
            submitted_by=submitter, channel=channel))
    try:
        with transaction.atomic():
            _store_invoices(invoices)
    except IntegrityError:  # a reference sent at the same instant by another request
        taken = set(Invoice.objects.filter(
            provider__in={p.pk for p, _r, _l in cleaned},
            reference__in={r for _p, r, _l in cleaned}).values_list("provider_id",
                                                                    "reference"))
        for i, (provider, reference, _lines) in enumerate(cleaned):
            if (provider.pk, reference) in taken:
                raise _at(i, _duplicate(reference)) from None
        raise
    _insert_lines([(invoice.pk, ln) for invoice, (_p, _r, lines) in zip(
        invoices, cleaned, strict=True) for ln in lines])
    summary.lines_live({ln.placement_id for ln in every if ln.kind == InvoiceLine.Kind.PLACEMENT})
    counts = {id(inv): len(lines) for inv, (_p, _r, lines) in zip(invoices, cleaned,
                                                                   strict=True)}
    audit.record_many(invoices, "invoice_submitted", by=by, to_state_of=lambda inv: inv.status,
                      data_of=lambda inv: {
                          "reference": inv.reference, "channel": channel,
                          "lines": counts[id(inv)], "total": str(inv.total),
                          "expected_total": str(inv.expected_total)})
    return invoices
