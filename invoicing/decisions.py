"""Finance's decisions on an invoice: approve (one, or vouched ones in bulk), query, reject.

Each is one atomic service: the invoice row is locked, the state moves through django-fsm
(dps.transitions.move: 409 invalid_transition and the audit row), and the provider's users are
told by e-mail through the outbox after commit. A reason the provider will read (a query, a
rejection, an accepted difference) is scanned for children's identifiers first
(referrals/audience.py: it concerns the provider, so every child it was invited for or placed).
"""

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed

from dps import outbox
from dps.errors import InvalidTransition, RuleViolation, require_reason
from dps.transitions import move
from invoicing import summary
from invoicing.access import require_finance
from invoicing.models import Invoice, InvoiceLine
from referrals.audience import refuse_identifiers


def _lock(invoice):
    pk = invoice.pk if isinstance(invoice, Invoice) else int(invoice)
    return Invoice.objects.select_for_update(of=("self",)).select_related("provider").get(pk=pk)


def _allowed(invoice, name):
    """409 invalid_transition before anything else is checked."""
    if not can_proceed(getattr(invoice, name)):
        raise InvalidTransition(
            f"You cannot {name} invoice {invoice.reference} while it is "
            f"{invoice.get_status_display().lower()}.")


def _save(invoice, by, *, fields):
    invoice.decided_by = by if getattr(by, "is_authenticated", False) else None
    invoice.decided_at = timezone.now()
    invoice.save(update_fields=["status", "decided_by", "decided_at", *fields])


def _tell(invoice, entry):
    from invoicing import tasks

    outbox.enqueue(tasks.notify_invoice_decision, invoice.pk, entry.pk)
    return invoice


@transaction.atomic
def approve_invoice(invoice, *, by, accept_difference_reason=""):
    """Approve for payment at the invoiced total. A queried invoice (its lines differ from what
    was accrued) needs the reason the difference is accepted: 400 difference_unexplained."""
    invoice = _lock(invoice)
    require_finance(invoice, by)
    reason = (accept_difference_reason or "").strip()
    _allowed(invoice, "approve")
    if invoice.status == Invoice.Status.QUERY and not reason:
        raise RuleViolation(
            "This invoice differs from what was accrued: say why the difference is accepted.",
            code="difference_unexplained",
            fields={"accept_difference_reason": ["A reason is required."]})
    refuse_identifiers(invoice.provider, {"accept_difference_reason": reason})
    write = move(invoice, "approve", by=by, reason=reason,
                 data={"total": str(invoice.total), "expected": str(invoice.expected_total)})
    invoice.approved_total = invoice.total
    fields = ["approved_total"]
    if reason:
        invoice.reason = reason
        fields.append("reason")
    _save(invoice, by, fields=fields)
    summary.invoices_approved([invoice.pk])
    return _tell(invoice, write())


@transaction.atomic
def approve_vouched(invoices, *, by):
    """Approve several vouched invoices at once: every one or none (409 invalid_transition
    naming the first that is not vouched; 404 for one the caller may not see)."""
    ids = sorted({inv.pk if isinstance(inv, Invoice) else int(inv) for inv in invoices})
    if not ids:
        raise RuleViolation("Choose at least one invoice to approve.", code="invalid",
                            fields={"invoices": ["Choose at least one invoice."]})
    locked = list(Invoice.objects.select_for_update(of=("self",)).select_related("provider")
                  .filter(pk__in=ids).order_by("pk"))
    if len(locked) != len(ids):
        from dps.errors import NotFound

        raise NotFound("Invoice not found.")
    for invoice in locked:
        require_finance(invoice, by)
    for invoice in locked:
        if invoice.status != Invoice.Status.VOUCHED:
            raise InvalidTransition(
                f"Invoice {invoice.reference} is {invoice.get_status_display().lower()}, not "
                f"vouched: approve it on its own.")
    return [approve_invoice(invoice, by=by) for invoice in locked]


@transaction.atomic
def query_invoice(invoice, *, reason, by):
    """Ask the provider about the invoice (the reason is shown to it): status `query`."""
    invoice = _lock(invoice)
    require_finance(invoice, by)
    _allowed(invoice, "query")
    require_reason(reason, "Say what the provider should explain or correct.")
    reason = reason.strip()
    refuse_identifiers(invoice.provider, {"reason": reason})
    write = move(invoice, "query", by=by, reason=reason)
    invoice.reason = reason
    _save(invoice, by, fields=["reason"])
    return _tell(invoice, write())


@transaction.atomic
def reject_invoice(invoice, *, reason, by):
    """Refuse the invoice (the reason is shown to the provider). Its lines stop being live, so
    the same days may be invoiced again."""
    invoice = _lock(invoice)
    require_finance(invoice, by)
    _allowed(invoice, "reject")
    require_reason(reason, "Say why the invoice is rejected.")
    reason = reason.strip()
    refuse_identifiers(invoice.provider, {"reason": reason})
    write = move(invoice, "reject", by=by, reason=reason)
    invoice.reason = reason
    invoice.lines.update(live=False)
    summary.lines_rejected(set(invoice.lines.filter(kind=InvoiceLine.Kind.PLACEMENT)
                               .values_list("placement_id", flat=True)))
    _save(invoice, by, fields=["reason"])
    return _tell(invoice, write())
