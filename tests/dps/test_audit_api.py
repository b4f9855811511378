"""The audit trail (GET /api/v1/audit/, dps_admin): one entry per state change, with the actor."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from dps.models import AuditEntry
from providers.models import AdmissionRound, Application, Membership
from tests import factories as f
from tests.asserts import assert_error

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


def trail(client, object_type, object_id):
    """The entries for one object, oldest first, as (action, from, to, actor)."""
    response = client.get(URL, {"object_type": object_type, "object_id": object_id})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == len(body["results"])
    return [(e["action"], e["from_state"], e["to_state"], e["actor"])
            for e in reversed(body["results"])]


def test_anonymous_cannot_read_the_audit_trail(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory, f.ProviderUserFactory])
def test_non_admin_cannot_read_the_audit_trail(api, factory):
    user = factory()
    f.SuspendedMembershipFactory()
    entry = AuditEntry.objects.create(
        actor=user, content_type=ContentType.objects.get_for_model(user), object_id=user.pk,
        object_repr=str(user), action="user.created")
    assert_error(api(user).get(URL), 403, "forbidden")
    assert_error(api(user).get(f"{URL}{entry.pk}/"), 403, "forbidden")


def test_dps_admin_cannot_fetch_an_unknown_entry(api, dps_admin):
    assert_error(api(dps_admin).get(f"{URL}999999/"), 404, "not_found")


def test_dps_admin_cannot_filter_by_a_malformed_object_id(api, dps_admin):
    response = api(dps_admin).get(URL, {"object_type": "providers.application",
                                        "object_id": "seven"})
    assert_error(response, 400, "invalid", fields=["object_id"])


def test_an_unknown_object_type_finds_nothing(api, dps_admin):
    f.SuspendedMembershipFactory()
    body = api(dps_admin).get(URL, {"object_type": "providers.nothing"}).json()
    assert body["count"] == 0


def test_dps_admin_reads_the_trail_of_one_object(api, dps_admin):
    membership = f.AdmittedMembershipFactory()
    other = f.AdmittedMembershipFactory(lot=f.lot("tuition"))
    admin = api(dps_admin)
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    for target in (membership, other):
        response = admin.post(f"/api/v1/memberships/{target.pk}/suspend/",
                              {"until": until, "reason": "Safeguarding concern"}, format="json")
        assert response.status_code == 200, response.json()

    response = admin.get(URL, {"object_type": "providers.membership",
                               "object_id": membership.pk})
    [entry] = response.json()["results"]
    assert entry["object_type"] == "providers.membership"
    assert entry["object_id"] == membership.pk
    assert entry["action"] == "membership.suspend"
    assert (entry["from_state"], entry["to_state"]) == ("admitted", "suspended")
    assert entry["actor"] == dps_admin.username
    assert entry["reason"] == "Safeguarding concern"
    assert entry["data"] == {"until": until}
    assert admin.get(f"{URL}{entry['id']}/").json() == entry


def test_every_state_change_in_the_admission_flow_writes_one_entry(api, dps_admin,
                                                                   provider_user):
    admin, provider = api(dps_admin), api(provider_user)
    now = timezone.now()
    round_id = admin.post("/api/v1/rounds/", {
        "opens_at": (now - datetime.timedelta(minutes=1)).isoformat(),
        "closes_at": (now + datetime.timedelta(days=7)).isoformat()}, format="json").json()["id"]
    application_id = provider.post("/api/v1/applications/", {
        "lots": [{"lot": "fostering", "price_cap": "1100.00"},
                 {"lot": "tuition", "price_cap": "45.00"}],
        "ofsted_urn": "SC123456", "declarations": f.DECLARATIONS}, format="json").json()["id"]
    assert provider.post(f"/api/v1/applications/{application_id}/submit/").status_code == 200
    assert admin.post(f"/api/v1/rounds/{round_id}/close/").status_code == 200
    response = admin.post(f"/api/v1/applications/{application_id}/decide/", {"decisions": [
        {"lot": "fostering", "outcome": "admitted", "reason": "Meets every criterion"},
        {"lot": "tuition", "outcome": "rejected", "reason": "No tutors with QTS"},
    ]}, format="json")
    assert response.status_code == 200, response.json()
    membership = Membership.objects.get(provider=provider_user.organisation)
    until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    base = f"/api/v1/memberships/{membership.pk}"
    admin.post(f"{base}/suspend/", {"until": until, "reason": "Concern"}, format="json")
    admin.post(f"{base}/reinstate/", {"reason": "Resolved"}, format="json")
    admin.post(f"{base}/remove/", {"reason": "Failed the specification"}, format="json")

    a, p = dps_admin.username, provider_user.username
    assert trail(admin, "providers.admissionround", round_id) == [
        ("round.created", "", "scheduled", a),
        ("admissionround.open", "scheduled", "open", a),
        ("admissionround.close", "open", "closed", a),
        ("admissionround.complete", "closed", "completed", a),
    ]
    assert trail(admin, "providers.application", application_id) == [
        ("application.created", "", "draft", p),
        ("application.submit", "draft", "submitted", p),
        ("application.decide", "submitted", "decided", a),
    ]
    assert trail(admin, "providers.membership", membership.pk) == [
        ("membership.admitted", "", "admitted", a),
        ("membership.suspend", "admitted", "suspended", a),
        ("membership.reinstate", "suspended", "admitted", a),
        ("membership.remove", "admitted", "removed", a),
    ]
    # The stored states match the last entry of each trail.
    assert AdmissionRound.objects.get(pk=round_id).status == "completed"
    assert Application.objects.get(pk=application_id).status == "decided"


def test_the_scheduler_is_recorded_as_no_one(api, dps_admin):
    from providers.services import lapse_suspensions

    membership = f.SuspendedMembershipFactory(suspended_until=timezone.localdate())
    assert lapse_suspensions() == 1
    [entry] = api(dps_admin).get(URL, {"object_type": "providers.membership",
                                       "object_id": membership.pk}).json()["results"]
    assert entry["actor"] is None
    assert (entry["from_state"], entry["to_state"]) == ("suspended", "admitted")
