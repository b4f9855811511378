"""Applications to join lots: create, change, submit, withdraw, decide, extend the evaluation."""

import datetime

import pytest
from django.utils import timezone

from dps.models import AuditEntry
from providers import services
from providers.models import AdmissionRound, Application, ApplicationLot, Membership
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes

pytestmark = pytest.mark.django_db

URL = "/api/v1/applications/"
DRAFT = {"lots": [{"lot": "fostering", "price_cap": "1100"}], "ofsted_urn": "sc123456",
         "declarations": f.DECLARATIONS}
ADMIT = {"decisions": [{"lot": "fostering", "outcome": "admitted", "reason": "Meets them all"}]}
EXTEND = {"working_days": 15, "reason": "Ofsted inspection report awaited"}

# Every state an application cannot be submitted, changed, decided, … from, by factory.
NOT_DRAFT = [f.SubmittedApplicationFactory, f.DecidedApplicationFactory,
             f.WithdrawnApplicationFactory]
NOT_AWAITING_DECISION = [f.DraftApplicationFactory, f.SubmittedApplicationFactory,
                         f.DecidedApplicationFactory, f.WithdrawnApplicationFactory]


def url(application, action=""):
    return f"{URL}{application.pk}/{action + '/' if action else ''}"


@pytest.fixture
def provider(api, provider_user):
    return api(provider_user)


@pytest.fixture
def admin(api, dps_admin):
    return api(dps_admin)


@pytest.fixture
def draft(provider_user):
    return f.DraftApplicationFactory(provider=provider_user.organisation)


@pytest.fixture
def open_round(db):
    return f.OpenRoundFactory()


@pytest.fixture
def awaiting(db):
    """An application whose round has closed: ready to decide."""
    return f.AwaitingDecisionApplicationFactory()


# --- Create ---------------------------------------------------------------------------------

def test_anonymous_cannot_create_an_application(anon):
    with nothing_changes():
        assert_error(anon.post(URL, DRAFT, format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.DpsAdminFactory])
def test_authority_user_cannot_create_an_application(api, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, DRAFT, format="json"), 403, "forbidden")


@pytest.mark.parametrize(("change", "field"), [
    ({"lots": [{"lot": "dentistry", "price_cap": "10.00"}]}, "lots.0.lot"),
    ({"lots": [{"lot": "fostering", "price_cap": "1.00"},
               {"lot": "fostering", "price_cap": "2.00"}]}, "lots.1.lot"),
    ({"lots": [{"lot": "fostering", "price_cap": "-1.00"}]}, "lots.0.price_cap"),
    ({"lots": [{"lot": "fostering", "price_cap": "1100.005"}]}, "lots.0.price_cap"),
    ({"lots": [{"lot": "fostering"}]}, "lots.0.price_cap"),
    ({"ofsted_urn": "URN-1"}, "ofsted_urn"),
    ({"declarations": {"insurance": "perhaps"}}, "declarations.insurance"),
    ({"dps": "nowhere"}, "dps"),
])
def test_provider_cannot_create_an_application_when_a_field_is_invalid(provider, change, field):
    with nothing_changes():
        response = provider.post(URL, {**DRAFT, **change}, format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_provider_cannot_apply_for_a_lot_of_another_dps(provider):
    f.DpsFactory()
    with nothing_changes():
        response = provider.post(URL, {**DRAFT, "lots": [
            {"lot": "community_support", "price_cap": "24.50"}]}, format="json")
    assert_error(response, 400, "invalid", fields=["lots.0.lot"])


def test_provider_creates_a_draft_application(provider, provider_user):
    response = provider.post(URL, DRAFT, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["provider"] == provider_user.organisation_id
    assert body["dps"] == "children"
    assert body["round"] is None
    assert body["ofsted_urn"] == "SC123456"
    [lot] = body["lots"]
    assert lot["lot"] == "fostering"
    assert_money(lot["price_cap"], "1100.00")
    entry = AuditEntry.objects.get(object_id=body["id"], action="application.created")
    assert (entry.to_state, entry.actor) == ("draft", provider_user)


def test_provider_applies_only_for_itself(provider, provider_user, other_provider_user):
    response = provider.post(URL, {**DRAFT, "provider": other_provider_user.organisation_id},
                             format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["provider"] == provider_user.organisation_id


def test_provider_may_save_an_incomplete_draft(provider):
    response = provider.post(URL, {"lots": [{"lot": "tuition", "price_cap": "0.00"}]},
                             format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["declarations"] == {}


# --- Read -----------------------------------------------------------------------------------

def test_provider_cannot_see_another_providers_application(provider, other_provider_user):
    theirs = f.DraftApplicationFactory(provider=other_provider_user.organisation)
    assert_error(provider.get(url(theirs)), 404, "not_found")


def test_provider_lists_only_its_own_applications(provider, draft, other_provider_user):
    f.SubmittedApplicationFactory(provider=other_provider_user.organisation)
    body = provider.get(URL).json()
    assert [a["id"] for a in body["results"]] == [draft.pk]


def test_commissioner_lists_every_application(api, commissioner, draft):
    f.SubmittedApplicationFactory()
    assert api(commissioner).get(URL).json()["count"] == 2


@pytest.mark.parametrize("method", ["put", "delete"])
def test_provider_cannot_replace_or_delete_an_application(provider, draft, method):
    with nothing_changes():
        response = getattr(provider, method)(url(draft), DRAFT, format="json")
    assert_error(response, 405, "method_not_allowed")


# --- Change a draft -------------------------------------------------------------------------

def test_anonymous_cannot_change_an_application(anon, draft):
    with nothing_changes():
        assert_error(anon.patch(url(draft), {"ofsted_urn": "SC654321"}, format="json"), 401,
                     "not_authenticated")


def test_commissioner_cannot_change_an_application(api, commissioner, draft):
    with nothing_changes():
        response = api(commissioner).patch(url(draft), {"ofsted_urn": "SC654321"},
                                           format="json")
    assert_error(response, 403, "forbidden")


def test_provider_cannot_change_another_providers_application(provider, other_provider_user):
    theirs = f.DraftApplicationFactory(provider=other_provider_user.organisation)
    with nothing_changes():
        response = provider.patch(url(theirs), {"ofsted_urn": "SC654321"}, format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("factory", NOT_DRAFT)
def test_provider_cannot_change_an_application_when_it_is_not_a_draft(provider, provider_user,
                                                                      factory):
    application = factory(provider=provider_user.organisation)
    with nothing_changes():
        response = provider.patch(url(application), {"ofsted_urn": "SC654321"}, format="json")
    assert_error(response, 409, "invalid_transition")


def test_provider_cannot_change_a_draft_to_an_unknown_lot(provider, draft):
    with nothing_changes():
        response = provider.patch(url(draft), {"lots": [{"lot": "dentistry", "price_cap": "1"}]},
                                  format="json")
    assert_error(response, 400, "invalid", fields=["lots.0.lot"])


def test_provider_replaces_the_lots_of_a_draft(provider, draft):
    response = provider.patch(url(draft), {"lots": [
        {"lot": "residential", "price_cap": "5200.50"}, {"lot": "tuition", "price_cap": "45"}]},
        format="json")
    assert response.status_code == 200, response.json()
    lots = {item["lot"]: item["price_cap"] for item in response.json()["lots"]}
    assert lots == {"residential": "5200.50", "tuition": "45.00"}
    assert ApplicationLot.objects.filter(application=draft).count() == 2


def test_provider_changes_one_field_and_keeps_the_rest(provider, draft):
    response = provider.patch(url(draft), {"ofsted_urn": "sc654321"}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["ofsted_urn"] == "SC654321"
    assert [item["lot"] for item in body["lots"]] == ["fostering"]
    assert body["declarations"] == f.DECLARATIONS


# --- Submit ---------------------------------------------------------------------------------

def test_anonymous_cannot_submit_an_application(anon, draft, open_round):
    with nothing_changes():
        assert_error(anon.post(url(draft, "submit")), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.DpsAdminFactory])
def test_authority_user_cannot_submit_an_application(api, draft, open_round, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(url(draft, "submit")), 403, "forbidden")


def test_provider_cannot_submit_another_providers_application(provider, other_provider_user,
                                                              open_round):
    theirs = f.DraftApplicationFactory(provider=other_provider_user.organisation)
    with nothing_changes():
        assert_error(provider.post(url(theirs, "submit")), 404, "not_found")


@pytest.mark.parametrize("factory", NOT_DRAFT)
def test_provider_cannot_submit_an_application_when_it_is_not_a_draft(provider, provider_user,
                                                                      open_round, factory):
    application = factory(provider=provider_user.organisation)
    with nothing_changes():
        assert_error(provider.post(url(application, "submit")), 409, "invalid_transition")


def test_provider_submits_when_no_round_is_open_or_scheduled_and_it_waits(provider, draft):
    # The DPS is open throughout its term (reg. 34): no round is no refusal (API.md v1.1).
    f.ClosedRoundFactory()
    f.CompletedRoundFactory(opens_at=timezone.now() - datetime.timedelta(days=60),
                            closes_at=timezone.now() - datetime.timedelta(days=40))
    response = provider.post(url(draft, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["round"] is None
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED
    assert draft.round is None
    assert draft.submitted_at is not None
    entry = AuditEntry.objects.get(object_id=draft.pk, action="application.submit")
    assert entry.data == {"round": None}


def test_a_submission_after_the_open_round_has_passed_its_closing_time_waits(provider, draft):
    # The scheduler has not closed it yet, but it takes no more applications: the next does.
    late = f.OpenRoundFactory(opens_at=timezone.now() - datetime.timedelta(days=14),
                              closes_at=timezone.now() - datetime.timedelta(minutes=1))
    response = provider.post(url(draft, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["round"] is None
    services.close_round(late, by=None)
    draft.refresh_from_db()
    assert draft.round is None
    assert draft.evaluation_due is None


def test_a_submission_joins_the_scheduled_round_when_there_is_one(provider, draft):
    scheduled = f.ScheduledRoundFactory()
    response = provider.post(url(draft, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["round"] == scheduled.pk


def test_a_waiting_application_still_counts_as_pending_for_its_lots(provider, provider_user,
                                                                   draft):
    f.SubmittedApplicationFactory(provider=provider_user.organisation, round=None)
    with nothing_changes():
        assert_error(provider.post(url(draft, "submit")), 409, "application_pending")


def test_a_waiting_application_may_be_withdrawn(provider, provider_user):
    waiting = f.SubmittedApplicationFactory(provider=provider_user.organisation, round=None)
    response = provider.post(url(waiting, "withdraw"), {"reason": "Changed our plans"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"


def test_a_waiting_application_cannot_be_decided_before_a_round_takes_it(admin):
    waiting = f.SubmittedApplicationFactory(round=None)
    with nothing_changes():
        assert_error(admin.post(url(waiting, "decide"), ADMIT, format="json"), 409,
                     "invalid_transition")


@pytest.mark.parametrize("factory", [f.SubmittedApplicationFactory,
                                     f.AwaitingDecisionApplicationFactory])
def test_provider_cannot_submit_when_another_application_for_the_lot_is_pending(
        provider, provider_user, draft, factory):
    round_ = f.OpenRoundFactory(opens_at=timezone.now() + datetime.timedelta(days=1))
    factory(provider=provider_user.organisation, lots={"fostering": "900.00", "tuition": "40"})
    assert round_.status == AdmissionRound.Status.OPEN
    with nothing_changes():
        assert_error(provider.post(url(draft, "submit")), 409, "application_pending")


@pytest.mark.parametrize(("changes", "lots", "field"), [
    ({}, {}, "lots"),
    ({}, {"fostering": "0.00"}, "lots.0.price_cap"),
    # Indexed in the order the applicant listed the lots.
    ({}, {"tuition": "45.00", "fostering": "0.00"}, "lots.1.price_cap"),
    ({"declarations": {**f.DECLARATIONS, "equality_policy": False}}, None, "declarations"),
    ({"declarations": {**f.DECLARATIONS, "insurance": False}}, None, "declarations"),
    ({"declarations": {**f.DECLARATIONS, "no_discrimination_findings_3y": False}}, None,
     "declarations"),
    ({"declarations": {"equality_policy": True, "insurance": True}}, None, "declarations"),
    ({"ofsted_urn": ""}, {"fostering": "1100.00"}, "ofsted_urn"),
    ({"ofsted_urn": ""}, {"residential": "5200.00"}, "ofsted_urn"),
    ({"ofsted_urn": ""}, {"inmss": "65000.00"}, "ofsted_urn"),
    ({"ofsted_urn": ""}, {"tuition": "45.00", "inmss": "65000.00"}, "ofsted_urn"),
], ids=["no-lots", "zero-cap", "zero-cap-second-lot", "equality-false", "insurance-false",
        "findings-false", "declaration-missing", "urn-fostering", "urn-residential", "urn-inmss",
        "urn-mixed"])
def test_provider_cannot_submit_an_incomplete_application(provider, provider_user, open_round,
                                                          changes, lots, field):
    application = f.DraftApplicationFactory(provider=provider_user.organisation, lots=lots,
                                            **changes)
    with nothing_changes():
        response = provider.post(url(application, "submit"))
    assert_error(response, 400, "application_incomplete", fields=[field])


@pytest.mark.parametrize("factory", [f.AdmittedMembershipFactory, f.SuspendedMembershipFactory])
def test_provider_cannot_submit_for_a_lot_it_already_holds(provider, provider_user, draft,
                                                           open_round, factory):
    factory(provider=provider_user.organisation, lot=f.lot("fostering"))
    with nothing_changes():
        response = provider.post(url(draft, "submit"))
    assert_error(response, 400, "already_admitted", fields=["lots"])


def test_provider_submits_into_the_open_round(provider, provider_user, draft, open_round):
    response = provider.post(url(draft, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "submitted"
    assert response.json()["round"] == open_round.pk
    draft.refresh_from_db()
    assert draft.submitted_by == provider_user
    assert draft.submitted_at is not None


def test_provider_submits_into_the_next_scheduled_round_when_none_is_open(provider, draft):
    later = f.ScheduledRoundFactory(opens_at=timezone.now() + datetime.timedelta(days=40))
    sooner = f.ScheduledRoundFactory(opens_at=timezone.now() + datetime.timedelta(days=10))
    f.ClosedRoundFactory()
    response = provider.post(url(draft, "submit"))
    assert response.status_code == 200, response.json()
    assert response.json()["round"] == sooner.pk != later.pk


def test_provider_submits_for_tuition_without_an_ofsted_urn(provider, provider_user, open_round):
    application = f.DraftApplicationFactory(provider=provider_user.organisation, ofsted_urn="",
                                            lots={"tuition": "45.00"})
    response = provider.post(url(application, "submit"))
    assert response.status_code == 200, response.json()


def test_provider_removed_from_a_lot_may_apply_for_it_again(provider, provider_user, draft,
                                                            open_round):
    f.RemovedMembershipFactory(provider=provider_user.organisation, lot=f.lot("fostering"))
    assert provider.post(url(draft, "submit")).status_code == 200


def test_a_pending_application_for_another_lot_does_not_block(provider, provider_user, draft,
                                                              open_round):
    f.SubmittedApplicationFactory(provider=provider_user.organisation, round=open_round,
                                  lots={"tuition": "45.00"})
    assert provider.post(url(draft, "submit")).status_code == 200


# --- Withdraw -------------------------------------------------------------------------------

def test_anonymous_cannot_withdraw_an_application(anon, draft):
    with nothing_changes():
        assert_error(anon.post(url(draft, "withdraw")), 401, "not_authenticated")


def test_commissioner_cannot_withdraw_an_application(api, commissioner, draft):
    with nothing_changes():
        assert_error(api(commissioner).post(url(draft, "withdraw")), 403, "forbidden")


def test_provider_cannot_withdraw_another_providers_application(provider, other_provider_user):
    theirs = f.SubmittedApplicationFactory(provider=other_provider_user.organisation)
    with nothing_changes():
        assert_error(provider.post(url(theirs, "withdraw")), 404, "not_found")


@pytest.mark.parametrize("factory", [f.DecidedApplicationFactory, f.WithdrawnApplicationFactory])
def test_provider_cannot_withdraw_an_application_when_it_is_over(provider, provider_user,
                                                                 factory):
    application = factory(provider=provider_user.organisation)
    with nothing_changes():
        assert_error(provider.post(url(application, "withdraw")), 409, "invalid_transition")


@pytest.mark.parametrize("factory", [f.DraftApplicationFactory, f.SubmittedApplicationFactory,
                                     f.AwaitingDecisionApplicationFactory])
def test_provider_withdraws_an_application_before_the_decision(provider, provider_user, factory):
    application = factory(provider=provider_user.organisation)
    before = application.status
    response = provider.post(url(application, "withdraw"), {"reason": "Service closing"},
                             format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    entry = AuditEntry.objects.get(object_id=application.pk, action="application.withdraw")
    assert (entry.from_state, entry.to_state, entry.reason) == (before, "withdrawn",
                                                                "Service closing")


def test_withdrawing_the_last_undecided_application_completes_its_closed_round(provider,
                                                                               provider_user):
    round_ = f.ClosedRoundFactory()
    f.DecidedApplicationFactory(round=round_)
    application = f.AwaitingDecisionApplicationFactory(provider=provider_user.organisation,
                                                       round=round_)
    assert provider.post(url(application, "withdraw")).status_code == 200
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.COMPLETED


def test_withdrawing_from_an_open_round_leaves_it_open(provider, provider_user, open_round):
    application = f.SubmittedApplicationFactory(provider=provider_user.organisation,
                                                round=open_round)
    assert provider.post(url(application, "withdraw")).status_code == 200
    open_round.refresh_from_db()
    assert open_round.status == AdmissionRound.Status.OPEN


# --- Decide ---------------------------------------------------------------------------------

def test_anonymous_cannot_decide_an_application(anon, awaiting):
    with nothing_changes():
        assert_error(anon.post(url(awaiting, "decide"), ADMIT, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_decide_an_application(api, awaiting, factory):
    client = api(factory(**({"organisation": awaiting.provider}
                            if factory is f.ProviderUserFactory else {})))
    with nothing_changes():
        assert_error(client.post(url(awaiting, "decide"), ADMIT, format="json"), 403,
                     "forbidden")


def test_dps_admin_cannot_decide_an_unknown_application(admin):
    assert_error(admin.post(f"{URL}999999/decide/", ADMIT, format="json"), 404, "not_found")


@pytest.mark.parametrize("factory", NOT_AWAITING_DECISION)
def test_dps_admin_cannot_decide_an_application_that_is_not_awaiting_a_decision(admin, factory):
    application = factory()
    with nothing_changes():
        response = admin.post(url(application, "decide"), ADMIT, format="json")
    assert_error(response, 409, "invalid_transition")


@pytest.mark.parametrize(("body", "field"), [
    ({"decisions": []}, "decisions"),
    ({}, "decisions"),
    ({"decisions": [{"lot": "fostering", "outcome": "maybe"}]}, "decisions.0.outcome"),
])
def test_dps_admin_cannot_decide_with_malformed_decisions(admin, awaiting, body, field):
    with nothing_changes():
        response = admin.post(url(awaiting, "decide"), body, format="json")
    assert_error(response, 400, "invalid", fields=[field])


@pytest.mark.parametrize(("decisions", "field"), [
    ([{"lot": "fostering", "outcome": "admitted", "reason": "Good"}], "decisions"),
    ([{"lot": "fostering", "outcome": "admitted"}, {"lot": "tuition", "outcome": "admitted"},
      {"lot": "inmss", "outcome": "admitted"}], "decisions.2.lot"),
    ([{"lot": "fostering", "outcome": "admitted"}, {"lot": "tuition", "outcome": "admitted"},
      {"lot": "tuition", "outcome": "rejected", "reason": "x"}], "decisions.2.lot"),
    ([{"lot": "fostering", "outcome": "admitted"}, {"lot": "tuition", "outcome": "rejected"}],
     "decisions.1.reason"),
    ([{"lot": "fostering", "outcome": "admitted"},
      {"lot": "tuition", "outcome": "rejected", "reason": "  "}], "decisions.1.reason"),
], ids=["lot-missing", "lot-not-applied-for", "lot-twice", "rejected-no-reason",
        "rejected-blank-reason"])
def test_dps_admin_cannot_decide_when_decisions_are_incomplete(admin, decisions, field):
    application = f.AwaitingDecisionApplicationFactory(
        lots={"fostering": "1100.00", "tuition": "45.00"})
    with nothing_changes():
        response = admin.post(url(application, "decide"), {"decisions": decisions},
                              format="json")
    assert_error(response, 400, "decisions_incomplete", fields=[field])


def test_dps_admin_cannot_admit_a_debarred_provider(admin, awaiting):
    f.DebarmentFactory(organisation=awaiting.provider)
    with nothing_changes():
        response = admin.post(url(awaiting, "decide"), ADMIT, format="json")
    assert_error(response, 400, "provider_debarred")


def test_dps_admin_cannot_admit_a_provider_debarred_by_companies_house_number(admin):
    application = f.AwaitingDecisionApplicationFactory(
        provider=f.ProviderOrgFactory(companies_house_number="SC654321"))
    # Debarred under an earlier name, before it registered here.
    f.DebarmentFactory(organisation=None, name="Old Name Care Ltd",
                       companies_house_number="sc654321")
    with nothing_changes():
        response = admin.post(url(application, "decide"), ADMIT, format="json")
    assert_error(response, 400, "provider_debarred")


def test_dps_admin_cannot_admit_a_provider_already_on_the_lot(admin, awaiting):
    f.AdmittedMembershipFactory(provider=awaiting.provider, lot=f.lot("fostering"))
    with nothing_changes():
        response = admin.post(url(awaiting, "decide"), ADMIT, format="json")
    assert_error(response, 400, "already_admitted")


def test_dps_admin_may_reject_a_debarred_provider(admin, awaiting):
    f.DebarmentFactory(organisation=awaiting.provider)
    response = admin.post(url(awaiting, "decide"), {"decisions": [
        {"lot": "fostering", "outcome": "rejected", "reason": "Debarred"}]}, format="json")
    assert response.status_code == 200, response.json()
    assert not Membership.objects.exists()


@pytest.mark.parametrize(("starts", "ends"), [(-400, -30), (30, None)],
                         ids=["debarment-over", "debarment-not-started"])
def test_a_debarment_outside_its_dates_does_not_stop_admission(admin, awaiting, starts, ends):
    today = timezone.localdate()
    f.DebarmentFactory(organisation=awaiting.provider,
                       starts_on=today + datetime.timedelta(days=starts),
                       ends_on=today + datetime.timedelta(days=ends) if ends else None)
    assert admin.post(url(awaiting, "decide"), ADMIT, format="json").status_code == 200


def test_dps_admin_admits_a_lot_and_the_membership_carries_its_price_cap(admin, dps_admin):
    application = f.AwaitingDecisionApplicationFactory(
        lots={"fostering": "1100.00", "tuition": "45.50"})
    response = admin.post(url(application, "decide"), {"decisions": [
        {"lot": "fostering", "outcome": "admitted", "reason": "Meets every criterion"},
        {"lot": "tuition", "outcome": "rejected", "reason": "No qualified tutors"},
    ]}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "decided"
    assert {i["lot"]: (i["outcome"], i["reason"]) for i in body["lots"]} == {
        "fostering": ("admitted", "Meets every criterion"),
        "tuition": ("rejected", "No qualified tutors")}
    [membership] = Membership.objects.filter(provider=application.provider)
    assert membership.lot.code == "fostering"
    assert str(membership.price_cap) == "1100.00"
    assert membership.application == application
    application.refresh_from_db()
    assert application.decided_by == dps_admin


def test_deciding_the_last_application_completes_the_round(admin):
    round_ = f.ClosedRoundFactory()
    first = f.AwaitingDecisionApplicationFactory(round=round_)
    second = f.AwaitingDecisionApplicationFactory(round=round_)
    assert admin.post(url(first, "decide"), ADMIT, format="json").status_code == 200
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.CLOSED
    assert admin.post(url(second, "decide"), ADMIT, format="json").status_code == 200
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.COMPLETED


def test_a_rejected_provider_may_apply_again_and_be_admitted(api, admin, provider,
                                                             provider_user):
    def run_round(decision):
        now = timezone.now()
        round_id = admin.post("/api/v1/rounds/", {
            "opens_at": (now - datetime.timedelta(minutes=1)).isoformat(),
            "closes_at": (now + datetime.timedelta(days=7)).isoformat()},
            format="json").json()["id"]
        application_id = provider.post(URL, DRAFT, format="json").json()["id"]
        assert provider.post(f"{URL}{application_id}/submit/").status_code == 200
        assert admin.post(f"/api/v1/rounds/{round_id}/close/").status_code == 200
        response = admin.post(f"{URL}{application_id}/decide/", {"decisions": [
            {"lot": "fostering", "outcome": decision, "reason": "Panel decision"}]},
            format="json")
        assert response.status_code == 200, response.json()

    run_round("rejected")
    assert not Membership.objects.filter(provider=provider_user.organisation).exists()
    run_round("admitted")
    membership = Membership.objects.get(provider=provider_user.organisation)
    assert membership.status == Membership.Status.ADMITTED
    assert Application.objects.filter(provider=provider_user.organisation,
                                      status="decided").count() == 2


# --- Extend the evaluation ------------------------------------------------------------------

def test_anonymous_cannot_extend_an_evaluation(anon, awaiting):
    with nothing_changes():
        assert_error(anon.post(url(awaiting, "extend-evaluation"), EXTEND, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.ProviderUserFactory])
def test_non_admin_cannot_extend_an_evaluation(api, awaiting, factory):
    client = api(factory())
    with nothing_changes():
        response = client.post(url(awaiting, "extend-evaluation"), EXTEND, format="json")
    assert_error(response, 403, "forbidden")


def test_dps_admin_cannot_extend_the_evaluation_of_an_unknown_application(admin):
    response = admin.post(f"{URL}999999/extend-evaluation/", EXTEND, format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("factory", NOT_AWAITING_DECISION)
def test_dps_admin_cannot_extend_an_evaluation_that_is_not_running(admin, factory):
    application = factory()
    with nothing_changes():
        response = admin.post(url(application, "extend-evaluation"), EXTEND, format="json")
    assert_error(response, 409, "invalid_transition")


def test_dps_admin_cannot_extend_an_evaluation_beyond_fifteen_working_days(admin, awaiting):
    with nothing_changes():
        response = admin.post(url(awaiting, "extend-evaluation"),
                              {**EXTEND, "working_days": 16}, format="json")
    assert_error(response, 400, "extension_too_long", fields=["working_days"])


@pytest.mark.parametrize(("change", "field"), [
    ({"working_days": 10}, "working_days"),
    ({"working_days": 0}, "working_days"),
    ({"reason": ""}, "reason"),
    ({"reason": "   "}, "reason"),
])
def test_dps_admin_cannot_extend_an_evaluation_when_a_field_is_invalid(admin, awaiting, change,
                                                                       field):
    with nothing_changes():
        response = admin.post(url(awaiting, "extend-evaluation"), {**EXTEND, **change},
                              format="json")
    assert_error(response, 400, "invalid", fields=[field])


def test_dps_admin_extends_an_evaluation_to_fifteen_working_days_with_a_reason(admin):
    closed_at = datetime.datetime(2026, 12, 17, 17, 0, tzinfo=datetime.UTC)
    round_ = f.ClosedRoundFactory(closes_at=closed_at, closed_at=closed_at)
    application = f.AwaitingDecisionApplicationFactory(round=round_,
                                                       evaluation_due=datetime.date(2027, 1, 5))
    response = admin.post(url(application, "extend-evaluation"), EXTEND, format="json")
    assert response.status_code == 200, response.json()
    # 15 working days from Thursday 17 December 2026, over Christmas and New Year.
    assert response.json()["evaluation_due"] == "2027-01-12"
    assert response.json()["evaluation_extension_reason"] == EXTEND["reason"]
    entry = AuditEntry.objects.get(object_id=application.pk,
                                   action="application.evaluation_extended")
    assert entry.reason == EXTEND["reason"]
    assert entry.data == {"from": "2027-01-05", "to": "2027-01-12"}


def test_the_extension_limit_comes_from_the_dps(admin):
    dps = f.DpsFactory(evaluation_max_working_days=12)
    round_ = f.ClosedRoundFactory(dps=dps)
    application = f.AwaitingDecisionApplicationFactory(
        dps=dps, round=round_, lots={"community_support": "24.50"})
    with nothing_changes():
        response = admin.post(url(application, "extend-evaluation"),
                              {**EXTEND, "working_days": 13}, format="json")
    assert_error(response, 400, "extension_too_long")
    response = admin.post(url(application, "extend-evaluation"), {**EXTEND, "working_days": 12},
                          format="json")
    assert response.status_code == 200, response.json()
