"""Read queries for invoices: who sees which, with their lines in a fixed number of queries."""

from django.db.models import Exists, OuterRef, Prefetch, Sum

from dps.models import Role
from invoicing.models import Invoice, InvoiceLine, Payment


def invoices_for(user):
    """The invoices `user` may see: a provider its own, finance its authority's, the DPS
    administrator all; anyone else none (so an unseen invoice is a 404)."""
    queryset = Invoice.objects.select_related("provider", "authority")
    if user.has_role(Role.DPS_ADMIN):
        return queryset
    if user.has_role(Role.FINANCE) and user.is_authority_user and user.organisation_id:
        return queryset.filter(authority_id=user.organisation_id)
    if user.has_role(Role.PROVIDER) and user.organisation_id:
        return queryset.filter(provider_id=user.organisation_id)
    return queryset.none()


def with_lines(queryset):
    """Prefetch the lines (with their placement's reference) and annotate what was paid."""
    lines = InvoiceLine.objects.select_related("placement", "block").order_by("id")
    paid = Payment.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(
        total=Sum("amount")).values("total")
    return queryset.prefetch_related(Prefetch("lines", queryset=lines)).annotate(
        paid_total=paid)


def filter_invoices(queryset, *, status=None, provider=None, placement=None):
    if status:
        queryset = queryset.filter(status=status)
    if provider:
        queryset = queryset.filter(provider_id=provider)
    if placement:
        queryset = queryset.filter(Exists(InvoiceLine.objects.filter(
            invoice=OuterRef("pk"), placement_id=placement)))
    return queryset


def finance_waiting(user, *, today):
    """What finance's front door leads with: {status: (count, total)} for the invoices to
    approve (vouched), to decide (queried) and to pay (approved), how many approved ones are
    not yet exported, and how many wait past their decision date. Two queries and a count."""
    from django.db.models import Count

    from invoicing.access import finance_scope
    from invoicing.exports import exportable
    from invoicing.reconciliation import awaiting_decision

    scoped = finance_scope(Invoice.objects.all(), user)
    rows = {status: (n, total) for status, n, total in scoped.filter(
        status__in=(Invoice.Status.VOUCHED, Invoice.Status.QUERY, Invoice.Status.APPROVED))
        .values("status").annotate(n=Count("pk"), total=Sum("total"))
        .values_list("status", "n", "total").order_by()}
    authority = None if user.has_role(Role.DPS_ADMIN) else user.organisation
    _late, late_count = awaiting_decision(authority=authority, today=today, limit=1)
    return {"vouched": rows.get(Invoice.Status.VOUCHED, (0, None)),
            "query": rows.get(Invoice.Status.QUERY, (0, None)),
            "approved": rows.get(Invoice.Status.APPROVED, (0, None)),
            "not_exported": exportable(user).count(),
            "late": late_count}
