"""Responses that carry a child's identity send `Cache-Control: no-store` (API.md v1.1):
council officers share laptops (dps/privacy.py). Each response here is checked to carry the
child (so the test is about such a response) and to say no-store. The children's-data sweep
(tests/sweep.py) holds every other response of the suite to the same rule."""

import datetime

import pytest
from django.test import TestCase
from django.urls import reverse

from calloffs import services as calloff_services
from dps.privacy import NO_STORE
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.pdf import pdf_text

pytestmark = pytest.mark.django_db
NAMED = {"first_name": "Tallulah", "last_name": "Brackenbury",
         "date_of_birth": datetime.date(2013, 7, 9), "case_reference": "ESCC-77120",
         "postcode": "BN3 7QX"}


@pytest.fixture
def world(db):
    """One authority's awarded placement (agreement v1), a draft referral, a call-off
    awaiting approval and a block with a child placed in it, all for children with names."""
    authority = f.LeadAuthorityFactory()
    calloff, _ = cf.awaiting_approval(authority=authority, referral__child=cf.ChildFactory(
        authority=authority, **NAMED))
    approver = f.BudgetHolderFactory(organisation=authority)
    with TestCase.captureOnCommitCallbacks(execute=True):  # its agreement, after commit
        placement = calloff_services.approve_award(calloff, by=approver)
    waiting, _ = cf.awaiting_approval(authority=authority, referral__child=cf.ChildFactory(
        authority=authority, **{**NAMED, "case_reference": "ESCC-77121"}))
    draft = cf.ReferralFactory(authority=authority, child=cf.ChildFactory(
        authority=authority, **{**NAMED, "case_reference": "ESCC-77122"}))
    block = pf.BlockContractFactory(authority=authority, beds=2)
    pf.block_placement(block, datetime.date.today() - datetime.timedelta(days=10),
                       child=cf.ChildFactory(authority=authority,
                                             **{**NAMED, "case_reference": "ESCC-77123"}))
    return {"authority": authority, "placement": placement, "calloff": calloff,
            "waiting": waiting, "draft": draft, "block": block,
            "commissioner": f.CommissionerFactory(organisation=authority),
            "budget_holder": approver, "admin": f.DpsAdminFactory(organisation=authority),
            "provider": f.ProviderUserFactory(organisation=placement.provider)}


def _body_text(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/pdf"):
        return pdf_text(content)
    return content.decode()


def assert_no_store(response, *, shows=NAMED["last_name"]):
    assert response.status_code in (200, 201), response.status_code
    assert shows in _body_text(response), "the response does not carry the child"
    assert response["Cache-Control"] == NO_STORE, response.get("Cache-Control")


LAST = NAMED["last_name"]
REF = "ESCC-7712"  # every child's here starts so
PAGES = {  # who, the address, and what of the child it shows
    "referral list": ("commissioner", lambda w: reverse("referrals:list"), REF),
    "referral detail": ("commissioner",
                        lambda w: reverse("referrals:detail", args=[w["draft"].pk]), LAST),
    "referral change": ("commissioner",
                        lambda w: reverse("referrals:edit", args=[w["draft"].pk]), LAST),
    "placement list": ("commissioner", lambda w: reverse("contracts:list"), LAST),
    "placement detail": ("commissioner",
                         lambda w: reverse("contracts:detail", args=[w["placement"].pk]), LAST),
    "agreement PDF": ("commissioner", lambda w: reverse(
        "contracts:agreement", args=[w["placement"].pk, 1]), LAST),
    "placement outcomes": ("commissioner", lambda w: reverse(
        "monitoring:placement-outcomes", args=[w["placement"].pk]), REF),
    "block detail": ("commissioner",
                     lambda w: reverse("contracts:block", args=[w["block"].pk]), LAST),
    "call-off list": ("commissioner", lambda w: reverse("calloffs:list"), REF),
    "call-off detail": ("commissioner",
                        lambda w: reverse("calloffs:detail", args=[w["calloff"].pk]), REF),
    "approvals": ("budget_holder", lambda w: reverse("calloffs:approvals"), REF),
    "approval": ("budget_holder",
                 lambda w: reverse("calloffs:approval", args=[w["waiting"].pk]), REF),
    "provider's placements": ("provider", lambda w: reverse("contracts:my-placements"), LAST),
    "provider's placement": ("provider", lambda w: reverse(
        "contracts:my-placement", args=[w["placement"].pk]), LAST),
    "provider's agreement PDF": ("provider", lambda w: reverse(
        "contracts:my-agreement", args=[w["placement"].pk, 1]), LAST),
    "referral API list": ("commissioner", lambda w: "/api/v1/referrals/", LAST),
    "referral API detail": ("commissioner",
                            lambda w: f"/api/v1/referrals/{w['draft'].pk}/", LAST),
    "placement API list": ("commissioner", lambda w: "/api/v1/placements/", LAST),
    "placement API detail": ("commissioner",
                             lambda w: f"/api/v1/placements/{w['placement'].pk}/", LAST),
    "placement API, the provider": ("provider",
                                    lambda w: f"/api/v1/placements/{w['placement'].pk}/", LAST),
    "agreement.pdf API": ("commissioner",
                          lambda w: f"/api/v1/placements/{w['placement'].pk}/agreement.pdf",
                          LAST),
    "agreement.pdf API, the provider": (
        "provider", lambda w: f"/api/v1/placements/{w['placement'].pk}/agreement.pdf", LAST),
    "subject access": ("admin", lambda w: f"/api/v1/children/{w['placement'].child_id}/"
                                          f"subject-access/", LAST),
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_response_carrying_a_child_is_not_stored(client, world, name):
    who, address, shows = PAGES[name]
    client.force_login(world[who])
    assert_no_store(client.get(address(world)), shows=shows)


@pytest.mark.parametrize("query", ["ESCC-77120", "ESCC-99999"])
def test_the_dashboard_and_its_search_by_case_reference_are_not_stored(client, world, query):
    # Found or not, the page shows the case reference searched for.
    client.force_login(world["commissioner"])
    assert_no_store(client.get(reverse("dashboard"), {"q": query}), shows=query)


def test_the_referral_form_shown_again_with_its_errors_is_not_stored(client, world):
    client.force_login(world["commissioner"])
    response = client.post(reverse("referrals:new") + "?lot=residential", {
        "first_name": "Perpetua", "last_name": "Quennell", "case_reference": "ESCC-55501"})
    assert_no_store(response, shows="Quennell")


def test_the_spot_placement_form_shown_again_is_not_stored(client, world):
    client.force_login(world["commissioner"])
    response = client.post(reverse("contracts:spot"), {
        "first_name": "Perpetua", "last_name": "Quennell", "case_reference": "ESCC-55501"})
    assert_no_store(response, shows="Quennell")


def test_the_referral_api_create_is_not_stored(api, world):
    from tests.calloffs.test_api_referrals import body

    response = api(world["commissioner"]).post("/api/v1/referrals/", body(
        child={**NAMED, "date_of_birth": "2013-07-09", "case_reference": "ESCC-55502"}),
        format="json")
    assert response.status_code == 201, response.content
    assert_no_store(response)


def test_a_response_without_a_child_may_be_stored(client, world):
    # The header is kept for what needs it, not sent on everything.
    client.force_login(world["commissioner"])
    response = client.get(reverse("help"))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
