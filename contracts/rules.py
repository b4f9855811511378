"""The placements' rule settings and date arithmetic, read in one place.

The numbers come from the DPS (`fixed_price_months`) or from settings.py
(`PLACEMENT_REVIEW_SCHEDULE`, `*_REMINDER_DAYS`, `FEE_CHANGE_MAX_BACKDATE_DAYS`): never from
constants here.
"""

import calendar
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q

from dps.workdays import add_working_days


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def fixed_price_months(placement) -> int:
    return placement.lot.dps.fixed_price_months


def max_backdate_days() -> int:
    return settings.FEE_CHANGE_MAX_BACKDATE_DAYS


def support_reminder_days() -> int:
    return settings.SUPPORT_REVIEW_REMINDER_DAYS


def placement_reminder_days() -> int:
    return settings.PLACEMENT_REVIEW_REMINDER_DAYS


def review_due_date(start_date: date, sequence: int, previous: date | None = None) -> date:
    """When review `sequence` falls due: the first so many working days after the start, the
    second so many months after the first, then every so many months after the one before.

    `previous` is the date the review before was held (or, failing that, due).
    """
    schedule = settings.PLACEMENT_REVIEW_SCHEDULE
    if sequence == 1:
        return add_working_days(start_date, schedule["first_working_days"])
    months = schedule["second_months"] if sequence == 2 else schedule["then_months"]
    return add_months(previous, months)


def in_force_on(day: date, prefix: str = "") -> Q:
    """Fee periods in force on `day` (both ends inclusive; an open period runs on)."""
    return (Q(**{f"{prefix}effective_from__lte": day})
            & (Q(**{f"{prefix}effective_to__isnull": True})
               | Q(**{f"{prefix}effective_to__gte": day})))


def days_before(day: date, days: int) -> date:
    return day - timedelta(days=days)
