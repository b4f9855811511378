"""Opportunities: the anonymised call-offs a provider was invited to, and nothing else."""

import datetime
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from calloffs import services
from calloffs.models import CallOff
from referrals.models import Need
from tests import factories as f
from tests.asserts import assert_error
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

URL = "/api/v1/opportunities/"
# What a provider may know, named field by field (API.md: no child block, no budget).
LIST_FIELDS = {"id", "status", "lot", "lot_name", "price_unit", "age", "needs", "outcomes",
               "summary", "placement_start", "duration_weeks", "hours_per_week",
               "location_area", "urgency", "deadline", "published_at", "has_my_eoi"}


def url(calloff):
    return f"{URL}{calloff.pk}/"


@pytest.fixture
def provider(api, provider_user):
    return api(provider_user)


@pytest.fixture
def membership(provider_user):
    return f.AdmittedMembershipFactory(provider=provider_user.organisation,
                                       lot=f.lot("residential"), price_cap="5500.00")


def invited(membership, **kwargs):
    calloff = cf.OpenCallOffFactory(**kwargs)
    cf.invite(calloff, membership)
    return calloff


def published(membership, *, child=None, **referral):
    """A call-off published through the service, so its age is the service's."""
    commissioner = f.CommissionerFactory()
    child = cf.ChildFactory(authority=commissioner.organisation,
                            **(child or {"case_reference": cf.CHILD["case_reference"]}))
    referral = cf.ReferralFactory(authority=commissioner.organisation, child=child,
                                  lot=membership.lot, **referral)
    referral.needs.set(Need.objects.filter(code__in=["semh", "asd"]))
    return services.publish_referral(
        referral, by=commissioner, deadline=timezone.now() + datetime.timedelta(days=3))


def ids(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- Who may look ---------------------------------------------------------------------------

def test_anonymous_cannot_list_opportunities(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")


def test_anonymous_cannot_read_an_opportunity(anon, membership):
    assert_error(anon.get(url(invited(membership))), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.DpsAdminFactory,
                                     f.BudgetHolderFactory, f.FinanceFactory])
def test_authority_user_cannot_list_opportunities(api, factory):
    assert_error(api(factory()).get(URL), 403, "forbidden")


def test_commissioner_cannot_read_an_opportunity(api, membership):
    calloff = invited(membership)
    commissioner = f.CommissionerFactory(organisation=calloff.authority)
    assert_error(api(commissioner).get(url(calloff)), 403, "forbidden")


def test_provider_cannot_read_an_opportunity_it_was_not_invited_to(provider, membership):
    calloff = cf.OpenCallOffFactory(lot=membership.lot)
    cf.admitted_and_invited(calloff)
    assert_error(provider.get(url(calloff)), 404, "not_found")


def test_provider_cannot_read_an_opportunity_that_does_not_exist(provider):
    assert_error(provider.get(f"{URL}999999/"), 404, "not_found")


# --- Lists and filters ----------------------------------------------------------------------

def test_provider_lists_only_the_calloffs_it_was_invited_to(provider, membership):
    mine = [invited(membership), invited(membership)]
    cf.admitted_and_invited(cf.OpenCallOffFactory())
    cf.OpenCallOffFactory()
    assert ids(provider) == [c.pk for c in sorted(mine, key=lambda c: c.published_at,
                                                  reverse=True)]


def test_provider_filters_opportunities_by_lot(provider, provider_user, membership):
    tuition = f.AdmittedMembershipFactory(provider=provider_user.organisation,
                                          lot=f.lot("tuition"))
    residential = invited(membership)
    hourly = invited(tuition, referral__lot=tuition.lot, referral__hours_per_week=10)
    assert ids(provider, lot="residential") == [residential.pk]
    assert ids(provider, lot="tuition") == [hourly.pk]
    assert ids(provider, lot="fostering") == []


def test_provider_filters_opportunities_by_need(provider, membership):
    autism, other = invited(membership), invited(membership)
    autism.referral.needs.set(Need.objects.filter(code__in=["semh", "asd"]))
    other.referral.needs.set(Need.objects.filter(code="semh"))
    assert ids(provider, need="asd") == [autism.pk]
    assert set(ids(provider, need="semh")) == {autism.pk, other.pk}


def test_provider_filters_opportunities_by_area_in_any_case(provider, membership):
    sussex = invited(membership)
    surrey = invited(membership, referral__location_area="Surrey")
    assert ids(provider, area="west sussex") == [sussex.pk]
    assert ids(provider, area="Surrey") == [surrey.pk]


def test_provider_filters_opportunities_by_status(provider, membership):
    open_ = invited(membership)
    closed = cf.ClosedCallOffFactory(lot=membership.lot)
    cf.invite(closed, membership)
    assert ids(provider, status="open") == [open_.pk]
    assert ids(provider, status="closed") == [closed.pk]


def test_provider_filters_opportunities_closing_within_48_hours(provider, membership):
    now = timezone.now()
    soon = invited(membership, deadline=now + datetime.timedelta(hours=47))
    invited(membership, deadline=now + datetime.timedelta(hours=49))
    past = cf.ClosedCallOffFactory(lot=membership.lot)
    cf.invite(past, membership)
    assert ids(provider, closing_soon="true") == [soon.pk]


# --- What the provider sees -----------------------------------------------------------------

def test_opportunity_names_only_the_allowlisted_fields(provider, membership):
    calloff = published(membership)
    [row] = provider.get(URL).json()["results"]
    assert set(row) == LIST_FIELDS
    detail = provider.get(url(calloff)).json()
    # With how offers are scored: the weights and the published quality criteria (ADR 0026).
    assert set(detail) == LIST_FIELDS | {"questions", "quality_weight", "price_weight",
                                         "criteria"}
    assert (detail["lot"], detail["needs"], detail["outcomes"], detail["location_area"]) == (
        "residential", ["semh", "asd"], ["safety", "health"], "West Sussex")
    assert detail["placement_start"] == str(calloff.referral.placement_start)
    assert detail["has_my_eoi"] is False


def test_a_list_row_is_the_detail_less_its_extras(provider, membership,
                                                 django_assert_max_num_queries):
    # The list reads its columns and need codes its own way (selectors.opportunity_list and
    # attach_need_codes, issue 19): what it says must be what the detail says.
    for needs in (["cse", "asd", "semh"], [], ["semh"]):
        calloff = published(membership)
        calloff.referral.needs.set(Need.objects.filter(code__in=needs))
    with django_assert_max_num_queries(8):
        rows = provider.get(URL).json()["results"]
    assert [len(row["needs"]) for row in rows] == [1, 0, 3]
    for row in rows:
        detail = provider.get(f"{URL}{row['id']}/").json()
        assert row == {key: detail[key] for key in LIST_FIELDS}


def test_opportunity_carries_none_of_the_childs_identifiers(provider, membership):
    calloff = published(membership)
    listing = provider.get(URL).json()
    detail = provider.get(url(calloff)).json()
    for payload in (listing, detail):
        assert cf.child_identifiers_in(payload) == []
        text = json.dumps(payload)
        for key in ("child", "date_of_birth", "case_reference", "postcode", "first_name"):
            assert f'"{key}"' not in text  # as a key


def test_opportunity_does_not_show_the_budget(provider, membership):
    calloff = published(membership, budget_kind="ceiling",
                        budget_amount=Decimal("4321.00"))
    for payload in (provider.get(URL).json(), provider.get(url(calloff)).json()):
        text = json.dumps(payload)
        assert "budget" not in text
        assert "4321" not in text


START = datetime.date(2030, 6, 15)


@pytest.mark.parametrize(("born", "age"), [
    (datetime.date(2017, 6, 14), 13),   # thirteenth birthday the day before the start
    (datetime.date(2017, 6, 15), 13),   # … on the day
    (datetime.date(2017, 6, 16), 12),   # … the day after
])
def test_age_is_whole_years_at_placement_start(provider, membership, born, age):
    calloff = published(membership, child={"date_of_birth": born}, placement_start=START)
    assert provider.get(url(calloff)).json()["age"] == age
    assert provider.get(URL).json()["results"][0]["age"] == age


def test_provider_sees_it_has_responded(provider, provider_user, membership):
    calloff = invited(membership)
    cf.EoiFactory(calloff=calloff, provider=provider_user.organisation)
    assert provider.get(url(calloff)).json()["has_my_eoi"] is True


def test_a_closed_calloff_stays_visible_to_the_invited_provider(provider, membership):
    calloff = invited(membership)
    CallOff.objects.filter(pk=calloff.pk).update(status=CallOff.Status.CLOSED)
    assert provider.get(url(calloff)).json()["status"] == "closed"
