"""Kernel services: organisations and users. Each is atomic, takes the actor and audits."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dps import audit
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
    return organisation, user
