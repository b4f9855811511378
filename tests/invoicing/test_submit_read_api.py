"""GET /api/v1/invoices/ and /{id}/: the provider its own, finance its authority's, the DPS
administrator all; filters; a flat number of queries."""

import pytest

from tests import factories as f
from tests.asserts import assert_error
from tests.invoicing.factories import D, frozen_fixture, line, make_world, submitted, world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/invoices/"


@pytest.fixture
def invoices(world):
    other = make_world(authority=world.authority)
    elsewhere = make_world()
    mine = submitted(world, "A-1", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31),
                                         "3100.00")])
    queried = submitted(world, "A-2", [line(world.block, D(2026, 5, 1), D(2026, 5, 31), "1.00")])
    theirs = submitted(other, "B-1", [line(other.placement, D(2026, 5, 1), D(2026, 5, 31),
                                           "3100.00")])
    far = submitted(elsewhere, "C-1", [line(elsewhere.placement, D(2026, 5, 1),
                                            D(2026, 5, 31), "3100.00")])
    return world, other, elsewhere, mine, queried, theirs, far


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_each_sees_what_it_may(api, invoices):
    world, other, elsewhere, mine, queried, theirs, far = invoices
    assert ids(api(world.user).get(URL)) == {mine.pk, queried.pk}
    assert ids(api(world.finance).get(URL)) == {mine.pk, queried.pk, theirs.pk}
    assert ids(api(f.DpsAdminFactory()).get(URL)) == {mine.pk, queried.pk, theirs.pk, far.pk}
    assert_error(api(f.CommissionerFactory(organisation=world.authority)).get(URL), 403,
                 "forbidden")


def test_one_invoice_is_visible_to_those_who_see_it_and_404_to_others(api, anon, invoices):
    world, other, elsewhere, mine, *_ = invoices
    response = api(world.user).get(f"{URL}{mine.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == "A-1"
    assert body["status"] == "vouched"
    assert body["lines"][0]["expected"] == "3100.00"
    assert body["reason"] == ""
    assert body["paid_on"] is None
    assert api(world.finance).get(f"{URL}{mine.pk}/").status_code == 200
    assert_error(api(other.user).get(f"{URL}{mine.pk}/"), 404, "not_found")
    assert_error(api(elsewhere.finance).get(f"{URL}{mine.pk}/"), 404, "not_found")
    assert_error(api(world.user).get(f"{URL}999999/"), 404, "not_found")
    assert_error(anon.get(f"{URL}{mine.pk}/"), 401, "not_authenticated")


def test_filters_by_status_provider_and_placement(api, invoices):
    world, other, elsewhere, mine, queried, theirs, far = invoices
    client = api(world.finance)
    assert ids(client.get(URL, {"status": "query"})) == {queried.pk}
    assert ids(client.get(URL, {"provider": other.provider.pk})) == {theirs.pk}
    assert ids(client.get(URL, {"placement": world.placement.pk})) == {mine.pk}
    assert ids(client.get(URL, {"placement": elsewhere.placement.pk})) == set()
    assert_error(client.get(URL, {"status": "lost"}), 400, "invalid", fields=["status"])
    assert_error(client.get(URL, {"provider": "x"}), 400, "invalid", fields=["provider"])
    assert_error(client.get(URL, {"placement": "9" * 30}), 400, "invalid", fields=["placement"])


def test_the_list_takes_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    client = api(world.finance)
    submitted(world, "A-1", [line(world.placement, D(2026, 5, 1), D(2026, 5, 31), "3100.00")])
    with django_assert_max_num_queries(6) as few:
        assert client.get(URL).status_code == 200
    for n in range(8):
        submitted(world, f"A-{n + 2}", [
            line(world.placement, D(2026, 4, n + 1), D(2026, 4, n + 1), "100.00"),
            line(world.support, D(2026, 5, n + 1), D(2026, 5, n + 1), "10.00"),
            line(world.block, D(2026, 5, n + 1), D(2026, 5, n + 1), "200.00")])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.json()["count"] == 9
