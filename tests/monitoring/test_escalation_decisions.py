"""The DPS administrator's decision on a recommendation to suspend: suspending (through the
memberships service) or dismissing it, with a reason, takes the item off the escalated list; a
reopened item starts afresh."""

import datetime

import pytest
from django.utils import timezone

from dps.models import AuditEntry
from monitoring import selectors, services
from monitoring.models import ActionItem, EscalationDecision
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/action-items/"


@pytest.fixture
def escalated(today):
    return mf.OverdueActionItemFactory(
        reminder_sent_at=timezone.now() - datetime.timedelta(days=15),
        escalated_at=timezone.now())


def dismiss(reason="The provider has since engaged and sent its fire log."):
    return {"reason": reason}


def test_anonymous_cannot_dismiss(anon, escalated):
    with nothing_changes():
        assert_error(anon.post(f"{ITEMS}{escalated.pk}/dismiss-escalation/", dismiss(),
                               format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.BudgetHolderFactory])
def test_only_the_dps_admin_dismisses(api, factory, escalated):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(f"{ITEMS}{escalated.pk}/dismiss-escalation/",
                                         dismiss(), format="json"), 403, "forbidden")


def test_the_providers_own_user_cannot_dismiss(api, escalated):
    client = api(f.ProviderUserFactory(organisation=escalated.plan.provider))
    with nothing_changes():
        assert_error(client.post(f"{ITEMS}{escalated.pk}/dismiss-escalation/", dismiss(),
                                    format="json"), 403, "forbidden")


def test_dismissing_a_missing_item_is_not_found(admin):
    assert_error(admin.post(f"{ITEMS}999999/dismiss-escalation/", dismiss(), format="json"),
                 404, "not_found")


def test_only_an_undecided_escalation_is_dismissed(admin, today):
    not_escalated = mf.OverdueActionItemFactory()
    answered = mf.RespondedActionItemFactory(escalated_at=timezone.now())
    decided = mf.OverdueActionItemFactory(escalated_at=timezone.now(),
                                          escalation_decision=EscalationDecision.DISMISSED)
    with nothing_changes():
        for item in (not_escalated, answered, decided):
            assert_error(admin.post(f"{ITEMS}{item.pk}/dismiss-escalation/", dismiss(),
                                    format="json"), 409, "invalid_transition")


def test_dismissing_needs_a_reason(admin, escalated):
    with nothing_changes():
        assert_error(admin.post(f"{ITEMS}{escalated.pk}/dismiss-escalation/", dismiss(" "),
                                format="json"), 400, "invalid", fields=["reason"])


def test_dps_admin_dismisses_and_the_item_leaves_the_list(admin, dps_admin, escalated):
    assert [r["id"] for r in admin.get(f"{ITEMS}escalated/").json()["results"]] == [
        escalated.pk]
    response = admin.post(f"{ITEMS}{escalated.pk}/dismiss-escalation/", dismiss(),
                          format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["recommend_suspension"], body["escalation_decision"]) == (
        "open", False, "dismissed")
    assert admin.get(f"{ITEMS}escalated/").json()["results"] == []
    entry = AuditEntry.objects.get(action="actionitem.escalation_dismissed",
                                   object_id=escalated.pk)
    assert (entry.actor, entry.reason) == (dps_admin, dismiss()["reason"])
    # A decided recommendation cannot then be acted on.
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    with nothing_changes():
        assert_error(admin.post(f"{ITEMS}{escalated.pk}/suspend-provider/",
                                {"until": "2026-05-01", "reason": "Changed my mind"},
                                format="json"), 409, "invalid_transition")


def test_suspending_records_the_decision(admin, escalated):
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    response = admin.post(f"{ITEMS}{escalated.pk}/suspend-provider/",
                          {"until": "2026-05-01", "reason": "No engagement"}, format="json")
    assert response.status_code == 200, response.json()
    escalated.refresh_from_db()
    assert (escalated.escalation_decision, escalated.escalation_decision_reason) == (
        EscalationDecision.SUSPENDED, "No engagement")
    assert not selectors.escalated_action_items().exists()


def test_reopening_clears_the_decision(dps_admin, commissioner, today):
    item = mf.RespondedActionItemFactory(escalated_at=timezone.now(),
                                         escalation_decision=EscalationDecision.DISMISSED,
                                         escalation_decision_reason="Engaged")
    services.reopen_action(item, by=commissioner, reason="Evidence missing",
                           due_date=today + datetime.timedelta(days=7))
    item.refresh_from_db()
    assert (item.status, item.escalated_at, item.escalation_decision,
            item.escalation_decision_reason) == (ActionItem.Status.OPEN, None, "", "")
