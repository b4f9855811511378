"""Invoicing's background work: telling the provider of a decision, and the quarterly reminder
to publish the s.70 payments list. Each e-mail is sent once, however often its task runs."""

from celery import shared_task
from django.core.cache import cache


@shared_task(acks_late=True)
def notify_invoice_decision(invoice_id, entry_id):
    """E-mail the provider's users the decision recorded by audit entry `entry_id` (once: a
    duplicated or retried message finds it claimed). A later decision has its own entry; an
    older one still sends what it decided, from the audit row."""
    from dps.models import AuditEntry
    from invoicing import emails
    from invoicing.models import Invoice

    if not cache.add(f"invoicing:decision-told:{entry_id}", 1, timeout=60 * 60 * 24 * 30):
        return 0
    invoice = Invoice.objects.select_related("authority").filter(pk=invoice_id).first()
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    if invoice is None or entry is None or invoice.status != entry.to_state:
        return 0  # decided again since: that decision's own message tells the provider
    return emails.send([emails.decision_message(invoice)])


@shared_task(acks_late=True)
def remind_s70_publication():
    """Beat, daily: each authority's finance officers are reminded, once per quarter, to
    publish the quarter's payments over £30,000 (30 days after the quarter's end)."""
    from invoicing.transparency import send_s70_reminders

    return send_s70_reminders()
