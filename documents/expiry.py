"""Reminders 30 days before a certificate's `expires_on`, and the lapse once it has passed
(the membership is flagged on the dashboard and the provider's portal until a renewed
certificate of the same kind is attached)."""

from django.conf import settings
from django.core import mail
from django.db.models import Q
from django.template.loader import render_to_string

from documents import selectors, services
from documents.models import Document
from dps import formatting
from dps.models import Role, User


def _emails(provider_id):
    """(the provider's users, the DPS administrators) to tell."""
    users = User.objects.filter(is_active=True).exclude(email="").filter(
        Q(organisation_id=provider_id) | Q(is_superuser=True) | Q(organisation__kind="authority"))
    provider = [u.email for u in users if u.organisation_id == provider_id
                and Role.PROVIDER in (u.roles or [])]
    admins = [u.email for u in users if u.has_role(Role.DPS_ADMIN)]
    return provider, admins


def check_expiry(today=None):
    """Remind once per certificate; lapse once. Returns how many rows it acted on."""
    done = 0
    for pk in services.expiring_ids(today):
        if not services.claim_reminder(pk):
            continue  # another run reminded of it
        document = Document.objects.get(pk=pk)
        provider, admins = _emails(document.provider_id)
        if provider or admins:
            mail.EmailMessage(
                f"{document.get_kind_display()} expires on "
                f"{formatting.long_date(document.expires_on)}",
                render_to_string("documents/email/expiring.txt", {"document": document}),
                settings.DEFAULT_FROM_EMAIL, provider, cc=admins).send()
        done += 1
    for pk in services.lapsed_ids(today):
        done += services.lapse(pk)
    return done


def lapsed_certificates(provider_id=None, limit=10):
    """Lapsed certificates not replaced by a later one of the same kind for the provider
    (the flag on the dashboard and the portal)."""
    return list(selectors.lapsed_certificates(provider_id)[:limit])
