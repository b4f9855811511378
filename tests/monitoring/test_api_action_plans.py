"""Action plans: staff create them with items; a provider sees and answers only its own."""

import pytest

from dps.models import AuditEntry
from monitoring.models import ActionItem, ActionPlan
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf

pytestmark = pytest.mark.django_db

PLANS = "/api/v1/action-plans/"
ITEMS = "/api/v1/action-items/"


def item_url(item, action=""):
    return f"{ITEMS}{item.pk}/{action + '/' if action else ''}"


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def new_plan(provider, items=None, **extra):
    return {"provider": provider.pk, "title": "After the March visit",
            "items": items if items is not None else [
                {"action": "Update the missing-from-care policy.", "owner": "Manager",
                 "due_date": "2026-04-10"},
                {"action": "Train night staff in restraint reduction.", "owner": "Deputy",
                 "due_date": "2026-05-01"}], **extra}


def respond(text="Policy updated and shared with staff.", evidence="Policy v3, minutes."):
    return {"provider_response": text, "evidence": evidence}


# --- Create ---------------------------------------------------------------------------------

def test_anonymous_cannot_create_a_plan(anon, provider, today):
    with nothing_changes():
        assert_error(anon.post(PLANS, new_plan(provider), format="json"), 401,
                     "not_authenticated")


def test_provider_cannot_create_a_plan(api, provider_user, today):
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(PLANS, new_plan(provider_user.organisation), format="json"),
                     403, "forbidden")


def test_a_plan_needs_items_each_due_today_or_later(staff, provider, today):
    with nothing_changes():
        assert_error(staff.post(PLANS, new_plan(provider, items=[]), format="json"), 400,
                     "invalid", fields=["items"])
        assert_error(staff.post(PLANS, new_plan(provider, items=[
            {"action": "Do it", "owner": "Manager", "due_date": "2026-03-09"}]),
            format="json"), 400, "invalid", fields=["items.0.due_date"])
        assert_error(staff.post(PLANS, new_plan(provider, items=[
            {"action": "", "owner": "Manager", "due_date": "2026-03-20"}]),
            format="json"), 400, "invalid", fields=["items.0.action"])


def test_a_plan_follows_an_activity_of_the_same_provider(staff, provider, today):
    elsewhere = mf.DoneActivityFactory()
    with nothing_changes():
        assert_error(staff.post(PLANS, new_plan(provider, activity=elsewhere.pk),
                                format="json"), 400, "invalid", fields=["activity"])


def test_staff_create_a_plan_with_items(staff, provider, today):
    visit = mf.DoneActivityFactory(provider=provider)
    response = staff.post(PLANS, new_plan(provider, activity=visit.pk), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["provider"], body["activity"]) == (provider.pk, visit.pk)
    assert [(i["due_date"], i["status"]) for i in body["items"]] == [
        ("2026-04-10", "open"), ("2026-05-01", "open")]
    assert AuditEntry.objects.filter(action="actionitem.created").count() == 2


# --- Provider sees and answers only its own -------------------------------------------------

def test_provider_lists_only_its_own_plans_and_items(api, provider_user, other_provider_user):
    mine = mf.ActionItemFactory(plan__provider=provider_user.organisation)
    theirs = mf.ActionItemFactory(plan__provider=other_provider_user.organisation)
    client = api(provider_user)
    assert [p["id"] for p in client.get(PLANS).json()["results"]] == [mine.plan_id]
    assert [i["id"] for i in client.get(ITEMS).json()["results"]] == [mine.pk]
    assert_error(client.get(f"{PLANS}{theirs.plan_id}/"), 404, "not_found")
    assert_error(client.get(item_url(theirs)), 404, "not_found")


def test_provider_does_not_see_the_escalation_flag(api, provider_user):
    item = mf.OverdueActionItemFactory(plan__provider=provider_user.organisation)
    body = api(provider_user).get(item_url(item)).json()
    assert "recommend_suspension" not in body
    assert "escalated_at" not in body


def test_provider_cannot_answer_another_providers_item(api, provider_user, today):
    theirs = mf.ActionItemFactory()
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(item_url(theirs, "respond"), respond(), format="json"), 404,
                     "not_found")


def test_staff_cannot_answer_for_the_provider(staff, today):
    item = mf.ActionItemFactory()
    with nothing_changes():
        assert_error(staff.post(item_url(item, "respond"), respond(), format="json"), 403,
                     "forbidden")


@pytest.mark.parametrize("factory", mf.item_states_except("open"))
def test_provider_answers_only_an_open_item(api, provider_user, today, factory):
    item = factory(plan__provider=provider_user.organisation)
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(item_url(item, "respond"), respond(), format="json"), 409,
                     "invalid_transition")


def test_an_answer_says_what_was_done(api, provider_user, today):
    item = mf.ActionItemFactory(plan__provider=provider_user.organisation)
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(item_url(item, "respond"), respond(text=" "), format="json"),
                     400, "invalid", fields=["provider_response"])


def test_provider_answers_its_own_item_with_evidence(api, provider_user, today):
    item = mf.OverdueActionItemFactory(plan__provider=provider_user.organisation)
    response = api(provider_user).post(item_url(item, "respond"), respond(), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["provider_response"], body["evidence"]) == (
        "responded", "Policy updated and shared with staff.", "Policy v3, minutes.")
    entry = AuditEntry.objects.get(action="actionitem.respond", object_id=item.pk)
    assert (entry.actor_id, entry.from_state, entry.to_state) == (
        provider_user.pk, "open", "responded")


# --- Staff close or reopen ------------------------------------------------------------------

def test_provider_cannot_complete_its_own_item(api, provider_user, today):
    item = mf.RespondedActionItemFactory(plan__provider=provider_user.organisation)
    client = api(provider_user)
    with nothing_changes():
        assert_error(client.post(item_url(item, "complete"), {}, format="json"), 403,
                     "forbidden")


@pytest.mark.parametrize("factory", mf.item_states_except("open", "responded"))
def test_a_closed_item_cannot_be_completed_or_cancelled(staff, today, factory):
    item = factory()
    with nothing_changes():
        assert_error(staff.post(item_url(item, "complete"), {}, format="json"), 409,
                     "invalid_transition")
        assert_error(staff.post(item_url(item, "cancel"), {"reason": "x"}, format="json"), 409,
                     "invalid_transition")


@pytest.mark.parametrize("factory", mf.item_states_except("responded"))
def test_only_an_answered_item_can_be_reopened(staff, today, factory):
    item = factory()
    with nothing_changes():
        assert_error(staff.post(item_url(item, "reopen"), {
            "reason": "Not enough", "due_date": "2026-04-01"}, format="json"),
            409, "invalid_transition")


def test_commissioner_completes_an_answered_item(staff, commissioner, today):
    item = mf.RespondedActionItemFactory()
    body = staff.post(item_url(item, "complete"), {"reason": "Seen on visit"},
                      format="json").json()
    assert body["status"] == "completed"
    item.refresh_from_db()
    assert (item.closed_by, item.status) == (commissioner, ActionItem.Status.COMPLETED)


def test_commissioner_cancels_an_item_with_a_reason(staff, today):
    item = mf.ActionItemFactory()
    with nothing_changes():
        assert_error(staff.post(item_url(item, "cancel"), {"reason": ""}, format="json"), 400,
                     "invalid", fields=["reason"])
    assert staff.post(item_url(item, "cancel"), {"reason": "Superseded"},
                      format="json").json()["status"] == "cancelled"


def test_reopening_sets_a_new_due_date_and_restarts_escalation(staff, today):
    item = mf.RespondedActionItemFactory(reminder_sent_at="2026-03-01T09:00:00Z",
                                         escalated_at="2026-03-08T09:00:00Z")
    with nothing_changes():
        assert_error(staff.post(item_url(item, "reopen"), {
            "reason": "No evidence", "due_date": "2026-03-09"}, format="json"),
            400, "invalid", fields=["due_date"])
    body = staff.post(item_url(item, "reopen"), {"reason": "No evidence",
                                                 "due_date": "2026-03-31"},
                      format="json").json()
    assert (body["status"], body["due_date"], body["reminder_sent_at"],
            body["escalated_at"]) == ("open", "2026-03-31", None, None)


def test_staff_read_an_items_history(staff, commissioner, today):
    staff.post(PLANS, new_plan(f.ProviderOrgFactory()), format="json")
    item = ActionItem.objects.order_by("pk").first()
    staff.post(item_url(item, "cancel"), {"reason": "Superseded"}, format="json")
    body = staff.get(item_url(item)).json()
    assert [(h["action"], h["to_state"]) for h in body["history"]] == [
        ("actionitem.created", "open"), ("actionitem.cancel", "cancelled")]
    assert ActionPlan.objects.count() == 1


def test_staff_filter_items(staff, provider, today):
    overdue = mf.OverdueActionItemFactory(plan__provider=provider)
    mf.ActionItemFactory(plan__provider=provider)
    mf.OverdueActionItemFactory()

    def ids(**params):
        return {i["id"] for i in staff.get(ITEMS, params).json()["results"]}

    assert ids(provider=provider.pk, overdue="true") == {overdue.pk}
    assert len(ids(provider=provider.pk)) == 2
