"""Signed-out account doors: "forgotten your password?" (Django's reset flow, e-mailed through
the outbox). Provider sign-up calls dps.services.register_provider, as the API does.

No account enumeration: whether or not an address belongs to an account, the person asking is
told the same thing (and the page is the same; only the address that has an account gets an
e-mail)."""

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower

from dps import audit, outbox
from dps.models import User


def reset_candidates(email):
    """Active accounts with this e-mail address (any case) and a usable password: an invited
    person who never chose one follows their invitation instead."""
    email = (email or "").strip()
    if not email:
        return []
    users = (User.objects.annotate(email_lower=Lower("email"))
             .filter(email_lower=email.lower(), is_active=True))
    return [user for user in users if user.has_usable_password()]


@transaction.atomic
def request_password_reset(*, email, site_url=""):
    """Queue a reset e-mail to each account with this address; returns nothing a caller could
    show (the page says the same whatever happened)."""
    from dps.tasks import send_password_reset

    for user in reset_candidates(email):
        audit.record(user, "user.password_reset_requested", by=None)
        outbox.enqueue(send_password_reset, user.pk, site_url)


def password_reset_completed(user):
    """The reset form saved the new password: the credentials rule (dps.credentials) has ended
    the user's API tokens and sessions on that save; this records who reset it."""
    audit.record(user, "user.password_reset", by=user)


def reset_lifetime():
    """How long a reset link works, in words ("1 hour", "90 minutes"): PASSWORD_RESET_TIMEOUT."""
    minutes = max(1, settings.PASSWORD_RESET_TIMEOUT // 60)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
