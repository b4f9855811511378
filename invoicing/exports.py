"""Invoicing's files, written through reports' tables (and so dps/sheets.py): the s.70 list in
the publication's layout, and approved invoices for the finance system, each exported once."""

import secrets

from django.db import transaction
from django.utils import timezone

from dps import audit
from dps.errors import RuleViolation
from invoicing.access import finance_scope
from invoicing.models import Invoice, InvoiceLine
from reports.exports import Column, Table, payments_table

published_payments_table = payments_table


LEDGER_COLUMNS = [
    Column("Batch", "text", 24), Column("Invoice number", "int", 10),
    Column("Invoice reference", "text", 20), Column("Supplier", "text", 36),
    Column("Supplier identifier", "text", 20), Column("Received on", "date", 14),
    Column("Line", "int", 8), Column("Kind", "text", 16), Column("Placement", "int", 10),
    Column("Block", "int", 10), Column("Lot", "text", 30), Column("From", "date", 12),
    Column("To", "date", 12), Column("Amount", "money", 14),
    Column("Approved total", "money", 14)]


def ledger_table(batch):
    """One row per line of each invoice in `batch` (a batch id), for the finance system."""
    from invoicing.transparency import provider_identifier

    lines = (InvoiceLine.objects.filter(invoice__export_batch=batch)
             .select_related("invoice__provider", "placement__lot", "block__lot")
             .order_by("invoice_id", "pk"))
    rows = []
    for line in lines:
        invoice = line.invoice
        lot = line.block.lot if line.block_id else line.placement.lot
        rows.append((batch, invoice.pk, invoice.reference, invoice.provider.name,
                     provider_identifier(invoice.provider), invoice.received_on, line.pk,
                     line.get_kind_display(), line.placement_id, line.block_id, lot.name,
                     line.date_from,
                     line.date_to, line.amount, invoice.approved_total))
    return Table(title="Approved invoices", columns=LEDGER_COLUMNS, rows=rows,
                 count=len(rows))


def exportable(user):
    """Approved (or since paid) invoices not yet handed to the finance system."""
    return finance_scope(Invoice.objects.filter(
        status__in=[Invoice.Status.APPROVED, Invoice.Status.PAID], exported_at__isnull=True),
        user)


def batches(user):
    """[(batch, exported_at, invoices)] the user may download again, newest first."""
    from django.db.models import Count, Max

    return list(finance_scope(Invoice.objects.exclude(export_batch=""), user)
                .values("export_batch").annotate(at=Max("exported_at"), invoices=Count("pk"))
                .order_by("-at")[:50])


@transaction.atomic
def export_approved(*, by):
    """Mark every exportable invoice with a new batch (under row locks, so two finance officers
    at once never export one twice) and return the batch id. 400 when there is none."""
    invoices = list(exportable(by).select_for_update(of=("self",)).order_by("pk"))
    if not invoices:
        raise RuleViolation("No approved invoice is waiting to be exported.", code="invalid")
    now = timezone.now()
    batch = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    Invoice.objects.filter(pk__in=[i.pk for i in invoices]).update(exported_at=now,
                                                                   export_batch=batch)
    for invoice in invoices:
        audit.record(invoice, "invoice.exported", by=by, data={"batch": batch})
    return batch


def batch_visible(user, batch):
    return finance_scope(Invoice.objects.filter(export_batch=batch), user).exists()
