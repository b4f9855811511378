"""A provider submits an invoice: each line checked, vouched against the spend engine, stored
whole or not at all (API.md v1.1, ADR 0018).

Lines arrive as dicts {kind, placement, support_item, block, date_from, date_to, amount} (the API
serializer and the CSV upload make them). Refusals name the line, as `lines.N.field`.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from contracts.models import BlockContract, Placement, SupportItem
from dps import audit
from dps.bulk import any_of
from dps.errors import Conflict, RuleViolation
from invoicing import summary
from invoicing.models import Invoice, InvoiceLine
from reports.accruals import Span, expected_amounts

KINDS = tuple(InvoiceLine.Kind.values)
KIND_CHOICES = InvoiceLine.Kind.choices
MAX_LINES = 5000
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass
class Line:
    """One checked line: its target and days, the amount asked and (once vouched) expected."""

    kind: str
    placement_id: int | None
    support_item_id: int | None
    block_id: int | None
    date_from: dt.date
    date_to: dt.date
    amount: Decimal
    expected: Decimal | None = None
    authority_id: int | None = None

    @property
    def target(self):
        """(kind, id): what a day is invoiced once against."""
        if self.kind == "support":
            return ("support", self.support_item_id)
        if self.kind == "block":
            return ("block", self.block_id)
        return ("placement", self.placement_id)

    def span(self):
        return Span(*self.target, self.date_from, self.date_to)


def _line_error(index, field, message, code="invalid", status=None, detail=None):
    return RuleViolation(detail or f"Line {index + 1}: {message}", code=code, status=status,
                         fields={f"lines.{index}.{field}": [message]})


def _shape(index, raw):
    """A dict → Line, or RuleViolation `invalid` naming the field."""
    def bad(field, message):
        return _line_error(index, field, message)

    kind = raw.get("kind")
    if kind not in KINDS:
        raise bad("kind", f"One of {', '.join(KINDS)}.")
    ids = {}
    for name in ("placement", "support_item", "block"):
        value = raw.get(name)
        if value in (None, ""):
            ids[name] = None
            continue
        if isinstance(value, bool) or not str(value).isdigit():
            raise bad(name, "An id (a whole number).")
        ids[name] = int(value)
    if kind == "block":
        if ids["block"] is None:
            raise bad("block", "A block line names its block contract.")
        if ids["placement"] is not None or ids["support_item"] is not None:
            raise bad("placement", "A block line names its block only.")
    else:
        if ids["block"] is not None:
            raise bad("block", "Only a block line names a block.")
        if kind == "support" and ids["support_item"] is None:
            raise bad("support_item", "A support line names its support item.")
        if kind == "placement" and ids["support_item"] is not None:
            raise bad("support_item", "Only a support line names a support item.")
        if kind == "placement" and ids["placement"] is None:
            raise bad("placement", "A placement line names its placement.")
    dates = {}
    for name, key in (("from", "date_from"), ("to", "date_to")):
        value = raw.get(key, raw.get(name))
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                raise bad(name, "A date, YYYY-MM-DD.") from None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise bad(name, "A date, YYYY-MM-DD.")
        dates[name] = value
    if dates["to"] < dates["from"]:
        raise bad("to", "Must be on or after the line's first day.")
    amount = raw.get("amount")
    try:
        amount = Decimal(str(amount)) if not isinstance(amount, (bool, float)) else None
    except (ArithmeticError, ValueError):
        amount = None
    if amount is None or not amount.is_finite() or amount.as_tuple().exponent < -2 \
            or amount <= 0 or amount > MAX_AMOUNT:
        raise bad("amount", "An amount above 0.00 in pounds, at most two decimal places.")
    return Line(kind, ids["placement"], ids["support_item"], ids["block"], dates["from"],
                dates["to"], amount.quantize(Decimal("0.01")))


def clean_lines(raw_lines):
    """[dict] → [Line], refusing a bad shape (400 `invalid`, `lines.N.field`)."""
    if not isinstance(raw_lines, (list, tuple)) or not raw_lines:
        raise RuleViolation("An invoice has at least one line.", code="invalid",
                            fields={"lines": ["At least one line."]})
    if len(raw_lines) > MAX_LINES:
        raise RuleViolation(f"An invoice has at most {MAX_LINES} lines.", code="invalid",
                            fields={"lines": [f"At most {MAX_LINES} lines."]})
    out = []
    for index, raw in enumerate(raw_lines):
        if isinstance(raw, Line):
            out.append(raw)
            continue
        if not isinstance(raw, dict):
            raise _line_error(index, "kind", "A line is an object.")
        out.append(_shape(index, raw))
    return out


def _unknown(index, field="placement"):
    # The same refusal whether the thing does not exist or is another provider's.
    return _line_error(index, field, "Not one of your placements, support items or blocks.",
                       code="unknown_placement")


@dataclass(frozen=True, slots=True)
class _Target:
    """What the checks read of a placement, support item (its `placement` a _Target too) or
    block: plain values, not model instances (a month's batch reads tens of thousands)."""

    pk: int
    provider_id: int | None
    authority_id: int | None
    start_date: dt.date
    end_date: dt.date | None
    route: str = ""
    placement_id: int | None = None
    placement: object = None


def _fetch(lines, provider_ids):
    """The placements, support items and blocks the lines name, of these providers:
    ({id: _Target}, {id: _Target}, {id: _Target})."""
    placement_ids = {ln.placement_id for ln in lines if ln.placement_id}
    item_ids = {ln.support_item_id for ln in lines if ln.support_item_id}
    block_ids = {ln.block_id for ln in lines if ln.block_id}
    placements = {row[0]: _Target(*row) for row in Placement.objects.filter(
        pk__in=any_of(placement_ids), provider__in=provider_ids).values_list(
        "id", "provider_id", "authority_id", "start_date", "end_date", "route").iterator()}
    items = {}
    for pk, placement_id, start, end, p_provider, p_authority, p_start, p_end in (
            SupportItem.objects.filter(pk__in=any_of(item_ids),
                                       placement__provider__in=provider_ids)
            .values_list("id", "placement_id", "start_date", "end_date",
                         "placement__provider_id", "placement__authority_id",
                         "placement__start_date", "placement__end_date")):
        items[pk] = _Target(pk, p_provider, p_authority, start, end, placement_id=placement_id,
                            placement=_Target(placement_id, p_provider, p_authority, p_start,
                                              p_end))
    blocks = {row[0]: _Target(*row) for row in BlockContract.objects.filter(
        pk__in=block_ids, provider__in=provider_ids).values_list(
        "id", "provider_id", "authority_id", "start_date", "end_date")}
    return placements, items, blocks


def _resolve(provider, lines, fetched=None):
    """Fill each line's placement and authority from its target, refusing what is not the
    provider's; [(first live day, last live day or None)] per line."""
    placements, items, blocks = fetched or _fetch(lines, [provider.pk])
    live = []
    for index, line in enumerate(lines):
        if line.kind == "block":
            block = blocks.get(line.block_id)
            if block is None or block.provider_id != provider.pk:
                raise _unknown(index, "block")
            line.authority_id = block.authority_id
            live.append((block.start_date, block.end_date))
        elif line.kind == "support":
            item = items.get(line.support_item_id)
            if item is None or item.placement.provider_id != provider.pk or (
                    line.placement_id and line.placement_id != item.placement_id):
                raise _unknown(index, "support_item")
            line.placement_id = item.placement_id
            line.authority_id = item.placement.authority_id
            ends = [d for d in (item.end_date, item.placement.end_date) if d]
            live.append((max(item.start_date, item.placement.start_date), min(ends)))
        else:
            placement = placements.get(line.placement_id)
            if placement is None or placement.provider_id != provider.pk:
                raise _unknown(index)
            if placement.route == Placement.Route.BLOCK:
                raise _line_error(index, "kind", "A placement in a block contract is paid "
                                  "through its block: invoice the block's beds.")
            line.authority_id = placement.authority_id
            live.append((placement.start_date, placement.end_date))
    return live


def _check_days(lines, live, today):
    authority = lines[0].authority_id
    for index, line in enumerate(lines):
        if line.authority_id != authority:
            raise _line_error(index, "placement", "All the lines of an invoice are for one "
                              "council: send another invoice for this one.")
    for index, line in enumerate(lines):
        if line.date_to > today:
            raise _line_error(index, "to", "A day after today: days are invoiced once "
                              "provided, never in advance.", code="invoice_in_advance")
    for index, (line, (first, last)) in enumerate(zip(lines, live, strict=True)):
        if line.date_from < first or (last is not None and line.date_to > last):
            field = "from" if line.date_from < first else "to"
            raise _line_error(index, field, "Days outside the placement's (or support item's, "
                              "or block's) live days.", code="outside_placement")
    return authority


def _overlaps(a, b):
    return a.date_from <= b.date_to and b.date_from <= a.date_to


def _already(index, detail=None):
    return _line_error(index, "from", "A day already on a live invoice line.",
                       code="already_invoiced", status=409, detail=detail)


def _check_not_invoiced(lines):
    """409 `already_invoiced`: a day on a live line of the same target, or twice in this one."""
    by_target = {}
    for index, line in enumerate(lines):
        for other_index, other in by_target.get(line.target, []):
            if _overlaps(line, other):
                raise _already(index, f"Lines {other_index + 1} and {index + 1} invoice the "
                                      "same day.")
        by_target.setdefault(line.target, []).append((index, line))
    window = Q()
    for (kind, pk), group in by_target.items():
        first = min(ln.date_from for _i, ln in group)
        last = max(ln.date_to for _i, ln in group)
        where = {"support": Q(support_item_id=pk), "block": Q(block_id=pk),
                 "placement": Q(placement_id=pk, kind="placement")}[kind]
        window |= where & Q(date_from__lte=last, date_to__gte=first)
    existing = InvoiceLine.objects.filter(window, live=True).values_list(
        "kind", "placement_id", "support_item_id", "block_id", "date_from", "date_to")
    for kind, placement_id, item_id, block_id, date_from, date_to in existing:
        target = {"support": ("support", item_id), "block": ("block", block_id)}.get(
            kind, ("placement", placement_id))
        for index, line in by_target.get(target, []):
            if line.date_from <= date_to and date_from <= line.date_to:
                raise _already(index)


def _lock(lines):
    """Row locks on the placements and blocks, in id order (so racing submissions queue)."""
    placement_ids = sorted({ln.placement_id for ln in lines if ln.placement_id})
    block_ids = sorted({ln.block_id for ln in lines if ln.block_id})
    list(Placement.objects.select_for_update().filter(pk__in=any_of(placement_ids))
         .order_by("pk").values_list("pk", flat=True))
    list(BlockContract.objects.select_for_update().filter(pk__in=any_of(block_ids))
         .order_by("pk").values_list("pk", flat=True))


def _duplicate(reference):
    return Conflict(f"You have already sent an invoice with the reference {reference}.",
                    code="duplicate_reference", fields={"reference": [
                        "You have already sent an invoice with this reference: use another."]})


def _clean_reference(reference):
    reference = (reference or "").strip() if isinstance(reference, str) else ""
    if not reference or len(reference) > 60 or any(ord(c) < 32 for c in reference):
        raise RuleViolation("Give the invoice your reference (up to 60 characters).",
                            code="invalid", fields={"reference": ["Up to 60 characters."]})
    return reference


@transaction.atomic
def submit_invoice(provider, *, reference, lines, by, channel="api", today=None):
    """Store the provider's invoice with each line's expected amount, `vouched` when every
    difference is 0.00, else `query`. Refuses (storing nothing) with API.md's codes."""
    today = today or timezone.localdate()
    reference = _clean_reference(reference)
    lines = clean_lines(lines)
    live = _resolve(provider, lines)
    authority_id = _check_days(lines, live, today)
    _lock(lines)
    if Invoice.objects.filter(provider=provider, reference=reference).exists():
        raise _duplicate(reference)
    _check_not_invoiced(lines)
    for line, expected in zip(lines, expected_amounts([ln.span() for ln in lines]),
                              strict=True):
        line.expected = expected
    total = sum((ln.amount for ln in lines), Decimal("0.00"))
    expected_total = sum((ln.expected for ln in lines), Decimal("0.00"))
    vouched = all(ln.amount == ln.expected for ln in lines)
    invoice = Invoice(provider=provider, authority_id=authority_id, reference=reference,
                      status=Invoice.Status.VOUCHED if vouched else Invoice.Status.QUERY,
                      received_on=today, total=total, expected_total=expected_total,
                      submitted_by=by if getattr(by, "is_authenticated", False) else None,
                      channel=channel)
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:  # the same reference, sent at the same instant
        raise _duplicate(reference) from None
    InvoiceLine.objects.bulk_create([
        InvoiceLine(invoice=invoice, kind=ln.kind, placement_id=ln.placement_id,
                    support_item_id=ln.support_item_id, block_id=ln.block_id,
                    date_from=ln.date_from, date_to=ln.date_to, amount=ln.amount,
                    expected=ln.expected) for ln in lines])
    summary.lines_live({ln.placement_id for ln in lines if ln.kind == InvoiceLine.Kind.PLACEMENT})
    audit.record(invoice, "invoice_submitted", by=by, to_state=invoice.status, data={
        "reference": reference, "channel": channel, "lines": len(lines), "total": str(total),
        "expected_total": str(expected_total)})
    return invoice
