"""Child outcomes: ratings 1–5 per placement and domain; the trend; providers see averages
across their own placements only."""

import datetime

import pytest

from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.monitoring import factories as mf
from tests.monitoring.conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/outcome-ratings/"


@pytest.fixture
def placement(today, commissioner):
    return mf.PlacementFactory(authority=commissioner.organisation)


def rate(placement, domain="safety", rating=4, **extra):
    return {"placement": placement.pk, "domain": domain, "rating": rating,
            "note": "Settled; attending school every day.", **extra}


def test_anonymous_cannot_rate(anon, placement):
    with nothing_changes():
        assert_error(anon.post(URL, rate(placement), format="json"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.FinanceFactory])
def test_only_authority_staff_rate_outcomes(api, placement, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, rate(placement), format="json"), 403, "forbidden")


def test_another_authoritys_placement_cannot_be_rated_or_seen(staff, today):
    theirs = mf.PlacementFactory()
    rating = mf.OutcomeRatingFactory(placement=theirs)
    with nothing_changes():
        assert_error(staff.post(URL, rate(theirs), format="json"), 400, "invalid",
                     fields=["placement"])
    assert_error(staff.get(f"{URL}{rating.pk}/"), 404, "not_found")
    assert_error(staff.get(f"{URL}trend/", {"placement": theirs.pk}), 404, "not_found")


def test_one_rating_per_domain_per_day(staff, placement):
    mf.OutcomeRatingFactory(placement=placement, rated_on=TODAY)
    with nothing_changes():
        assert_error(staff.post(URL, rate(placement), format="json"), 409, "conflict")


@pytest.mark.parametrize(("extra", "field"), [
    ({"rating": 0}, "rating"), ({"rating": 6}, "rating"), ({"domain": "happiness"}, "domain"),
    ({"rated_on": "2026-03-11"}, "rated_on"),
])
def test_a_rating_is_1_to_5_in_a_known_domain_and_not_in_the_future(staff, placement, extra,
                                                                     field):
    with nothing_changes():
        assert_error(staff.post(URL, rate(placement, **extra), format="json"), 400, "invalid",
                     fields=[field])


def test_a_rating_is_not_before_the_placement_started(staff, placement):
    before = placement.start_date - datetime.timedelta(days=1)
    with nothing_changes():
        assert_error(staff.post(URL, rate(placement, rated_on=before.isoformat()),
                                format="json"), 400, "invalid", fields=["rated_on"])


def test_commissioner_rates_each_domain_and_sees_the_trend(staff, commissioner, placement):
    mf.OutcomeRatingFactory(placement=placement, domain="safety", rating=2,
                            rated_on=TODAY - datetime.timedelta(days=40))
    response = staff.post(URL, rate(placement), format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["rating"], response.json()["rated_on"],
            response.json()["rated_by"]) == (4, "2026-03-10", commissioner.username)
    staff.post(URL, rate(placement, "well_being", 3), format="json")
    trend = staff.get(f"{URL}trend/", {"placement": placement.pk}).json()
    assert trend["placement"] == placement.pk
    assert [(d["domain"], [p["rating"] for p in d["points"]]) for d in trend["domains"]] == [
        ("safety", [2, 4]), ("well_being", [3])]


def test_trend_needs_a_placement(staff):
    assert_error(staff.get(f"{URL}trend/"), 400, "invalid", fields=["placement"])


def test_provider_cannot_list_individual_ratings(api, provider_user):
    assert_error(api(provider_user).get(URL), 403, "forbidden")


def test_provider_sees_averages_across_its_own_placements_only(api, provider_user, today):
    own = provider_user.organisation
    first = mf.PlacementFactory(provider=own)
    second = mf.PlacementFactory(provider=own)
    mf.OutcomeRatingFactory(placement=first, domain="safety", rating=3)
    mf.OutcomeRatingFactory(placement=second, domain="safety", rating=4)
    mf.OutcomeRatingFactory(placement=second, domain="health", rating=5)
    mf.OutcomeRatingFactory(domain="safety", rating=1)  # another provider's placement
    client = api(provider_user)
    body = client.get(f"{URL}averages/").json()
    assert [(r["domain"], r["average"], r["ratings"], r["placements"]) for r in body["rows"]] \
        == [("health", "5.00", 1, 1), ("safety", "3.50", 2, 2)]
    # Naming another provider does not widen the view.
    other = f.ProviderOrgFactory()
    assert client.get(f"{URL}averages/", {"provider": other.pk}).json() == body


def test_staff_averages_cover_their_authoritys_placements_by_provider(staff, commissioner,
                                                                      today):
    provider = f.ProviderOrgFactory()
    mine = mf.PlacementFactory(authority=commissioner.organisation, provider=provider)
    mf.OutcomeRatingFactory(placement=mine, rating=2)
    mf.OutcomeRatingFactory(placement=mf.PlacementFactory(authority=commissioner.organisation),
                            rating=4)
    mf.OutcomeRatingFactory(placement=mf.PlacementFactory(provider=provider), rating=5)
    assert [r["average"] for r in staff.get(f"{URL}averages/").json()["rows"]] == ["3.00"]
    assert [r["average"] for r in staff.get(f"{URL}averages/", {
        "provider": provider.pk}).json()["rows"]] == ["2.00"]
