"""Overdue actions escalate: a reminder once, then after the grace period a flag to the DPS
administrator recommending suspension, once. Suspension itself goes through memberships."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from dps.models import AuditEntry
from monitoring import tasks
from providers.models import Membership
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf
from tests.monitoring.conftest import NOON

pytestmark = pytest.mark.django_db

ITEMS = "/api/v1/action-items/"
GRACE = 14


def later(days, hours=0):
    return time_machine.travel(NOON + datetime.timedelta(days=days, hours=hours), tick=False)


def run():
    return tasks.escalate_overdue_actions()


@pytest.fixture
def provider_staff(db):
    return f.ProviderUserFactory(email="manager@sunrise.example")


@pytest.fixture
def admin_user(db):
    return f.DpsAdminFactory(email="dps.team@example.org")


@pytest.fixture
def overdue(today, provider_staff):
    return mf.OverdueActionItemFactory(plan__provider=provider_staff.organisation)


@pytest.fixture
def escalated(today, provider_staff):
    return mf.OverdueActionItemFactory(
        plan__provider=provider_staff.organisation,
        reminder_sent_at=timezone.now() - datetime.timedelta(days=GRACE + 1),
        escalated_at=timezone.now())


# --- The task -------------------------------------------------------------------------------

def test_items_not_yet_overdue_or_answered_are_left_alone(today, provider_staff):
    mf.ActionItemFactory(due_date=today, plan__provider=provider_staff.organisation)
    mf.RespondedActionItemFactory(due_date=today - datetime.timedelta(days=20))
    mf.CancelledActionItemFactory(due_date=today - datetime.timedelta(days=20))
    assert run() == {"reminded": 0, "escalated": 0}
    assert mail.outbox == []


def test_an_overdue_item_is_reminded_once(overdue, provider_staff, admin_user):
    assert run() == {"reminded": 1, "escalated": 0}
    assert run() == {"reminded": 0, "escalated": 0}
    [message] = mail.outbox
    assert message.to == [provider_staff.email]
    assert overdue.plan.title in message.subject
    overdue.refresh_from_db()
    assert overdue.reminder_sent_at == NOON
    assert overdue.escalated_at is None


def test_still_unanswered_after_the_grace_period_it_is_flagged_to_the_dps_admin_once(
        overdue, admin_user, staff):
    run()
    with later(GRACE - 1, hours=23):
        assert run() == {"reminded": 0, "escalated": 0}
    with later(GRACE):
        assert run() == {"reminded": 0, "escalated": 1}
        assert run() == {"reminded": 0, "escalated": 0}
    assert [m.to for m in mail.outbox] == [["manager@sunrise.example"], [admin_user.email]]
    assert "Suspension recommended" in mail.outbox[1].subject
    overdue.refresh_from_db()
    assert overdue.recommend_suspension
    assert [e.action for e in AuditEntry.objects.filter(object_id=overdue.pk).order_by("at")] \
        == ["actionitem.reminded", "actionitem.escalated"]
    assert staff.get(f"{ITEMS}{overdue.pk}/").json()["recommend_suspension"] is True


def test_the_grace_period_is_a_setting(overdue, admin_user, settings):
    settings.MONITORING_ESCALATION_GRACE_DAYS = 3
    run()
    with later(3):
        assert run() == {"reminded": 0, "escalated": 1}


def test_an_answer_within_the_grace_period_stops_the_escalation(overdue, provider_staff, api):
    run()
    response = api(provider_staff).post(f"{ITEMS}{overdue.pk}/respond/", {
        "provider_response": "Done now.", "evidence": "Log"}, format="json")
    assert response.status_code == 200
    with later(GRACE + 5):
        assert run() == {"reminded": 0, "escalated": 0}
    assert len(mail.outbox) == 1


# --- The DPS admin sees escalations with their history --------------------------------------

def test_anonymous_cannot_list_escalations(anon):
    assert_error(anon.get(f"{ITEMS}escalated/"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_only_the_dps_admin_lists_escalations(api, factory):
    assert_error(api(factory()).get(f"{ITEMS}escalated/"), 403, "forbidden")


def test_dps_admin_lists_escalated_items_with_history_and_memberships(overdue, admin,
                                                                     admin_user):
    membership = f.AdmittedMembershipFactory(provider=overdue.plan.provider)
    run()
    with later(GRACE):
        mf.OverdueActionItemFactory()  # overdue: reminded now, not escalated
        assert run() == {"reminded": 1, "escalated": 1}
        body = admin.get(f"{ITEMS}escalated/").json()
    [row] = body["results"]
    assert (row["id"], row["provider"], row["recommend_suspension"]) == (
        overdue.pk, overdue.plan.provider_id, True)
    assert [h["action"] for h in row["history"]] == ["actionitem.reminded",
                                                     "actionitem.escalated"]
    assert [m["id"] for m in row["memberships"]] == [membership.pk]


# --- Acting on the recommendation goes through the membership service -----------------------

def suspend(until="2026-06-01", reason="Did not engage with the action plan", **extra):
    return {"until": until, "reason": reason, **extra}


def test_commissioner_cannot_suspend_a_provider(escalated, staff):
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    with nothing_changes():
        assert_error(staff.post(f"{ITEMS}{escalated.pk}/suspend-provider/", suspend(),
                                format="json"), 403, "forbidden")


def test_suspension_needs_an_escalated_open_item(overdue, admin):
    f.AdmittedMembershipFactory(provider=overdue.plan.provider)
    with nothing_changes():
        assert_error(admin.post(f"{ITEMS}{overdue.pk}/suspend-provider/", suspend(),
                                format="json"), 409, "invalid_transition")


def test_the_membership_services_limit_applies(escalated, admin):
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    with nothing_changes():
        assert_error(admin.post(f"{ITEMS}{escalated.pk}/suspend-provider/",
                                suspend(until="2026-12-01"), format="json"),
                     400, "suspension_too_long")


def test_only_the_providers_own_memberships_can_be_named(escalated, admin):
    f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    elsewhere = f.AdmittedMembershipFactory()
    with nothing_changes():
        assert_error(admin.post(f"{ITEMS}{escalated.pk}/suspend-provider/",
                                suspend(memberships=[elsewhere.pk]), format="json"),
                     400, "invalid", fields=["memberships"])


def test_dps_admin_suspends_the_providers_admitted_memberships(escalated, admin, dps_admin):
    fostering = f.AdmittedMembershipFactory(provider=escalated.plan.provider)
    tuition = f.AdmittedMembershipFactory(provider=escalated.plan.provider,
                                          lot=f.lot("tuition"))
    response = admin.post(f"{ITEMS}{escalated.pk}/suspend-provider/", suspend(), format="json")
    assert response.status_code == 200, response.json()
    assert {m["id"] for m in response.json()["memberships"]} == {fostering.pk, tuition.pk}
    for membership in (fostering, tuition):
        membership.refresh_from_db()
        assert (membership.status, membership.suspended_until) == (
            Membership.Status.SUSPENDED, datetime.date(2026, 6, 1))
    assert AuditEntry.objects.filter(action="membership.suspend", actor=dps_admin).count() == 2
    entry = AuditEntry.objects.get(action="actionitem.suspension", object_id=escalated.pk)
    assert sorted(entry.data["memberships"]) == sorted([fostering.pk, tuition.pk])
