"""Kernel e-mails: a colleague's invitation to the supplier portal, a password reset link."""

import datetime

from celery import shared_task
from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlencode, urlsafe_base64_encode


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Django's password-reset token, which stops working once the password is set or the
    user signs in, also bound to the invitation: resending one (a new `invitation_sent_at`)
    or cancelling it (the user inactive) kills every earlier link."""

    key_salt = "dps.tasks.InvitationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        sent_at = user.invitation_sent_at
        sent = "" if sent_at is None else sent_at.astimezone(datetime.UTC).isoformat()
        return f"{super()._make_hash_value(user, timestamp)}{sent}{int(user.is_active)}"

    def check_token(self, user, token):
        """Django's check, with the invitation's own lifetime (INVITATION_TIMEOUT): Django's
        reads PASSWORD_RESET_TIMEOUT, which is the much shorter reset link's."""
        if not (user and token) or token.count("-") != 1:
            return False
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except ValueError:
            return False
        if self._num_seconds(self._now()) - timestamp > settings.INVITATION_TIMEOUT:
            return False
        return any(constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret),
                                         token)
                   for secret in [self.secret, *self.secret_fallbacks])


invitation_token_generator = InvitationTokenGenerator()


def set_password_path(user):
    """The one-time set-password link's path for the user's current invitation."""
    query = urlencode({"uid": urlsafe_base64_encode(force_bytes(user.pk)),
                       "token": invitation_token_generator.make_token(user)})
    return f"{reverse('set-password')}?{query}"


@shared_task(acks_late=True)
def send_invitation(user_id, site_url="", issued_at=None):
    """Sent once per invitation: `invitation_sent_at` is stamped in the same transaction, so a
    retry finds it set and sends nothing. `issued_at` (the invitation's `invitation_issued_at`,
    ISO 8601) names which invitation the message is for: a late copy of an earlier one, after
    a resend, sends nothing either. A cancelled (inactive) invitation is never sent."""
    from dps.models import AuditEntry, User

    with transaction.atomic():
        user = (User.objects.select_for_update(of=("self",))
                .select_related("organisation", "invited_by")
                .filter(pk=user_id, invitation_sent_at__isnull=True, is_active=True).first())
        if user is None or not user.email:
            return 0
        if issued_at is not None and (
                user.invitation_issued_at is None
                or datetime.datetime.fromisoformat(issued_at) != user.invitation_issued_at):
            return 0
        # The token covers `invitation_sent_at`: make the link with the value stored.
        user.invitation_sent_at = timezone.now()
        User.objects.filter(pk=user.pk).update(invitation_sent_at=user.invitation_sent_at)
        resent = AuditEntry.objects.filter(
            content_type__app_label="dps", content_type__model="user", object_id=user.pk,
            action="user.invitation_resent").exists()
    link = site_url.rstrip("/") + set_password_path(user)
    body = render_to_string("dps/email/invitation.txt",
                            {"user": user, "link": link, "resent": resent})
    return mail.EmailMessage(f"You have been invited to {user.organisation} on Placements DPS",
                             body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()


@shared_task(acks_late=True)
def send_password_reset(user_id, site_url=""):
    """The "forgotten your password?" e-mail: Django's reset link (default_token_generator,
    valid for PASSWORD_RESET_TIMEOUT, dead once the password changes or the user signs in).
    Nothing is sent to an inactive account or one without a usable password (an invitation
    still pending: its own link chooses the first password)."""
    from django.contrib.auth.tokens import default_token_generator

    from dps.models import User

    user = User.objects.select_related("organisation").filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or not user.has_usable_password():
        return 0
    path = reverse("password-reset-confirm", kwargs={
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user)})
    from dps.accounts import reset_lifetime

    body = render_to_string("dps/email/password_reset.txt", {
        "user": user, "link": site_url.rstrip("/") + path, "lifetime": reset_lifetime()})
    return mail.EmailMessage("Reset your Placements DPS password", body,
                             settings.DEFAULT_FROM_EMAIL, [user.email]).send()


@shared_task(acks_late=True)
def drain_outbox():
    """Queue outbox messages whose publish at commit failed (the broker was down)."""
    from dps import outbox

    return outbox.drain()


@shared_task(acks_late=True)
def prune_embedded_broker():
    """Drop delivered messages from the embedded broker's file (dps/embedded_broker.py)."""
    from dps import embedded_broker

    return embedded_broker.prune()
