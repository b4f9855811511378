"""Who may decide and pay an invoice: finance of its authority, or the DPS administrator."""

from dps.errors import Forbidden, NotFound
from dps.models import Role


def require_finance(invoice, by):
    """403 for anyone who is not finance (or the DPS administrator); 404 for finance of
    another authority (an invoice one may not see is not found)."""
    if by.has_role(Role.DPS_ADMIN):
        return
    if not by.has_role(Role.FINANCE):
        raise Forbidden("Only finance officers decide and pay invoices.")
    if by.organisation_id != invoice.authority_id:
        raise NotFound("Invoice not found.")


def finance_scope(queryset, user, field="authority"):
    """The rows of `queryset` the user may act on as finance (every authority's for the DPS
    administrator); nothing for anyone else."""
    if user.has_role(Role.DPS_ADMIN):
        return queryset
    if user.has_role(Role.FINANCE) and user.organisation_id:
        return queryset.filter(**{f"{field}_id": user.organisation_id})
    return queryset.none()
