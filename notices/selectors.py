"""Read queries over the notices: scoped lists with their filters, the dashboard's counts and
the published releases of the open data."""

from django.db.models import Count, Q

from dps.api.scoping import for_authority
from dps.models import Role
from notices.models import Kind, Notice

STATUSES = tuple(Notice.Status.values)
KINDS = tuple(Kind.values)


def visible(user):
    """DPS administrators see every council's notices; commissioners their council's."""
    notices = Notice.objects.select_related("dps", "authority")
    if user.has_role(Role.DPS_ADMIN):
        return notices
    if user.has_role(Role.COMMISSIONER):
        return for_authority(notices, user)
    return notices.none()


def filtered(queryset, *, status=None, kind=None):
    if status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("due_by", "id")


def counts(user):
    """{"due": n, "overdue": n} of what the user can see, in one query."""
    return visible(user).aggregate(
        due=Count("pk", filter=Q(status=Notice.Status.DUE)),
        overdue=Count("pk", filter=Q(status=Notice.Status.OVERDUE)))


def to_publish(user, rows=5):
    """The most pressing unpublished notices for the dashboard (overdue first, then soonest)."""
    return list(visible(user).exclude(status=Notice.Status.PUBLISHED)
                .order_by("-status", "due_by", "id")[:rows])


def published_since(updated_from=None, after_id=None):
    """Published notices in the order the open data pages them: by when they were recorded."""
    notices = Notice.objects.filter(status=Notice.Status.PUBLISHED)
    if updated_from is not None:
        later = Q(published_at__gt=updated_from)
        same = Q(published_at=updated_from)
        if after_id is not None:
            same &= Q(pk__gt=after_id)
        notices = notices.filter(later | same)
    return notices.order_by("published_at", "pk")
