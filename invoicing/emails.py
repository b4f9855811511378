"""The e-mails finance's work sends: the provider told of a decision, finance reminded to
publish the s.70 payments list. Each is sent once (see the claims in invoicing/tasks.py)."""

from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string

from dps.models import Role, User


def emails_of(organisation_id, role=None):
    rows = (User.objects.filter(organisation_id=organisation_id, is_active=True)
            .exclude(email="").order_by("pk").values_list("email", "roles"))
    return [email for email, roles in rows if role is None or role in (roles or [])]


def send(messages):
    messages = [m for m in messages if m.to]
    if not messages:
        return 0
    with mail.get_connection() as connection:
        return connection.send_messages(messages)


def decision_message(invoice):
    """To the provider's users: approved, queried or rejected, with the reason it is told."""
    verb = {"approved": "approved", "query": "queried", "rejected": "rejected"}.get(
        invoice.status, invoice.get_status_display().lower())
    body = render_to_string("invoicing/finance/email/decision.txt",
                            {"invoice": invoice, "verb": verb})
    return mail.EmailMessage(f"Invoice {invoice.reference} {verb}", body,
                             settings.DEFAULT_FROM_EMAIL, emails_of(invoice.provider_id))


def s70_reminder_message(authority, quarter, start, end, due_by):
    body = render_to_string("invoicing/finance/email/s70_reminder.txt", {
        "authority": authority, "quarter": quarter, "start": start, "end": end,
        "due_by": due_by})
    return mail.EmailMessage(f"Publish the payments over £30,000 for {quarter}", body,
                             settings.DEFAULT_FROM_EMAIL, emails_of(authority.pk, Role.FINANCE))
