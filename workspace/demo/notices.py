"""The Procurement Act notices the demo's records call for (issue 15, ADR 0020), as a council
that has kept up would have them: every notice due more than a month ago recorded as published
on its due day (with a Find a Tender-style identifier), the recent ones left due or overdue, so
the dashboard and the notices page open on real work. Through the services: the scan raises
them, `record_publication` publishes, `refresh` marks the late ones overdue."""

import datetime as dt

from dps.models import User
from notices.models import Notice
from notices.services import raise_missing, record_publication, refresh
from workspace.demo.clock import on

KEPT_UP_UNTIL_DAYS = 30


def seed_notices(today):
    admin = User.objects.get(username="admin")
    raise_missing(today)
    cutoff = today - dt.timedelta(days=KEPT_UP_UNTIL_DAYS)
    old = Notice.objects.filter(status=Notice.Status.DUE, due_by__lt=cutoff).order_by(
        "due_by", "pk")
    for number, notice in enumerate(old, start=1):
        published_on = min(max(notice.due_by, notice.event_on), today)
        with on(published_on):
            record_publication(notice, by=admin, published_on=published_on,
                               notice_identifier=f"{number:06d}-{published_on.year}")
    return refresh(today)
