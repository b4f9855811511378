"""Placements read through the API: who sees which, and how much of the child."""

import json
from decimal import Decimal

import pytest

from contracts.models import Placement
from tests import factories as f
from tests.asserts import assert_error, assert_money
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/placements/"
FIELDS = {"id", "authority", "provider", "lot", "route", "start_date", "end_date", "price",
          "status", "next_review_date"}


def url(placement):
    return f"{URL}{placement.pk}/"


@pytest.fixture
def placement(api):
    """Awarded through the approval endpoint, for the child of tests.calloffs.factories."""
    calloff, _ = cf.awaiting_approval(authority=f.LeadAuthorityFactory(),
                                      referral__child__case_reference=cf.CHILD["case_reference"])
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    response = api(approver).post(f"/api/v1/calloffs/{calloff.pk}/approve/", {}, format="json")
    assert response.status_code == 200, response.json()
    return Placement.objects.get(pk=response.json()["placement"])


@pytest.fixture
def winner(api, placement):
    return api(f.ProviderUserFactory(organisation=placement.provider))


def test_anonymous_cannot_list_placements(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_anonymous_cannot_read_a_placement(anon, placement):
    assert_error(anon.get(url(placement)), 401, "not_authenticated")


def test_another_provider_cannot_see_the_placement(api, placement):
    loser = f.ProviderUserFactory(organisation=cf.admitted_and_invited(placement.calloff)
                                  .provider)
    client = api(loser)
    assert_error(client.get(url(placement)), 404, "not_found")
    assert client.get(URL).json()["results"] == []


def test_a_partner_authority_cannot_see_the_placement(api, placement):
    client = api(f.CommissionerFactory())
    assert_error(client.get(url(placement)), 404, "not_found")
    assert client.get(URL).json()["results"] == []


def test_awarded_provider_sees_the_childs_name_and_date_of_birth_only(winner, placement):
    detail = winner.get(url(placement)).json()
    [listed] = winner.get(URL).json()["results"]
    for data in (detail, listed):
        assert FIELDS <= set(data)
        assert data["child"] == {"first_name": cf.CHILD["first_name"],
                                 "last_name": cf.CHILD["last_name"],
                                 "date_of_birth": "2012-03-14"}
        text = json.dumps(data).lower()
        for secret in (cf.CHILD["case_reference"], cf.CHILD["postcode"],
                       cf.CHILD["postcode"].replace(" ", ""), "case_reference", "postcode"):
            assert secret.lower() not in text


def test_awarded_provider_sees_the_contract_fields(winner, placement):
    data = winner.get(url(placement)).json()
    assert (data["id"], data["provider"], data["authority"], data["lot"], data["route"]) == (
        placement.pk, placement.provider_id, placement.authority_id, "residential", "dps")
    assert_money(data["price"], "5000.00")
    assert data["start_date"] == str(placement.start_date)
    assert data["end_date"] == str(placement.planned_end_date)


def test_the_authority_sees_its_own_placement(api, placement):
    client = api(f.CommissionerFactory(organisation=placement.authority))
    [listed] = client.get(URL).json()["results"]
    detail = client.get(url(placement)).json()
    assert listed["id"] == detail["id"] == placement.pk
    assert detail["child"]["case_reference"] == cf.CHILD["case_reference"]
    assert_money(detail["price"], "5000.00")


def test_dps_admin_sees_every_authoritys_placements(api, placement, dps_admin):
    assert api(dps_admin).get(url(placement)).status_code == 200


def test_a_provider_without_placements_sees_none(api, provider_user, placement):
    assert api(provider_user).get(URL).json() == {"count": 0, "next": None, "previous": None,
                                                  "results": []}


def test_awarded_price_is_the_offers(placement):
    assert placement.price == Decimal("5000.00")
    assert placement.fee_periods.get().price == Decimal("5000.00")
