"""The supplier portal's other next things to do (walk-through, December 2026): what a small
or brand-new provider must do next that is not an opportunity, a KPI return or an action.

- no lot yet: apply to join (or, once applied, that the application waits for a decision, so
  the portal does not say "nothing is due" to a provider that has everything still to come);
- invoices the council queried or rejected in the last 60 days: what it said, to answer;
- the days of last month not yet invoiced, on placements that were live then: send the
  invoice (the portal's draft makes it one click).

Three queries at most, none growing with rows.
"""

import datetime as dt

from django.db.models import Max

from contracts.models import Approval, Placement
from invoicing.models import Invoice, InvoiceLine
from providers.models import Application

RECENT_DECISIONS = dt.timedelta(days=60)


def _last_month_end(today):
    return today.replace(day=1) - dt.timedelta(days=1)


def extra_to_do(user, sections, today):
    provider_id = user.organisation_id
    items = []
    if not sections["memberships"]:
        waiting = (Application.objects.filter(provider_id=provider_id,
                                              status=Application.Status.SUBMITTED)
                   .select_related("dps").order_by("submitted_at", "pk").first())
        items.append({"kind": "waiting", "application": waiting} if waiting
                     else {"kind": "apply"})
    queried = list(Invoice.objects.filter(
        provider_id=provider_id, status__in=(Invoice.Status.QUERY, Invoice.Status.REJECTED),
        received_on__gte=today - RECENT_DECISIONS).select_related("authority")
        .order_by("received_on", "pk")[:5])
    items += [{"kind": "queried", "invoice": invoice} for invoice in queried]
    month_end = _last_month_end(today)
    live_then = Placement.objects.filter(
        provider_id=provider_id, approval=Approval.APPROVED, start_date__lte=month_end,
    ).exclude(route=Placement.Route.BLOCK).exclude(end_date__lt=month_end.replace(day=1))
    if live_then.exists():
        invoiced_to = InvoiceLine.objects.filter(
            invoice__provider_id=provider_id, live=True,
            kind=InvoiceLine.Kind.PLACEMENT).aggregate(last=Max("date_to"))["last"]
        if invoiced_to is None or invoiced_to < month_end:
            items.append({"kind": "invoice", "to": month_end})
    return items
