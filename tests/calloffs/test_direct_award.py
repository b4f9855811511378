"""The user-choice route (API.md v1.1; PA 2023 Sch. 5 para. 15): a direct award where the
child's or family's choice of provider decides, approved like any award."""

from decimal import Decimal

import pytest

from calloffs.models import CallOff, Invitation
from contracts.models import Placement
from dps.models import AuditEntry
from providers.models import Dps
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

ALLOWED = ["light_touch", "pa2023_light_touch"]
NOT_ALLOWED = ["pcr2015_dps", "pa2023_dynamic_market"]


def url(referral):
    return f"/api/v1/referrals/{referral.pk}/direct-award/"


@pytest.fixture
def referral(commissioner):
    return cf.ReferralFactory(authority=commissioner.organisation)


@pytest.fixture
def member(db):
    return f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("5500.00"))


def body(member, **changes):
    return {"provider": member.provider_id, "price": "5000.00", "choice_by": "family",
            "reason": "The family chose the home near the child's school.", **changes}


# --- Refusals: 401, 403, 404, 409, 400 --------------------------------------------------------

def test_anonymous_cannot_award_directly(anon, referral, member):
    assert_error(anon.post(url(referral), body(member), format="json"), 401,
                 "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.ProviderUserFactory,
                                     f.FinanceFactory])
def test_only_a_commissioner_awards_directly(api, referral, member, factory):
    client = api(factory())
    with nothing_changes():
        response = client.post(url(referral), body(member), format="json")
    assert_error(response, 403, "forbidden")


def test_commissioner_cannot_award_another_authoritys_referral(api, member):
    other = cf.ReferralFactory()
    client = api(f.CommissionerFactory())
    with nothing_changes():
        response = client.post(url(other), body(member), format="json")
    assert_error(response, 404, "not_found")


@pytest.mark.parametrize("regime", NOT_ALLOWED)
def test_commissioner_cannot_award_directly_outside_the_light_touch_regimes(
        api, commissioner, referral, member, regime):
    Dps.objects.filter(code="children").update(regime=regime)
    with nothing_changes():
        response = api(commissioner).post(url(referral), body(member), format="json")
    assert_error(response, 409, "direct_award_not_allowed")


def test_commissioner_cannot_award_directly_a_referral_already_published(api, commissioner,
                                                                          member):
    calloff = cf.OpenCallOffFactory(referral__authority=commissioner.organisation)
    with nothing_changes():
        response = api(commissioner).post(url(calloff.referral), body(member), format="json")
    assert_error(response, 409, "invalid_transition")


@pytest.mark.parametrize("holding", ["none", "suspended", "removed", "other_lot", "unknown"])
def test_commissioner_cannot_award_directly_to_a_provider_without_a_live_membership(
        api, commissioner, referral, holding):
    lot = f.lot("residential")
    if holding == "suspended":
        provider_id = f.SuspendedMembershipFactory(lot=lot).provider_id
    elif holding == "removed":
        provider_id = f.RemovedMembershipFactory(lot=lot).provider_id
    elif holding == "other_lot":
        provider_id = f.AdmittedMembershipFactory(lot=f.lot("fostering")).provider_id
    elif holding == "unknown":
        provider_id = 999999
    else:
        provider_id = f.ProviderOrgFactory().pk
    with nothing_changes():
        response = api(commissioner).post(
            url(referral), {"provider": provider_id, "price": "5000.00", "choice_by": "child",
                            "reason": "Chosen."}, format="json")
    assert_error(response, 400, "not_a_member", fields=["provider"])


def test_commissioner_cannot_award_directly_above_the_providers_cap(api, commissioner, referral,
                                                                    member):
    with nothing_changes():
        response = api(commissioner).post(url(referral), body(member, price="5500.01"),
                                          format="json")
    assert_error(response, 400, "price_above_cap", fields=["price"])


def test_commissioner_cannot_award_directly_to_an_excluded_supplier(api, commissioner, referral,
                                                                    member):
    f.DebarmentFactory(organisation=member.provider)
    with nothing_changes():
        response = api(commissioner).post(url(referral), body(member), format="json")
    assert_error(response, 400, "provider_debarred")


@pytest.mark.parametrize(("change", "field"), [
    ({"reason": ""}, "reason"), ({"choice_by": "social_worker"}, "choice_by"),
    ({"price": "lots"}, "price"), ({"provider": "x"}, "provider")])
def test_commissioner_cannot_award_directly_without_a_reason_and_whose_choice(
        api, commissioner, referral, member, change, field):
    with nothing_changes():
        response = api(commissioner).post(url(referral), body(member, **change), format="json")
    assert_error(response, 400, "invalid", fields=[field])


# --- The route ----------------------------------------------------------------------------------

@pytest.mark.parametrize("regime", ALLOWED)
def test_a_direct_award_awaits_approval_with_no_invitations(api, commissioner, referral, member,
                                                            regime):
    Dps.objects.filter(code="children").update(regime=regime)
    response = api(commissioner).post(url(referral), body(member), format="json")
    assert response.status_code == 201, response.json()
    out = response.json()
    assert (out["route"], out["status"], out["choice_by"], out["provider"], out["price"]) == (
        "user_choice", "awaiting_approval", "family", member.provider_id, "5000.00")
    calloff = CallOff.objects.get(pk=out["calloff"])
    assert calloff.referral_id == referral.pk
    assert calloff.invited_count == 0
    assert not Invitation.objects.filter(calloff=calloff).exists()
    entry = AuditEntry.objects.get(action="calloff.direct_award", object_id=calloff.pk)
    assert entry.reason == "The family chose the home near the child's school."
    assert entry.data["choice_by"] == "family"
    detail = api(commissioner).get(f"/api/v1/calloffs/{calloff.pk}/").json()
    assert (detail["route"], detail["status"]) == ("user_choice", "awaiting_approval")


def test_a_direct_award_is_approved_as_any_award_within_the_limit(api, commissioner, referral,
                                                                  member):
    calloff = api(commissioner).post(url(referral), body(member), format="json").json()["calloff"]
    small = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                  approval_limit=Decimal("100000.00"))
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("300000.00"))
    approve = f"/api/v1/calloffs/{calloff}/approve/"
    with nothing_changes():
        assert_error(api(small).post(approve, {}, format="json"), 403, "approval_limit_exceeded")
    response = api(holder).post(approve, {}, format="json")
    assert response.status_code == 200, response.json()
    placement = Placement.objects.get(pk=response.json()["placement"])
    assert (placement.provider_id, placement.price) == (member.provider_id, Decimal("5000.00"))
    assert CallOff.objects.get(pk=calloff).status == CallOff.Status.AWARDED
    assert_error(api(holder).post(approve, {}, format="json"), 409, "invalid_transition")


def test_a_direct_award_above_500000_needs_a_key_decision(api, commissioner, member):
    referral = cf.ReferralFactory(authority=commissioner.organisation, duration_weeks=104)
    calloff = api(commissioner).post(url(referral), body(member), format="json").json()["calloff"]
    director = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                     approval_limit=Decimal("2000000.00"))
    approve = f"/api/v1/calloffs/{calloff}/approve/"
    assert_error(api(director).post(approve, {}, format="json"), 400, "key_decision_required")
    response = api(director).post(approve, {"key_decision_reference": "KD-2026-11"},
                                  format="json")
    assert response.status_code == 200, response.json()


def test_a_direct_award_to_a_provider_excluded_before_approval_is_refused(api, commissioner,
                                                                          referral, member):
    calloff = api(commissioner).post(url(referral), body(member), format="json").json()["calloff"]
    f.DebarmentFactory(organisation=member.provider)
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("300000.00"))
    with nothing_changes():
        response = api(holder).post(f"/api/v1/calloffs/{calloff}/approve/", {}, format="json")
    assert_error(response, 400, "provider_debarred")


# --- The page -----------------------------------------------------------------------------------

def page(referral, action=""):
    return f"/referrals/{referral.pk}/{action}"


@pytest.mark.parametrize(("regime", "offered"), [
    ("pcr2015_dps", False), ("light_touch", True), ("pa2023_dynamic_market", False),
    ("pa2023_light_touch", True)])
def test_the_referral_page_offers_the_direct_award_only_under_the_light_touch_regimes(
        as_user, commissioner, referral, member, regime, offered):
    Dps.objects.filter(code="children").update(regime=regime)
    html = as_user(commissioner).get(page(referral)).content.decode()
    assert ("Award directly" in html) is offered
    if offered:
        assert member.provider.name in html


def test_commissioner_records_a_direct_award_on_the_referral_page(as_user, commissioner,
                                                                  referral, member):
    response = as_user(commissioner).post(page(referral, "direct-award/"), {
        "provider": member.provider_id, "price": "5000.00", "choice_by": "child",
        "reason": "The young person chose this home."})
    calloff = CallOff.objects.get(referral=referral)
    assert response.status_code == 302
    assert response["Location"] == f"/call-offs/{calloff.pk}/"
    assert (calloff.route, calloff.status) == ("user_choice", "awaiting_approval")


def test_the_direct_award_page_shows_the_cap_refusal_beside_the_price(as_user, commissioner,
                                                                     referral, member):
    with nothing_changes():
        response = as_user(commissioner).post(page(referral, "direct-award/"), {
            "provider": member.provider_id, "price": "9000.00", "choice_by": "family",
            "reason": "Chosen."})
    assert response.status_code == 200
    assert "above" in response.content.decode()
    assert 'id="id_price-error"' in response.content.decode() or \
        "govuk-error-message" in response.content.decode()


def test_the_direct_award_page_refuses_outside_the_light_touch_regimes(as_user, commissioner,
                                                                      referral, member):
    Dps.objects.filter(code="children").update(regime="pa2023_dynamic_market")
    with nothing_changes():
        response = as_user(commissioner).post(page(referral, "direct-award/"), {
            "provider": member.provider_id, "price": "5000.00", "choice_by": "family",
            "reason": "Chosen."})
    assert response.status_code == 409
