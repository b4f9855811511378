"""A release id names exactly one content; a release's date is when that content came about.

OCDS releases are immutable: a consumer that has seen a release id never reads it again, so a
change (here, a placement's end being scheduled, the placement starting, then ending) must give a
new id and a later date, and building again without a change must give the same id and date.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from calloffs import services as calloff_services
from calloffs.models import CallOff
from contracts import services as contract_services
from dps.models import AuditEntry
from reports import ocds
from tests import factories as f
from tests.calloffs import factories as cf

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def build(calloff):
    """The call-off's release, read afresh from the database as the export reads it."""
    (release,) = ocds.package(ocds.for_export(CallOff.objects.filter(pk=calloff.pk)))["releases"]
    return release


def moment(release):
    return datetime.datetime.fromisoformat(release["date"])


@pytest.fixture
def awarded(db):
    calloff, _ = cf.awaiting_approval()
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    placement = calloff_services.approve_award(calloff, by=approver)
    calloff.refresh_from_db()
    return calloff, placement


def on(day, hour):
    """A moment on `day`, Europe/London."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def latest_audit(placement, action):
    return AuditEntry.objects.filter(object_id=placement.pk, action=action).latest("at").at


def test_building_twice_without_a_change_gives_the_same_release(awarded):
    calloff, _ = awarded
    first = build(calloff)
    assert build(calloff) == first
    assert first["id"].startswith(f"{first['ocid']}-award-contract-")
    # The approval's audited changes, made in one transaction with `approved_at`.
    approval = AuditEntry.objects.filter(action__in=["calloff.approve", "placement.created"])
    assert moment(first) == approval.latest("at").at >= calloff.approved_at


def test_scheduling_the_end_gives_a_new_id_and_a_later_date(awarded):
    calloff, placement = awarded
    before = build(calloff)
    commissioner = f.CommissionerFactory(organisation=calloff.authority)
    later = timezone.now() + datetime.timedelta(hours=3)
    end = max(placement.start_date, later.date()) + datetime.timedelta(days=30)
    with time_machine.travel(later, tick=False):
        contract_services.end_placement(placement, by=commissioner, end_date=end,
                                        reason="planned_move")
    after = build(calloff)

    assert after["contracts"][0]["period"]["endDate"].startswith(end.isoformat())
    assert after["contracts"][0]["status"] == before["contracts"][0]["status"] == "pending"
    assert after["id"] != before["id"]
    assert moment(after) > moment(before)
    # The date is the time of the change itself, not the time of the build.
    assert moment(after) == latest_audit(placement, "placement.end_scheduled") == later
    # Stable again once nothing changes.
    assert build(calloff) == after


def test_starting_then_ending_the_placement_each_give_a_new_release(awarded):
    calloff, placement = awarded
    pending = build(calloff)
    starts = on(placement.start_date, 7)
    with time_machine.travel(starts, tick=False):
        contract_services.activate_due_placements(today=placement.start_date)
    active = build(calloff)
    assert active["contracts"][0]["status"] == "active"
    assert active["id"] != pending["id"]
    assert moment(active) == starts

    ends = on(placement.start_date + datetime.timedelta(days=3), 15)
    with time_machine.travel(ends, tick=False):
        contract_services.end_placement(
            placement, by=f.CommissionerFactory(organisation=calloff.authority),
            end_date=placement.start_date + datetime.timedelta(days=3), reason="planned_move")
    ended = build(calloff)
    assert ended["tag"] == ["award", "contract", "contractTermination"]
    assert ended["id"].startswith(f"{ended['ocid']}-award-contract-contractTermination-")
    assert ended["id"] not in {pending["id"], active["id"]}
    assert moment(ended) == ends
    assert build(calloff) == ended


def test_a_change_the_release_does_not_show_keeps_its_id_and_date(awarded):
    calloff, placement = awarded
    with time_machine.travel(on(placement.start_date, 7), tick=False):
        contract_services.activate_due_placements(today=placement.start_date)
    before = build(calloff)
    # A review is audited on the placement, but nothing of it is published.
    with time_machine.travel(on(placement.start_date + datetime.timedelta(days=2), 9),
                             tick=False):
        contract_services.record_placement_review(
            placement, by=f.CommissionerFactory(organisation=calloff.authority),
            done_date=timezone.localdate())
    assert AuditEntry.objects.filter(object_id=placement.pk, action="placement.reviewed").exists()
    assert build(calloff) == before


def test_the_tender_closing_moves_the_date_of_a_tender_release(db):
    calloff = cf.OpenCallOffFactory()
    opened = build(calloff)
    assert moment(opened) == calloff.published_at
    closes = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(closes, tick=False):
        calloff_services.close_calloff(calloff, by=None)
    closed = build(calloff)
    assert closed["tender"]["status"] == "complete"
    assert closed["id"] != opened["id"]
    assert moment(closed) == closes


def test_cancelling_moves_the_date_to_the_cancellation(db):
    # A cancellation has no timestamp of its own on the call-off: its audit row gives the date.
    calloff = cf.OpenCallOffFactory()
    opened = build(calloff)
    cancels = timezone.now() + datetime.timedelta(hours=2)
    with time_machine.travel(cancels, tick=False):
        calloff_services.cancel_calloff(
            calloff, by=f.CommissionerFactory(organisation=calloff.authority),
            reason="The child's plan changed.")
    cancelled = build(calloff)
    assert cancelled["tag"] == ["tenderCancellation"]
    assert cancelled["id"] != opened["id"]
    assert moment(cancelled) == cancels


def test_the_id_is_a_digest_of_everything_but_itself(awarded):
    calloff, _ = awarded
    release = build(calloff)
    assert ocds._release_id(release) == release["id"]
    for change in ({"date": "2030-01-01T00:00:00+00:00"}, {"language": "cy"},
                   {"tender": {**release["tender"], "title": "Another"}}):
        assert ocds._release_id({**release, **change}) != release["id"], change
    assert ocds._release_id({**release, "id": "anything"}) == release["id"]


def test_the_api_serves_the_same_release_id_as_the_export(api, awarded):
    calloff, _ = awarded
    response = api(f.DpsAdminFactory()).get(f"/api/v1/calloffs/{calloff.pk}/ocds/")
    assert response.status_code == 200
    assert response.json()["releases"][0] == build(calloff)
