"""Ending a placement for a breakdown raises a reassessment trigger on its provider, in the
same transaction as the ending; other reasons, and spot placements with no listed provider,
raise none."""

from unittest import mock

import pytest

from contracts import services
from dps.models import AuditEntry
from monitoring.models import ReassessmentTrigger, TriggerKind
from tests.asserts import assert_error, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day

pytestmark = pytest.mark.django_db


def url(placement):
    return f"/api/v1/placements/{placement.pk}/end/"


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory(start_date=day("2026-01-05"))


def test_a_breakdown_raises_a_trigger_on_the_provider(api, placement):
    user = commissioner_of(placement)
    response = api(user).post(url(placement), {"end_date": "2026-05-29",
                                               "reason": "placement_breakdown"}, format="json")
    assert response.status_code == 200, response.content
    trigger = ReassessmentTrigger.objects.get()
    assert trigger.provider_id == placement.provider_id
    assert trigger.kind == TriggerKind.PLACEMENT_BREAKDOWN
    assert trigger.placement_id == placement.pk
    assert trigger.raised_by == user
    assert "29 May 2026" in trigger.details
    assert placement.child.first_name not in trigger.details
    assert AuditEntry.objects.filter(action="reassessmenttrigger.raised").count() == 1


def test_a_scheduled_breakdown_ending_raises_it_once(placement):
    user = commissioner_of(placement)
    services.end_placement(placement, by=user, end_date=day("2026-06-30"),
                           reason="placement_breakdown")
    services.end_placement(placement, by=user, end_date=day("2026-06-20"),
                           reason="placement_breakdown")
    assert ReassessmentTrigger.objects.count() == 1


@pytest.mark.parametrize("reason", ["planned_move", "provider_notice", "returned_home",
                                    "other"])
def test_other_endings_raise_no_trigger(placement, reason):
    services.end_placement(placement, by=commissioner_of(placement), end_date=day("2026-05-29"),
                           reason=reason)
    assert not ReassessmentTrigger.objects.exists()


def test_a_spot_placement_without_a_provider_raises_none(frozen):
    placement = pf.SpotPlacementFactory(start_date=day("2026-01-05"))
    services.end_placement(placement, by=commissioner_of(placement), end_date=day("2026-05-29"),
                           reason="placement_breakdown")
    assert not ReassessmentTrigger.objects.exists()


def test_a_refused_ending_raises_no_trigger(api, placement):
    client = api(commissioner_of(placement))
    with nothing_changes():
        assert_error(client.post(url(placement), {"end_date": "2025-12-31",
                                                  "reason": "placement_breakdown"},
                                 format="json"), 400, "invalid", fields=["end_date"])


def test_the_trigger_and_the_ending_commit_together(api, placement):
    client = api(commissioner_of(placement))
    # The trigger fails after the placement has been ended: the ending is rolled back too.
    failing = mock.patch("monitoring.services.raise_trigger", side_effect=RuntimeError("boom"))
    with nothing_changes(), failing, pytest.raises(RuntimeError):
        client.post(url(placement), {"end_date": "2026-05-29",
                                     "reason": "placement_breakdown"}, format="json")
