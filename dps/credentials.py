"""A changed password or a deactivated account ends the user's API tokens, whichever way it
happened (the invitation's set-password page, the admin, `manage.py changepassword`, a
service): one rule, on the User model's save, so no path can forget it.

Sessions need nothing more: Django signs each session with the password hash
(get_session_auth_hash), so a new password signs out every other session (the admin's own
password form keeps the changer's session with update_session_auth_hash), and an inactive
user's sessions authenticate nobody. A user who never signed in and held no token has nothing
to end, so no audit entry is written for them (an invitation being accepted or cancelled)."""

from django.db.models.signals import post_save, pre_save

WATCHED = frozenset({"password", "is_active"})


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._credentials_ended_by = ()
    if raw or instance.pk is None:
        return
    if update_fields is not None and not WATCHED.intersection(update_fields):
        return  # e.g. last_login on every sign-in: no extra query
    stored = (sender._default_manager.filter(pk=instance.pk)
              .values("password", "is_active").first())
    if stored is None:
        return
    reasons = []
    if stored["password"] != instance.password:
        # Includes Django re-hashing a password at sign-in (a new hasher or more
        # iterations): rare, and ending tokens then errs on the safe side.
        reasons.append("password_changed")
    if stored["is_active"] and not instance.is_active:
        reasons.append("deactivated")
    instance._credentials_ended_by = tuple(reasons)


def _after_save(sender, instance, created=False, raw=False, **kwargs):
    reasons = getattr(instance, "_credentials_ended_by", ())
    instance._credentials_ended_by = ()
    if not reasons or created or raw:
        return
    from rest_framework.authtoken.models import Token

    from dps import audit

    tokens, _ = Token.objects.filter(user_id=instance.pk).delete()
    if tokens or instance.last_login is not None:
        # The actor is not known here (the admin's own history names who used it).
        audit.record(instance, "user.credentials_revoked", by=None,
                     data={"reasons": list(reasons), "api_tokens": tokens,
                           "sessions": "signed out"})


def connect(user_model):
    pre_save.connect(_before_save, sender=user_model, dispatch_uid="dps.credentials.before")
    post_save.connect(_after_save, sender=user_model, dispatch_uid="dps.credentials.after")
