"""Vacancies in each state, written as the service writes them (without its checks)."""

import datetime

from django.utils import timezone

from referrals.models import Need
from sufficiency.models import LIFETIME_DAYS, Vacancy
from tests import factories as f


def vacancy(membership=None, *, lot="residential", area="E10000032", ages=(12, 17),
            needs=("semh",), available_from=None, confirmed_days_ago=0, places=1,
            withdrawn=False, notes=""):
    """A vacancy of `membership`'s provider on its lot (a new admitted provider by default),
    posted or last confirmed `confirmed_days_ago` days ago."""
    membership = membership or f.AdmittedMembershipFactory(lot=f.lot(lot))
    today = timezone.localdate()
    confirmed = timezone.now() - datetime.timedelta(days=confirmed_days_ago)
    row = Vacancy.objects.create(
        provider=membership.provider, lot=membership.lot, places=places, area_code=area,
        age_from=ages[0], age_to=ages[1], notes=notes,
        available_from=available_from or today, posted_at=confirmed, confirmed_at=confirmed,
        expires_on=today - datetime.timedelta(days=confirmed_days_ago)
        + datetime.timedelta(days=LIFETIME_DAYS),
        withdrawn_at=timezone.now() if withdrawn else None)
    row.needs.set(Need.objects.filter(code__in=needs))
    return row
