"""Kernel services: organisations and users. Each is atomic, takes the actor and audits."""

import math
from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from dps import audit, outbox
from dps.errors import Forbidden, InvalidTransition, NotFound, RuleViolation
from dps.models import AUTHORITY_ROLES, Organisation, Role, User


@transaction.atomic
def create_organisation(*, by, name, kind, is_lead=False, area="", postcode="",
                        companies_house_number=""):
    if Organisation.objects.filter(kind=kind, name__iexact=name).exists():
        raise RuleViolation(
            "An organisation of this kind with this name already exists.",
            code="invalid", fields={"name": ["An organisation with this name already exists."]},
        )
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                name=name, kind=kind, is_lead=is_lead and kind == Organisation.Kind.AUTHORITY,
                area=area, postcode=postcode.upper().strip(),
                companies_house_number=companies_house_number.upper(),
            )
    except IntegrityError as exc:  # a concurrent request took the name
        raise RuleViolation(
            "An organisation of this kind with this name already exists.",
            code="invalid", fields={"name": ["An organisation with this name already exists."]},
        ) from exc
    audit.record(organisation, "organisation.created", by=by, to_state=kind)
    return organisation


def _check_roles(organisation, roles):
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        return f"Unknown roles: {', '.join(unknown)}."
    if not roles:
        return "Give the user at least one role."
    if organisation is None:
        return "Every role belongs to an organisation: choose one."
    if organisation.is_provider and set(roles) != {Role.PROVIDER}:
        return "Users of a provider organisation can only hold the provider role."
    if organisation.is_authority and not set(roles) <= AUTHORITY_ROLES:
        return "Users of an authority cannot hold the provider role."
    return None


def _check_password(password, user):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise RuleViolation(
            "The password is too weak.", code="invalid", fields={"password": exc.messages}
        ) from exc


@transaction.atomic
def create_user(*, by, username, password=None, email="", organisation=None, roles=(),
                approval_limit=None, first_name="", last_name="", site_url=""):
    """A user with the password given, or, without one, an invitation: a one-time link to
    choose a password (and, for staff, to set up two-factor sign-in) goes to `email`."""
    roles = list(dict.fromkeys(roles))
    problem = _check_roles(organisation, roles)
    if problem:
        raise RuleViolation(problem, code="invalid", fields={"roles": [problem]})
    if User.objects.filter(username__iexact=username).exists():
        raise RuleViolation(
            "That username is taken.", code="invalid",
            fields={"username": ["A user with that username already exists."]},
        )
    user = User(
        username=username, email=email, organisation=organisation, roles=roles,
        approval_limit=approval_limit, first_name=first_name, last_name=last_name,
    )
    invited = not password
    if invited:
        if not email:
            raise RuleViolation("Without a password the user is invited by e-mail: give one.",
                                code="invalid", fields={"email": ["Enter an email address"]})
        user.set_unusable_password()
        user.invited_by = by if getattr(by, "is_authenticated", False) else None
        user.invitation_issued_at = timezone.now()
    else:
        _check_password(password, user)
        user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration took the username
        raise RuleViolation(
            "That username is taken.", code="invalid",
            fields={"username": ["A user with that username already exists."]},
        ) from exc
    audit.record(user, "user.created", by=by, data={"roles": roles, "invited": invited})
    if invited:
        from dps.tasks import send_invitation

        outbox.enqueue(send_invitation, user.pk, site_url, user.invitation_issued_at.isoformat())
    return user


@transaction.atomic
def register_provider(*, organisation_name, area, postcode, companies_house_number, username,
                      password, email):
    """Self-registration: a provider organisation and its first provider user."""
    try:
        organisation = create_organisation(
            by=None, name=organisation_name, kind=Organisation.Kind.PROVIDER, area=area,
            postcode=postcode, companies_house_number=companies_house_number,
        )
    except RuleViolation as exc:
        # The registration form calls the name `organisation_name`: report it under that key.
        if "name" in exc.fields:
            exc.fields["organisation_name"] = exc.fields.pop("name")
        raise
    user = create_user(
        by=None, username=username, password=password, email=email,
        organisation=organisation, roles=[Role.PROVIDER],
    )
    # The one who registered the organisation may invite colleagues (the supplier portal).
    user.is_org_admin = True
    user.save(update_fields=["is_org_admin"])
    return organisation, user


# --- Supplier portal: a provider's own colleagues -------------------------------------------

def may_invite(user):
    """A provider organisation's administrator may invite colleagues: a user flagged so (the
    one who registered it is), or, while nobody in the organisation is, its first active
    user (organisations made by the DPS administrator or the demo)."""
    if not (user.has_role(Role.PROVIDER) and user.organisation_id
            and user.organisation.is_provider):
        return False
    if user.is_org_admin:
        return True
    colleagues = User.objects.filter(organisation_id=user.organisation_id, is_active=True)
    if colleagues.filter(is_org_admin=True).exists():
        return False
    return colleagues.order_by("date_joined", "pk").values_list("pk", flat=True).first() \
        == user.pk


# A resend at most this often per invited colleague: the link is fresh, the inbox is not spammed.
RESEND_INTERVAL = timedelta(minutes=5)


def is_pending_invitation(user):
    """Invited by a colleague, and has neither chosen a password nor signed in, and the
    invitation was not cancelled: the invitation may be resent or cancelled."""
    return (user.invited_by_id is not None and user.is_active
            and user.invitation_cancelled_at is None and user.last_login is None
            and not user.has_usable_password())


def _is_cancelled_invitation(user):
    return (user.invitation_cancelled_at is not None and not user.is_active
            and user.last_login is None and not user.has_usable_password())


def _username_taken():
    return RuleViolation(
        "That username is taken.", code="invalid",
        fields={"username": ["A user with that username already exists."]},
    )


@transaction.atomic
def invite_colleague(*, by, username, email, first_name="", last_name="", site_url=""):
    """A provider user for the inviter's own organisation, with no password: a one-time
    set-password link (dps.tasks.set_password_path) goes to `email` after commit.

    A username whose invitation was cancelled in the same organisation is invited again: the
    same user row (audit entries point at it) comes back with the new details."""
    from dps.tasks import send_invitation

    if not may_invite(by):
        raise Forbidden("Only your organisation's administrator can invite colleagues.")
    username = (username or "").strip()
    email = (email or "").strip()
    problems = {}
    if not username:
        problems["username"] = ["Enter a username"]
    if not email:
        problems["email"] = ["Enter an email address"]
    if problems:
        raise RuleViolation("Some details are missing.", code="invalid", fields=problems)
    now = timezone.now()
    existing = (User.objects.select_for_update(of=("self",))
                .filter(username__iexact=username).first())
    if existing is not None:
        if existing.organisation_id != by.organisation_id or \
                not _is_cancelled_invitation(existing):
            raise _username_taken()
        user = existing
        from_state = "cancelled"
        user.email, user.first_name, user.last_name = email, first_name.strip(), \
            last_name.strip()
        user.invited_by, user.is_active, user.is_org_admin = by, True, False
        user.roles = [Role.PROVIDER.value]
        user.invitation_cancelled_at = user.invitation_sent_at = None
        user.invitation_issued_at = now
        user.save(update_fields=[
            "email", "first_name", "last_name", "invited_by", "is_active", "is_org_admin",
            "roles", "invitation_cancelled_at", "invitation_sent_at", "invitation_issued_at"])
    else:
        from_state = ""
        user = User(username=username, email=email, first_name=first_name.strip(),
                    last_name=last_name.strip(), organisation=by.organisation,
                    roles=[Role.PROVIDER.value], invited_by=by, invitation_issued_at=now)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # a concurrent invitation took the username
            raise _username_taken() from exc
    audit.record(user, "user.invited", by=by, from_state=from_state, to_state="invited",
                 data={"organisation": by.organisation_id, "roles": [Role.PROVIDER.value]})
    outbox.enqueue(send_invitation, user.pk, site_url, now.isoformat())
    return user


def _invited_colleague(colleague, by):
    """The colleague, locked, if the actor is the administrator of their organisation."""
    if not may_invite(by):
        raise Forbidden("Only your organisation's administrator can manage invitations.")
    user = (User.objects.select_for_update(of=("self",))
            .filter(pk=getattr(colleague, "pk", colleague),
                    organisation_id=by.organisation_id).first())
    if user is None:
        raise NotFound("There is no such colleague in your organisation.")
    return user


def _refuse_unless_pending(user, action):
    if is_pending_invitation(user):
        return
    if user.invitation_cancelled_at is not None:
        detail = f"The invitation to {user.username} was cancelled. Invite them again instead."
    elif user.invited_by_id is None or user.last_login is not None \
            or user.has_usable_password():
        detail = (f"{user.username} has already set a password or signed in, so there is no "
                  f"invitation to {action}.")
    else:
        detail = f"{user.username}'s account is inactive, so there is no invitation to {action}."
    raise InvalidTransition(detail)


@transaction.atomic
def resend_invitation(colleague, *, by, site_url="", now=None):
    """Send a pending invitation again with a fresh link; the earlier link stops working at
    once (the token covers `invitation_sent_at`, cleared here). At most once every
    RESEND_INTERVAL per colleague: else 400 `resend_too_soon`."""
    from dps.tasks import send_invitation

    now = now or timezone.now()
    user = _invited_colleague(colleague, by)
    _refuse_unless_pending(user, "resend")
    last = user.invitation_issued_at or user.invitation_sent_at
    if last is not None and now - last < RESEND_INTERVAL:
        wait = math.ceil((RESEND_INTERVAL - (now - last)).total_seconds() / 60)
        raise RuleViolation(
            f"The invitation to {user.username} was sent less than "
            f"{int(RESEND_INTERVAL.total_seconds() // 60)} minutes ago. Wait {wait} "
            f"minute{'s' if wait != 1 else ''} before sending it again, and meanwhile ask them "
            f"to check their spam folder.", code="resend_too_soon")
    previous = user.invitation_sent_at
    user.invitation_sent_at = None
    user.invitation_issued_at = now
    user.save(update_fields=["invitation_sent_at", "invitation_issued_at"])
    audit.record(user, "user.invitation_resent", by=by, from_state="invited",
                 to_state="invited",
                 data={"previous_sent_at": previous.isoformat() if previous else None})
    outbox.enqueue(send_invitation, user.pk, site_url, now.isoformat())
    return user


@transaction.atomic
def cancel_invitation(colleague, *, by, now=None):
    """Withdraw a pending invitation: the user is made inactive (the row stays, audit entries
    point at it), so the link stops working and nobody can sign in as them. The username may
    be invited again (invite_colleague)."""
    user = _invited_colleague(colleague, by)
    _refuse_unless_pending(user, "cancel")
    user.is_active = False
    user.invitation_cancelled_at = now or timezone.now()
    user.save(update_fields=["is_active", "invitation_cancelled_at"])
    audit.record(user, "user.invitation_cancelled", by=by, from_state="invited",
                 to_state="cancelled")
    return user


def record_portal_visit(user, now=None):
    """Stamp the visit; returns the previous one ("new since your last visit")."""
    previous = user.last_portal_visit
    user.last_portal_visit = now or timezone.now()
    User.objects.filter(pk=user.pk).update(last_portal_visit=user.last_portal_visit)
    return previous
