"""A draft invoice: every day a provider has provided and not yet invoiced, at the expected
amount, so a small provider's invoice is one click (the portal's "create invoice").

For one provider and one council: each approved placement's fee (not a block placement's: its
block is invoiced), each support item, each block, from its first live day to its last or
today, less the days on live invoice lines, one line per gap between them. Lines that accrue
nothing (no fee period over those days) are left out: an invoice line asks for more than 0.00.
"""

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from contracts.models import Approval, BlockContract, Placement, SupportItem
from dps.models import Organisation
from invoicing.models import InvoiceLine
from invoicing.submission import Line
from reports.accruals import Span, expected_amounts

ONE_DAY = dt.timedelta(days=1)


def _gaps(first, last, taken):
    """The days of first..last not in any of the `taken` (from, to) ranges."""
    out, day = [], first
    for a, b in sorted(taken):
        if b < day:
            continue
        if a > last:
            break
        if a > day:
            out.append((day, min(a - ONE_DAY, last)))
        day = max(day, b + ONE_DAY)
        if day > last:
            break
    if day <= last:
        out.append((day, last))
    return out


def _targets(provider, authority, today):
    """[(kind, placement id, support item id, block id, first day, last day)]."""
    placements = Placement.objects.filter(
        provider=provider, authority=authority, approval=Approval.APPROVED,
        start_date__lte=today).exclude(route=Placement.Route.BLOCK)
    out = []
    for pk, start, end in placements.order_by("start_date", "pk").values_list(
            "pk", "start_date", "end_date"):
        out.append(("placement", pk, None, None, start, min(end or today, today)))
    items = SupportItem.objects.filter(
        placement__provider=provider, placement__authority=authority,
        placement__approval=Approval.APPROVED, start_date__lte=today,
        placement__start_date__lte=today)
    for pk, placement_id, start, end, p_start, p_end in items.order_by(
            "placement_id", "start_date", "pk").values_list(
            "pk", "placement_id", "start_date", "end_date", "placement__start_date",
            "placement__end_date"):
        ends = [d for d in (end, p_end, today) if d]
        out.append(("support", placement_id, pk, None, max(start, p_start), min(ends)))
    blocks = BlockContract.objects.filter(provider=provider, authority=authority,
                                          approval=Approval.APPROVED, start_date__lte=today)
    for pk, start, end in blocks.order_by("start_date", "pk").values_list(
            "pk", "start_date", "end_date"):
        out.append(("block", None, None, pk, start, min(end, today)))
    return [t for t in out if t[4] <= t[5]]


def _taken(provider, authority):
    """{(kind, id): [(from, to)]} of the live lines on the provider's invoices to `authority`."""
    rows = InvoiceLine.objects.filter(live=True, invoice__provider=provider,
                                      invoice__authority=authority).values_list(
        "kind", "placement_id", "support_item_id", "block_id", "date_from", "date_to")
    taken = {}
    for kind, placement_id, item_id, block_id, date_from, date_to in rows:
        key = {"support": ("support", item_id), "block": ("block", block_id)}.get(
            kind, ("placement", placement_id))
        taken.setdefault(key, []).append((date_from, date_to))
    return taken


def draft_lines(provider, authority, *, today=None):
    """[Line] with `amount` = `expected`: the uninvoiced days of every approved purchase of
    `authority` from `provider`, through `today` (Europe/London)."""
    today = today or timezone.localdate()
    taken = _taken(provider, authority)
    lines = []
    for kind, placement_id, item_id, block_id, first, last in _targets(provider, authority,
                                                                       today):
        key = {"support": ("support", item_id), "block": ("block", block_id)}.get(
            kind, ("placement", placement_id))
        for a, b in _gaps(first, last, taken.get(key, [])):
            lines.append(Line(kind, placement_id, item_id, block_id, a, b, amount=None,
                              authority_id=authority.pk))
    amounts = expected_amounts([Span(*ln.target, ln.date_from, ln.date_to) for ln in lines])
    out = []
    for line, amount in zip(lines, amounts, strict=True):
        if amount > 0:
            line.amount = line.expected = amount
            out.append(line)
    return out


def authorities_to_invoice(provider, *, today=None):
    """The councils holding an approved placement or block of `provider` started by today."""
    today = today or timezone.localdate()
    placed = Placement.objects.filter(provider=provider, approval=Approval.APPROVED,
                                      start_date__lte=today).values("authority_id")
    blocks = BlockContract.objects.filter(provider=provider, approval=Approval.APPROVED,
                                          start_date__lte=today).values("authority_id")
    return Organisation.objects.filter(Q(pk__in=placed) | Q(pk__in=blocks)).order_by("name")
