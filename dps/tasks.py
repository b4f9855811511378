"""Kernel e-mails: a colleague's invitation to the supplier portal."""

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode


def set_password_path(user):
    """The one-time set-password link's path: Django's password-reset token, which stops
    working once the password is set (the token covers the password hash)."""
    query = urlencode({"uid": urlsafe_base64_encode(force_bytes(user.pk)),
                       "token": default_token_generator.make_token(user)})
    return f"{reverse('set-password')}?{query}"


@shared_task(acks_late=True)
def send_invitation(user_id, site_url=""):
    """Sent once: `invitation_sent_at` is stamped in the same transaction, so a retry finds
    it set and sends nothing."""
    from dps.models import User

    with transaction.atomic():
        user = (User.objects.select_for_update(of=("self",))
                .select_related("organisation", "invited_by")
                .filter(pk=user_id, invitation_sent_at__isnull=True).first())
        if user is None or not user.email:
            return 0
        User.objects.filter(pk=user.pk).update(invitation_sent_at=timezone.now())
    link = site_url.rstrip("/") + set_password_path(user)
    body = render_to_string("dps/email/invitation.txt", {"user": user, "link": link})
    return mail.EmailMessage(f"You have been invited to {user.organisation} on Placements DPS",
                             body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()


@shared_task(acks_late=True)
def drain_outbox():
    """Queue outbox messages whose publish at commit failed (the broker was down)."""
    from dps import outbox

    return outbox.drain()
