"""Memberships: list, suspend, reinstate, remove (dps_admin), and suspensions lapsing."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from dps.models import AuditEntry
from providers import services, tasks
from providers.models import Membership
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/memberships/"
LONDON = zoneinfo.ZoneInfo("Europe/London")
# A fixed "today" so that month arithmetic is exact: 10 March 2026 + 6 months = 10 Sept 2026.
TODAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)
SIX_MONTHS = datetime.date(2026, 9, 10)


def url(membership, action=""):
    return f"{URL}{membership.pk}/{action + '/' if action else ''}"


def suspend(until, reason="Safeguarding investigation"):
    return {"until": until.isoformat(), "reason": reason}


@pytest.fixture
def today():
    with time_machine.travel(NOON, tick=False):
        yield TODAY


@pytest.fixture
def admin(api, dps_admin):
    return api(dps_admin)


@pytest.fixture
def membership(db):
    return f.AdmittedMembershipFactory()


# --- List and read --------------------------------------------------------------------------

def test_anonymous_cannot_list_memberships(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_provider_cannot_see_another_providers_membership(api, provider_user, membership):
    assert_error(api(provider_user).get(url(membership)), 404, "not_found")


def test_memberships_cannot_be_filtered_by_a_malformed_provider_id(api, commissioner):
    response = api(commissioner).get(URL, {"provider": "sunrise"})
    assert_error(response, 400, "invalid", fields=["provider"])


def test_provider_lists_only_its_own_memberships(api, provider_user, other_provider_user):
    mine = f.AdmittedMembershipFactory(provider=provider_user.organisation)
    f.AdmittedMembershipFactory(provider=other_provider_user.organisation)
    body = api(provider_user).get(URL).json()
    assert [m["id"] for m in body["results"]] == [mine.pk]
    # Asking for another provider's does not widen the view.
    body = api(provider_user).get(URL, {"provider": other_provider_user.organisation_id}).json()
    assert body["results"] == []


def test_membership_shows_the_contract_fields_with_money_as_a_string(api, commissioner):
    suspended = f.SuspendedMembershipFactory(price_cap="5200.5", lot=f.lot("residential"))
    [body] = api(commissioner).get(URL).json()["results"]
    assert {"id", "provider", "lot", "price_cap", "status", "suspended_until"} <= set(body)
    assert (body["id"], body["provider"], body["lot"], body["status"]) == (
        suspended.pk, suspended.provider_id, "residential", "suspended")
    assert_money(body["price_cap"], "5200.50")
    assert body["suspended_until"] == suspended.suspended_until.isoformat()


def test_authority_user_filters_memberships_by_provider_and_by_lot_code_or_id(api, commissioner):
    provider = f.ProviderOrgFactory()
    fostering = f.AdmittedMembershipFactory(provider=provider)
    tuition = f.AdmittedMembershipFactory(provider=provider, lot=f.lot("tuition"))
    other = f.AdmittedMembershipFactory()
    client = api(commissioner)

    def ids(**params):
        return {m["id"] for m in client.get(URL, params).json()["results"]}

    assert ids() == {fostering.pk, tuition.pk, other.pk}
    assert ids(provider=provider.pk) == {fostering.pk, tuition.pk}
    assert ids(lot="fostering") == {fostering.pk, other.pk}
    assert ids(lot=f.lot("tuition").pk) == {tuition.pk}
    assert ids(provider=provider.pk, lot="fostering") == {fostering.pk}
    assert ids(lot="no-such-lot") == set()


def test_authority_user_filters_memberships_by_status(api, commissioner):
    f.AdmittedMembershipFactory()
    suspended = f.SuspendedMembershipFactory()
    body = api(commissioner).get(URL, {"status": "suspended"}).json()
    assert [m["id"] for m in body["results"]] == [suspended.pk]


# --- Suspend --------------------------------------------------------------------------------

def test_anonymous_cannot_suspend_a_membership(anon, membership, today):
    with nothing_changes():
        assert_error(anon.post(url(membership, "suspend"), suspend(SIX_MONTHS), format="json"),
                     401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_suspend_a_membership(api, membership, today, factory):
    client = api(factory())
    with nothing_changes():
        response = client.post(url(membership, "suspend"), suspend(SIX_MONTHS), format="json")
    assert_error(response, 403, "forbidden")


def test_dps_admin_cannot_suspend_an_unknown_membership(admin, today):
    response = admin.post(f"{URL}999999/suspend/", suspend(SIX_MONTHS), format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("factory", [f.SuspendedMembershipFactory, f.RemovedMembershipFactory])
def test_dps_admin_cannot_suspend_a_membership_that_is_not_admitted(admin, today, factory):
    membership = factory()
    with nothing_changes():
        response = admin.post(url(membership, "suspend"), suspend(SIX_MONTHS), format="json")
    assert_error(response, 409, "invalid_transition")


def test_dps_admin_cannot_suspend_for_more_than_six_months(admin, membership, today):
    with nothing_changes():
        response = admin.post(url(membership, "suspend"),
                              suspend(SIX_MONTHS + datetime.timedelta(days=1)), format="json")
    assert_error(response, 400, "suspension_too_long", fields=["until"])


@pytest.mark.parametrize("until", [TODAY, TODAY - datetime.timedelta(days=1)],
                         ids=["today", "yesterday"])
def test_dps_admin_cannot_suspend_until_a_day_that_has_come(admin, membership, today, until):
    with nothing_changes():
        response = admin.post(url(membership, "suspend"), suspend(until), format="json")
    assert_error(response, 400, "invalid", fields=["until"])


@pytest.mark.parametrize(("body", "field"), [
    ({"until": "2026-04-01"}, "reason"),
    ({"until": "2026-04-01", "reason": "  "}, "reason"),
    ({"reason": "Concern"}, "until"),
    ({"until": "1 April", "reason": "Concern"}, "until"),
])
def test_dps_admin_cannot_suspend_when_a_field_is_invalid(admin, membership, today, body, field):
    with nothing_changes():
        response = admin.post(url(membership, "suspend"), body, format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_dps_admin_suspends_for_exactly_six_months(admin, dps_admin, membership, today):
    response = admin.post(url(membership, "suspend"), suspend(SIX_MONTHS), format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["suspended_until"]) == ("suspended", "2026-09-10")
    assert body["suspended_from"] == "2026-03-10"
    assert body["status_reason"] == "Safeguarding investigation"
    entry = AuditEntry.objects.get(object_id=membership.pk, action="membership.suspend")
    assert (entry.from_state, entry.to_state, entry.actor) == ("admitted", "suspended", dps_admin)


def test_the_longest_suspension_comes_from_the_dps(admin, today):
    dps = f.DpsFactory(max_suspension_months=3)
    membership = f.AdmittedMembershipFactory(lot=dps.lots.get(code="supported_living"))
    with nothing_changes():
        response = admin.post(url(membership, "suspend"), suspend(datetime.date(2026, 7, 10)),
                              format="json")
    assert_error(response, 400, "suspension_too_long")
    response = admin.post(url(membership, "suspend"), suspend(datetime.date(2026, 6, 10)),
                          format="json")
    assert response.status_code == 200, response.json()


# --- Reinstate ------------------------------------------------------------------------------

def test_anonymous_cannot_reinstate_a_membership(anon):
    membership = f.SuspendedMembershipFactory()
    with nothing_changes():
        assert_error(anon.post(url(membership, "reinstate")), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_reinstate_a_membership(api, factory):
    membership = f.SuspendedMembershipFactory()
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(url(membership, "reinstate")), 403, "forbidden")


def test_dps_admin_cannot_reinstate_an_unknown_membership(admin):
    assert_error(admin.post(f"{URL}999999/reinstate/"), 404, "not_found")


@pytest.mark.parametrize("factory", [f.AdmittedMembershipFactory, f.RemovedMembershipFactory])
def test_dps_admin_cannot_reinstate_a_membership_that_is_not_suspended(admin, factory):
    membership = factory()
    with nothing_changes():
        assert_error(admin.post(url(membership, "reinstate")), 409, "invalid_transition")


def test_dps_admin_reinstates_a_suspended_membership_early(admin):
    membership = f.SuspendedMembershipFactory()
    response = admin.post(url(membership, "reinstate"), {"reason": "Concern resolved"},
                          format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["suspended_until"], body["suspended_from"]) == (
        "admitted", None, None)
    entry = AuditEntry.objects.get(object_id=membership.pk, action="membership.reinstate")
    assert (entry.from_state, entry.to_state, entry.reason) == (
        "suspended", "admitted", "Concern resolved")


# --- Remove ---------------------------------------------------------------------------------

def test_anonymous_cannot_remove_a_membership(anon, membership):
    with nothing_changes():
        assert_error(anon.post(url(membership, "remove"), {"reason": "x"}, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_remove_a_membership(api, membership, factory):
    client = api(factory())
    with nothing_changes():
        response = client.post(url(membership, "remove"), {"reason": "x"}, format="json")
    assert_error(response, 403, "forbidden")


def test_dps_admin_cannot_remove_an_unknown_membership(admin):
    response = admin.post(f"{URL}999999/remove/", {"reason": "x"}, format="json")
    assert_error(response, 404, "not_found")


def test_dps_admin_cannot_remove_a_membership_twice(admin):
    membership = f.RemovedMembershipFactory()
    with nothing_changes():
        response = admin.post(url(membership, "remove"), {"reason": "Again"}, format="json")
    assert_error(response, 409, "invalid_transition")


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_dps_admin_cannot_remove_a_membership_without_a_reason(admin, membership, body):
    with nothing_changes():
        response = admin.post(url(membership, "remove"), body, format="json")
    assert_error(response, 400, "invalid", fields=["reason"])


@pytest.mark.parametrize("factory", [f.AdmittedMembershipFactory, f.SuspendedMembershipFactory])
def test_dps_admin_removes_a_membership_with_a_reason(admin, factory):
    membership = factory()
    response = admin.post(url(membership, "remove"), {"reason": "Failed the specification"},
                          format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["status_reason"]) == ("removed", "Failed the specification")
    assert body["suspended_until"] is None
    assert body["removed_at"]
    entry = AuditEntry.objects.get(object_id=membership.pk, action="membership.remove")
    assert (entry.to_state, entry.reason) == ("removed", "Failed the specification")


# --- Suspensions lapse by themselves --------------------------------------------------------

def test_a_suspension_does_not_lapse_the_day_before_its_end():
    membership = f.SuspendedMembershipFactory(suspended_until=datetime.date(2026, 9, 10))
    with time_machine.travel(datetime.datetime(2026, 9, 9, 23, 59, tzinfo=LONDON), tick=False):
        with nothing_changes():
            assert services.lapse_suspensions() == 0
    membership.refresh_from_db()
    assert membership.status == Membership.Status.SUSPENDED


def test_a_suspension_lapses_on_its_end_date_and_only_once():
    membership = f.SuspendedMembershipFactory(suspended_until=datetime.date(2026, 9, 10))
    still_suspended = f.SuspendedMembershipFactory(suspended_until=datetime.date(2026, 9, 11))
    # Just after midnight in London, still 9 September in UTC.
    with time_machine.travel(datetime.datetime(2026, 9, 10, 0, 5, tzinfo=LONDON), tick=False):
        assert services.lapse_suspensions() == 1
        with nothing_changes():
            assert services.lapse_suspensions() == 0
    membership.refresh_from_db()
    still_suspended.refresh_from_db()
    assert (membership.status, membership.suspended_until) == (Membership.Status.ADMITTED, None)
    assert still_suspended.status == Membership.Status.SUSPENDED
    entry = AuditEntry.objects.get(object_id=membership.pk, action="membership.reinstate")
    assert (entry.from_state, entry.to_state, entry.actor) == ("suspended", "admitted", None)


def test_the_lapse_task_reinstates_overdue_suspensions(admin):
    membership = f.SuspendedMembershipFactory(
        suspended_until=timezone.localdate() - datetime.timedelta(days=2))
    assert tasks.lapse_suspensions.delay().get() == 1
    assert tasks.lapse_suspensions.delay().get() == 0
    assert admin.get(url(membership)).json()["status"] == "admitted"
