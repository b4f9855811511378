"""Support items on a placement and their reviews."""


from django.db import transaction
from django.utils import timezone

from contracts.agreements import queue_agreement
from contracts.models import (
    SupportItem,
)
from contracts.services_common import (
    _invalid,
    _lock,
    _require_authority,
    _require_not_ended,
)
from dps import audit
from dps.errors import RuleViolation
from referrals.audience import refuse_identifiers
from reports.summary import follow

# --- Support items --------------------------------------------------------------------------

def _support_problems(placement, *, description, weekly_cost, start_date, review_date,
                      end_date):
    problems = {}
    if not (description or "").strip():
        problems["description"] = ["Describe the support."]
    if weekly_cost is None or weekly_cost <= 0:
        problems["weekly_cost"] = ["Must be more than 0."]
    if start_date is None:
        problems["start_date"] = ["Enter the start date."]
    if end_date is None:
        problems["end_date"] = ["Enter the end date."]
    if review_date is None:
        problems["review_date"] = ["Enter a review date."]
    if start_date and start_date < placement.start_date:
        problems["start_date"] = [f"Must be on or after the placement's start, "
                                  f"{placement.start_date}."]
    if start_date and end_date and end_date < start_date:
        problems["end_date"] = ["Must be on or after the start date."]
    if placement.end_date and end_date and end_date > placement.end_date:
        problems["end_date"] = [f"Must be on or before the placement's end, "
                                f"{placement.end_date}."]
    if review_date and start_date and end_date and not start_date <= review_date <= end_date:
        problems["review_date"] = ["Must be between the start and end dates."]
    return problems


@transaction.atomic
def add_support_item(placement, *, by, description, weekly_cost, start_date, review_date,
                     end_date):
    placement = _lock(placement)
    _require_authority(placement, by)
    _require_not_ended(placement, "add support to")
    problems = _support_problems(placement, description=description, weekly_cost=weekly_cost,
                                 start_date=start_date, review_date=review_date,
                                 end_date=end_date)
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    refuse_identifiers(placement, {"description": description})
    item = SupportItem.objects.create(
        placement=placement, description=description.strip(), weekly_cost=weekly_cost,
        start_date=start_date, review_date=review_date, end_date=end_date, created_by=by)
    audit.record(item, "supportitem.added", by=by,
                 data={"placement": placement.pk, "weekly_cost": str(weekly_cost),
                       "start_date": start_date.isoformat(), "end_date": end_date.isoformat(),
                       "review_date": review_date.isoformat()})
    queue_agreement(placement, by=by, reason=f"Support item {item.pk} added")
    follow(placement)
    return item


@transaction.atomic
def record_support_review(item, *, by, reviewed_on, next_review_date=None, notes=""):
    """The support was reviewed: set the next review date (reminders start again) or none."""
    item = SupportItem.objects.select_related("placement").get(pk=item.pk)
    placement = _lock(item.placement)
    item = SupportItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
    _require_authority(placement, by)
    _require_not_ended(placement, "review support on")
    if reviewed_on > timezone.localdate():
        raise _invalid("reviewed_on", "Must not be in the future.")
    if next_review_date is not None and not (
            max(reviewed_on, item.start_date) < next_review_date <= item.end_date):
        raise _invalid("next_review_date",
                       f"Must be after the review and on or before {item.end_date}.")
    before = item.review_date
    item.reviewed_on = reviewed_on
    if next_review_date is not None:
        item.review_date = next_review_date
        item.reviewed_on = None
        item.review_reminder_sent_at = None
        item.overdue_reminder_sent_at = None
    item.save(update_fields=["review_date", "reviewed_on", "review_reminder_sent_at",
                             "overdue_reminder_sent_at"])
    audit.record(item, "supportitem.reviewed", by=by, reason=notes,
                 data={"review_date": before.isoformat(), "reviewed_on": reviewed_on.isoformat(),
                       "next_review_date": next_review_date.isoformat()
                       if next_review_date else None})
    return item
