"""Placements start and end on their dates, and a fee change takes effect on its own."""

import datetime
from decimal import Decimal

import pytest

from contracts import services, tasks
from contracts.models import Placement
from dps.models import AuditEntry
from tests.contracts import factories as pf
from tests.contracts.conftest import LONDON, commissioner_of, day

pytestmark = pytest.mark.django_db


def at(time_machine, when):
    time_machine.move_to(datetime.datetime.fromisoformat(when).replace(tzinfo=LONDON),
                         tick=False)


def run():
    return tasks.apply_placement_dates.delay().get()


def test_a_pending_placement_becomes_active_on_its_start_date(time_machine, frozen):
    placement = pf.PendingPlacementFactory(start_date=day("2026-06-03"))
    at(time_machine, "2026-06-02T23:59")
    assert run()["activated"] == 0
    at(time_machine, "2026-06-03T00:10")
    assert run()["activated"] == 1
    assert run()["activated"] == 0
    placement.refresh_from_db()
    assert placement.status == Placement.Status.ACTIVE
    [entry] = AuditEntry.objects.filter(action="placement.activate", object_id=placement.pk)
    assert (entry.actor, entry.from_state, entry.to_state) == (None, "pending_start", "active")


def test_an_award_starting_today_is_active_at_once(awarded):
    assert awarded.status == Placement.Status.PENDING_START  # starts in 30 days
    assert services.activate_due_placements(awarded.start_date) == 1


def test_a_fee_change_in_the_future_becomes_the_current_price_on_its_day(time_machine, frozen):
    placement = pf.PlacementFactory(start_date=day("2026-01-05"))
    services.record_fee_change(placement, by=commissioner_of(placement),
                               new_price=Decimal("5200.00"), effective_from=day("2026-06-10"),
                               reason="Uplift")
    placement.refresh_from_db()
    assert placement.price == Decimal("5000.00")
    at(time_machine, "2026-06-10T00:10")
    assert run()["prices"] == 1
    assert run()["prices"] == 0
    placement.refresh_from_db()
    assert placement.price == Decimal("5200.00")
