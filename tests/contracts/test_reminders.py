"""Review reminders: once before the review date, once when overdue, however often it runs."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from contracts import tasks
from contracts.models import SupportItem
from tests import factories as f
from tests.contracts import factories as pf
from tests.contracts.conftest import LONDON, day

pytestmark = pytest.mark.django_db


def at(time_machine, when):
    time_machine.move_to(datetime.datetime.fromisoformat(when).replace(tzinfo=LONDON),
                         tick=False)


def run():
    """The beat task, as the worker runs it."""
    return tasks.send_review_reminders.delay().get()


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-06-01"))  # first review due 29 June


@pytest.fixture
def commissioners(placement):
    f.FinanceFactory(organisation=placement.authority)  # not a commissioner: not told
    f.CommissionerFactory(organisation=f.AuthorityFactory())  # another authority's
    return [f.CommissionerFactory(organisation=placement.authority) for _ in range(2)]


def support(placement, review="2026-06-20", end="2026-12-31"):
    return SupportItem.objects.create(
        placement=placement, description="1:1 evening support", weekly_cost=Decimal("400.00"),
        start_date=day("2026-06-01"), review_date=day(review), end_date=day(end))


def test_support_review_reminders_are_sent_once_each(time_machine, placement, commissioners):
    item = support(placement)
    at(time_machine, "2026-06-05T07:00")  # 15 days before: too early
    assert run() == {"support": 0, "placement": 0}
    assert mail.outbox == []

    at(time_machine, "2026-06-06T07:00")  # 14 days before
    assert run()["support"] == 1
    assert run()["support"] == 0
    [message] = mail.outbox
    assert sorted(message.to) == sorted(c.email for c in commissioners)
    assert "due by 20 June 2026" in message.body
    item.refresh_from_db()
    assert item.review_reminder_sent_at is not None

    at(time_machine, "2026-06-20T23:00")  # the review day itself is not overdue
    assert run()["support"] == 0
    at(time_machine, "2026-06-21T07:00")
    assert run()["support"] == 1
    assert run()["support"] == 0
    sent = [m for m in mail.outbox if m.subject.startswith("Support review")]
    assert [m.subject.split(":")[0] for m in sent] == [
        "Support review due by 20 June 2026", "Support review overdue since 20 June 2026"]


def test_placement_review_reminders_are_sent_once_each(time_machine, placement, commissioners):
    at(time_machine, "2026-06-15T07:00")  # 14 days before 29 June
    assert run()["placement"] == 1
    assert run()["placement"] == 0
    at(time_machine, "2026-06-30T07:00")
    assert run()["placement"] == 1
    assert run()["placement"] == 0
    due, overdue = mail.outbox
    assert "Review 1 of placement" in due.body
    assert "due by 29 June 2026" in due.body
    assert "overdue" in overdue.body
    assert sorted(overdue.to) == sorted(c.email for c in commissioners)


def test_a_review_held_stops_the_overdue_reminder(api, time_machine, placement, commissioners):
    at(time_machine, "2026-06-29T10:00")
    client = api(commissioners[0])
    client.post(f"/api/v1/placements/{placement.pk}/reviews/", {"done_date": "2026-06-29"},
                format="json")
    at(time_machine, "2026-06-30T07:00")
    assert run()["placement"] == 0  # the next review (29 September) is not due yet


def test_a_support_review_held_stops_the_overdue_reminder(time_machine, placement,
                                                           commissioners):
    item = support(placement)
    item.reviewed_on = day("2026-06-19")
    item.save()
    at(time_machine, "2026-06-25T07:00")
    assert run()["support"] == 0


def test_the_reminder_window_is_a_setting(time_machine, placement, commissioners, settings):
    settings.SUPPORT_REVIEW_REMINDER_DAYS = 7
    support(placement)
    at(time_machine, "2026-06-12T07:00")
    assert run()["support"] == 0
    at(time_machine, "2026-06-13T07:00")
    assert run()["support"] == 1


def test_ended_placements_get_no_reminders(time_machine, frozen):
    ended = pf.EndedPlacementFactory(start_date=day("2026-01-05"), end_date=day("2026-05-31"))
    f.CommissionerFactory(organisation=ended.authority)
    SupportItem.objects.create(placement=ended, description="Mentoring",
                               weekly_cost=Decimal("100.00"), start_date=day("2026-01-05"),
                               review_date=day("2026-05-01"), end_date=day("2026-05-31"))
    assert run() == {"support": 0, "placement": 0}
    assert mail.outbox == []


def test_an_authority_without_commissioners_is_marked_and_not_retried(time_machine, placement):
    item = support(placement)
    at(time_machine, "2026-06-10T07:00")
    assert run()["support"] == 0
    item.refresh_from_db()
    assert item.review_reminder_sent_at is not None
