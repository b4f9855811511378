"""Review reminders to the authority's commissioners: once before each review date, once more
when it is overdue, however often the task runs.

Each batch is claimed with `select_for_update(skip_locked=True)` and marked in the same
transaction as the e-mails go, so two workers never send the same reminder and a failed send
is retried on the next run.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from contracts import rules
from contracts.models import Placement, PlacementReview, SupportItem
from contracts.tasks import commissioner_emails, message, send
from dps import formatting

LIVE = [Placement.Status.PENDING_START, Placement.Status.ACTIVE]


def _send_batches(queryset, field, *, template, subject, overdue, batch_size=200):
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(queryset.select_for_update(skip_locked=True, of=("self",))
                         .select_related("placement", "placement__lot")
                         .order_by("pk")[:batch_size])
            if not batch:
                return sent
            addresses = commissioner_emails([row.placement.authority_id for row in batch])
            messages = [message(subject(row), template, {"row": row, "overdue": overdue,
                                                          "placement": row.placement}, to)
                        for row in batch if (to := addresses.get(row.placement.authority_id))]
            sent += send(messages)
            queryset.model.objects.filter(pk__in=[row.pk for row in batch]).update(
                **{field: timezone.now()})


def send_support_reminders(today=None):
    today = today or timezone.localdate()
    soon = today + timedelta(days=rules.support_reminder_days())
    pending = SupportItem.objects.filter(placement__status__in=LIVE, reviewed_on__isnull=True)
    due = pending.filter(review_reminder_sent_at__isnull=True, review_date__gte=today,
                         review_date__lte=soon)
    overdue = pending.filter(overdue_reminder_sent_at__isnull=True, review_date__lt=today,
                             end_date__gte=today)
    template = "contracts/email/support_review.txt"
    return (
        _send_batches(due, "review_reminder_sent_at", template=template, overdue=False,
                      subject=lambda item: "Support review due by "
                                           f"{formatting.long_date(item.review_date)}:"
                                           f" placement {item.placement_id}")
        + _send_batches(overdue, "overdue_reminder_sent_at", template=template, overdue=True,
                        subject=lambda item: f"Support review overdue since "
                                             f"{formatting.long_date(item.review_date)}: placement "
                                             f"{item.placement_id}"))


def send_placement_reminders(today=None):
    today = today or timezone.localdate()
    soon = today + timedelta(days=rules.placement_reminder_days())
    pending = PlacementReview.objects.filter(placement__status__in=LIVE, done_date__isnull=True)
    due = pending.filter(Q(reminder_sent_at__isnull=True), due_date__gte=today,
                         due_date__lte=soon)
    overdue = pending.filter(overdue_sent_at__isnull=True, due_date__lt=today)
    template = "contracts/email/placement_review.txt"
    return (
        _send_batches(due, "reminder_sent_at", template=template, overdue=False,
                      subject=lambda r: "Placement review due by "
                                        f"{formatting.long_date(r.due_date)}: "
                                        f"placement {r.placement_id}")
        + _send_batches(overdue, "overdue_sent_at", template=template, overdue=True,
                        subject=lambda r: f"Placement review overdue since "
                                          f"{formatting.long_date(r.due_date)}: "
                                          f"placement {r.placement_id}"))


def send_review_reminders(today=None):
    return {"support": send_support_reminders(today), "placement": send_placement_reminders(today)}
