"""Kernel services: organisations and users. Each is atomic, takes the actor and audits."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dps import audit, outbox
from dps.errors import RuleViolation
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
def create_user(*, by, username, password, email="", organisation=None, roles=(),
                approval_limit=None, first_name="", last_name=""):
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
    audit.record(user, "user.created", by=by, data={"roles": roles})
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


@transaction.atomic
def invite_colleague(*, by, username, email, first_name="", last_name="", site_url=""):
    """A provider user for the inviter's own organisation, with no password: a one-time
    set-password link (Django's password-reset token) goes to `email` after commit."""
    from dps.errors import Forbidden
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
    if User.objects.filter(username__iexact=username).exists():
        raise RuleViolation(
            "That username is taken.", code="invalid",
            fields={"username": ["A user with that username already exists."]},
        )
    user = User(username=username, email=email, first_name=first_name.strip(),
                last_name=last_name.strip(), organisation=by.organisation,
                roles=[Role.PROVIDER.value], invited_by=by)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent invitation took the username
        raise RuleViolation(
            "That username is taken.", code="invalid",
            fields={"username": ["A user with that username already exists."]},
        ) from exc
    audit.record(user, "user.invited", by=by,
                 data={"organisation": by.organisation_id, "roles": [Role.PROVIDER.value]})
    outbox.enqueue(send_invitation, user.pk, site_url)
    return user


def record_portal_visit(user, now=None):
    """Stamp the visit; returns the previous one ("new since your last visit")."""
    from django.utils import timezone

    previous = user.last_portal_visit
    user.last_portal_visit = now or timezone.now()
    User.objects.filter(pk=user.pk).update(last_portal_visit=user.last_portal_visit)
    return previous
