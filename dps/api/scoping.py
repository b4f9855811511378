"""Scope querysets to what the caller may see: rows outside it are 404, never 403."""

from dps.models import Role


def for_authority(queryset, user, field="authority"):
    """A DPS administrator sees every authority's rows; other staff their own authority's."""
    if user.has_role(Role.DPS_ADMIN):
        return queryset
    if user.is_authority_user and user.organisation_id:
        return queryset.filter(**{f"{field}_id": user.organisation_id})
    return queryset.none()


def for_provider(queryset, user, field="provider"):
    if user.organisation_id is None:
        return queryset.none()
    return queryset.filter(**{f"{field}_id": user.organisation_id})
