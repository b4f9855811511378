"""Block contracts: buying beds, placing children into them up to capacity, and reading their
occupancy and voids (/api/v1/blocks/)."""

from decimal import Decimal

import pytest

from contracts import services
from contracts.models import BlockContract, Placement
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import day

pytestmark = pytest.mark.django_db

URL = "/api/v1/blocks/"
CHILD = {"first_name": "Mia", "last_name": "Hart", "date_of_birth": "2011-09-02",
         "case_reference": "WSCC-77001", "postcode": "BN11 3QT"}


@pytest.fixture
def member(frozen):
    return f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("5500.00"))


@pytest.fixture
def commissioner(frozen):
    return f.CommissionerFactory()


@pytest.fixture
def council(api, commissioner):
    return api(commissioner)


def body(member, **changes):
    return {"provider": member.provider_id, "lot": "residential", "beds": 3,
            "price_per_bed": "4500.00", "start_date": "2026-04-01", "end_date": "2027-03-31",
            "reference": "WS-BLK-1", **changes}


@pytest.fixture
def block(frozen, commissioner):
    return pf.BlockContractFactory(authority=commissioner.organisation, beds=1)


def place_url(block):
    return f"{URL}{block.pk}/placements/"


# --- Creating a block -----------------------------------------------------------------------

def test_anonymous_cannot_use_blocks(anon, block, member):
    with nothing_changes():
        assert_error(anon.get(URL), 401, "not_authenticated")
        assert_error(anon.post(URL, body(member), format="json"), 401, "not_authenticated")
        assert_error(anon.post(place_url(block), {"start_date": "2026-06-01"}, format="json"),
                     401, "not_authenticated")
        assert_error(anon.get(f"{URL}{block.pk}/occupancy/"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory,
                                     f.ProviderUserFactory, f.DpsAdminFactory])
def test_only_a_commissioner_buys_a_block(api, member, factory):
    client = api(factory())
    with nothing_changes():
        assert_error(client.post(URL, body(member), format="json"), 403, "forbidden")


def test_commissioner_buys_a_block(council, commissioner, member):
    response = council.post(URL, body(member), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["authority"] == commissioner.organisation_id
    assert data["provider"] == member.provider_id
    assert data["lot"] == "residential"
    assert data["unit"] == "week"  # copied from the lot
    assert data["beds"] == 3
    assert_money(data["price_per_bed"], "4500.00")
    assert_money(data["price_cap"], "5500.00")
    assert data["cap_warning_acknowledged"] is False
    assert data["occupied_today"] == 0
    assert AuditEntry.objects.filter(action="blockcontract.created",
                                     object_id=data["id"]).exists()


@pytest.mark.parametrize(("changes", "field"), [
    ({"beds": 0}, "beds"),
    ({"price_per_bed": "0.00"}, "price_per_bed"),
    ({"price_per_bed": "12.345"}, "price_per_bed"),
    ({"lot": "no-such-lot"}, "lot"),
    ({"provider": 999999}, "provider"),
    ({"end_date": "2026-03-31"}, "end_date"),
    ({"start_date": ""}, "start_date"),
])
def test_invalid_blocks_are_refused(council, member, changes, field):
    with nothing_changes():
        assert_error(council.post(URL, body(member, **changes), format="json"), 400, "invalid",
                     fields=[field])


def test_an_hourly_lot_needs_hours_per_week(council, frozen):
    member = f.AdmittedMembershipFactory(lot=f.lot("tuition"), price_cap=Decimal("60.00"))
    with nothing_changes():
        assert_error(council.post(URL, body(member, lot="tuition", price_per_bed="45.00"),
                                  format="json"), 400, "invalid", fields=["hours_per_week"])
    response = council.post(URL, body(member, lot="tuition", price_per_bed="45.00",
                                      hours_per_week="10.00"), format="json")
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == "hour"


@pytest.mark.parametrize("membership", [f.SuspendedMembershipFactory, f.RemovedMembershipFactory])
def test_a_block_needs_an_admitted_member(council, frozen, membership):
    member = membership(lot=f.lot("residential"), price_cap=Decimal("5500.00"))
    with nothing_changes():
        assert_error(council.post(URL, body(member), format="json"), 400,
                     "provider_not_admitted", fields=["provider"])


def test_a_provider_not_on_the_lot_cannot_sell_a_block(council, frozen):
    member = f.AdmittedMembershipFactory(lot=f.lot("fostering"))
    with nothing_changes():
        assert_error(council.post(URL, body(member), format="json"), 400,
                     "provider_not_admitted")


def test_a_price_above_the_cap_needs_acknowledging(council, member):
    with nothing_changes():
        assert_error(council.post(URL, body(member, price_per_bed="5500.01"), format="json"),
                     400, "above_price_cap_unacknowledged", fields=["acknowledge_cap_warning"])
    at_cap = council.post(URL, body(member, price_per_bed="5500.00"), format="json")
    assert at_cap.status_code == 201
    assert at_cap.json()["cap_warning_acknowledged"] is False
    above = council.post(URL, body(member, price_per_bed="5500.01",
                                   acknowledge_cap_warning=True), format="json")
    assert above.status_code == 201, above.content
    assert above.json()["cap_warning_acknowledged"] is True
    entry = AuditEntry.objects.get(action="blockcontract.created", object_id=above.json()["id"])
    assert entry.data["cap_warning_acknowledged"] is True


# --- Who sees which blocks ------------------------------------------------------------------

def test_each_side_sees_its_own_blocks(api, frozen, block, commissioner, dps_admin):
    other = pf.BlockContractFactory()
    seller = f.ProviderUserFactory(organisation=block.provider)
    mine = api(commissioner).get(URL).json()
    assert [row["id"] for row in mine["results"]] == [block.pk]
    assert {row["id"] for row in api(dps_admin).get(URL).json()["results"]} == {block.pk,
                                                                               other.pk}
    assert [row["id"] for row in api(seller).get(URL).json()["results"]] == [block.pk]
    assert_error(api(commissioner).get(f"{URL}{other.pk}/"), 404, "not_found")
    assert_error(api(seller).get(f"{URL}{other.pk}/occupancy/"), 404, "not_found")
    assert api(seller).get(f"{URL}{block.pk}/occupancy/").status_code == 200


def test_block_list_query_count_is_constant(api, commissioner, frozen,
                                            django_assert_max_num_queries):
    for _ in range(2):
        pf.BlockContractFactory(authority=commissioner.organisation)
    with django_assert_max_num_queries(6) as few:
        api(commissioner).get(URL)
    for _ in range(6):
        block = pf.BlockContractFactory(authority=commissioner.organisation)
        pf.block_placement(block, day("2026-05-01"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(commissioner).get(URL)
    assert response.json()["count"] == 8


# --- Placing into a block -------------------------------------------------------------------

def test_commissioner_places_a_child_into_a_block(council, block,
                                                  django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the agreement follows the commit
        response = council.post(place_url(block), {"start_date": "2026-06-01", "child": CHILD},
                                format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["route"] == "block"
    assert data["block"] == block.pk
    assert data["provider"] == block.provider_id
    assert_money(data["price"], "4500.00")
    assert data["planned_end_date"] == "2027-03-31"  # the block's end by default
    assert data["status"] == "active"
    assert data["child"]["case_reference"] == "WSCC-77001"
    placement = Placement.objects.get(pk=data["id"])
    assert [(p.price, p.effective_from) for p in placement.fee_periods.all()] == [
        (Decimal("4500.00"), day("2026-06-01"))]
    assert placement.agreement_versions.count() == 1
    listed = council.get(place_url(block)).json()
    assert [row["id"] for row in listed] == [placement.pk]


@pytest.mark.parametrize("factory", [f.BudgetHolderFactory, f.FinanceFactory,
                                     f.DpsAdminFactory])
def test_only_a_commissioner_places_into_a_block(api, block, factory):
    user = factory(organisation=block.authority)
    with nothing_changes():
        assert_error(api(user).post(place_url(block), {"start_date": "2026-06-01"},
                                    format="json"), 403, "forbidden")


def test_the_seller_cannot_place_into_its_block(api, block):
    seller = f.ProviderUserFactory(organisation=block.provider)
    with nothing_changes():
        assert_error(api(seller).post(place_url(block), {"start_date": "2026-06-01"},
                                      format="json"), 403, "forbidden")


def test_another_authoritys_block_is_not_found(api, block):
    stranger = f.CommissionerFactory()
    with nothing_changes():
        assert_error(api(stranger).post(place_url(block), {"start_date": "2026-06-01"},
                                        format="json"), 404, "not_found")


@pytest.mark.parametrize(("changes", "field"), [
    ({"start_date": "2026-03-31"}, "start_date"),
    ({"start_date": "2027-04-01"}, "start_date"),
    ({"start_date": "2026-06-01", "planned_end_date": "2027-04-01"}, "planned_end_date"),
])
def test_placements_outside_the_blocks_dates_are_refused(council, block, changes, field):
    with nothing_changes():
        assert_error(council.post(place_url(block), changes, format="json"), 400,
                     "outside_block_dates", fields=[field])


def test_a_planned_end_before_the_start_is_refused(council, block):
    with nothing_changes():
        assert_error(council.post(place_url(block), {"start_date": "2026-06-10",
                                                      "planned_end_date": "2026-06-09"},
                                  format="json"), 400, "outside_block_dates",
                     fields=["planned_end_date"])


def test_the_blocks_first_and_last_days_can_be_used(council, block):
    response = council.post(place_url(block), {"start_date": "2026-04-01",
                                               "planned_end_date": "2027-03-31"},
                            format="json")
    assert response.status_code == 201, response.content


def test_a_full_block_refuses_another_placement(council, block):
    pf.block_placement(block, day("2026-05-01"), day("2026-08-31"))
    with nothing_changes():
        assert_error(council.post(place_url(block), {"start_date": "2026-06-01"},
                                  format="json"), 400, "block_full")
        # The bed is taken up to and including 31 August: a stay reaching it is refused.
        assert_error(council.post(place_url(block), {"start_date": "2026-04-01",
                                                      "planned_end_date": "2026-05-01"},
                                  format="json"), 400, "block_full")
        assert_error(council.post(place_url(block), {"start_date": "2026-08-31"},
                                  format="json"), 400, "block_full")


def test_a_bed_is_free_again_the_day_after_a_stay(council, block):
    pf.block_placement(block, day("2026-05-01"), day("2026-08-31"))
    before = council.post(place_url(block), {"start_date": "2026-04-01",
                                             "planned_end_date": "2026-04-30"}, format="json")
    assert before.status_code == 201, before.content
    after = council.post(place_url(block), {"start_date": "2026-09-01"}, format="json")
    assert after.status_code == 201, after.content


def test_capacity_counts_the_beds_exactly(council, commissioner, frozen):
    block = pf.BlockContractFactory(authority=commissioner.organisation, beds=3)
    pf.block_placement(block, day("2026-05-01"))
    pf.block_placement(block, day("2026-06-15"), day("2026-07-15"))
    # Two beds taken at most: the third is free for the whole year.
    third = council.post(place_url(block), {"start_date": "2026-06-01"}, format="json")
    assert third.status_code == 201, third.content
    # Now three on 15 June to 15 July: a fourth reaching those days is refused.
    with nothing_changes():
        assert_error(council.post(place_url(block), {"start_date": "2026-06-01",
                                                      "planned_end_date": "2026-06-15"},
                                  format="json"), 400, "block_full")
    fourth = council.post(place_url(block), {"start_date": "2026-07-16"}, format="json")
    assert fourth.status_code == 201, fourth.content


def test_an_ended_placement_frees_its_bed(council, commissioner, block):
    stay = pf.block_placement(block, day("2026-05-01"))
    services.end_placement(stay, by=commissioner, end_date=day("2026-05-31"),
                           reason="returned_home")
    response = council.post(place_url(block), {"start_date": "2026-06-01"}, format="json")
    assert response.status_code == 201, response.content


# --- Occupancy and voids --------------------------------------------------------------------

def occupancy(client, block, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"{URL}{block.pk}/occupancy/?{query}")


def test_occupancy_counts_bed_days_bought_occupied_and_void(council, commissioner, frozen):
    block = pf.BlockContractFactory(authority=commissioner.organisation, beds=2,
                                    price_per_bed=Decimal("700.00"))
    pf.block_placement(block, day("2026-04-01"), day("2026-04-10"))  # 10 days in April
    pf.block_placement(block, day("2026-04-21"))  # runs to the block's end: 10 days in April
    response = occupancy(council, block, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["days"] == 30
    assert data["bed_days_bought"] == 60
    assert data["bed_days_occupied"] == 20
    assert data["void_bed_days"] == 40
    assert data["placements"] == 2
    assert_money(data["void_cost"], "4000.00")  # 40 × £700 / 7
    assert_money(data["cost_bought"], "6000.00")
    assert data["occupancy_percent"] == "33.33"


def test_occupancy_defaults_to_the_financial_year_and_clips_to_the_block(council,
                                                                         commissioner, frozen):
    block = pf.BlockContractFactory(authority=commissioner.organisation, beds=1,
                                    start_date=day("2026-10-01"), end_date=day("2028-09-30"))
    data = occupancy(council, block).json()
    assert (data["date_from"], data["date_to"]) == ("2026-04-01", "2027-03-31")
    assert data["days"] == 182  # 1 October 2026 to 31 March 2027
    assert data["bed_days_bought"] == 182
    assert data["void_bed_days"] == 182


def test_occupancy_uses_the_actual_end_of_an_ended_stay(council, commissioner, frozen):
    block = pf.BlockContractFactory(authority=commissioner.organisation, beds=1,
                                    price_per_bed=Decimal("365.00"))
    stay = pf.block_placement(block, day("2026-04-01"), day("2027-03-31"))
    services.end_placement(stay, by=commissioner, end_date=day("2026-04-30"),
                           reason="planned_move")
    data = occupancy(council, block, **{"from": "2026-04-01", "to": "2026-05-31"}).json()
    assert data["bed_days_occupied"] == 30
    assert data["void_bed_days"] == 31
    assert_money(data["void_cost"], "1616.43")  # 31 × £365 / 7 = 1616.428…


@pytest.mark.parametrize(("lot", "price", "hours", "void_cost"), [
    ("residential", "100.00", None, "442.86"),   # 31 × 100 / 7 = 442.857…
    ("tuition", "40.00", "7.50", "1328.57"),     # 31 × 40 × 7.5 / 7 = 1328.571…
    ("inmss", "36500.00", None, "3100.00"),      # 31 × 36500 / 365
])
def test_void_cost_uses_the_daily_price_of_each_unit(council, commissioner, frozen, lot, price,
                                                     hours, void_cost):
    block = pf.BlockContractFactory(authority=commissioner.organisation, beds=1,
                                    lot=f.lot(lot), price_per_bed=Decimal(price),
                                    hours_per_week=Decimal(hours) if hours else None,
                                    price_cap=Decimal(price))
    data = occupancy(council, block, **{"from": "2026-05-01", "to": "2026-05-31"}).json()
    assert data["void_bed_days"] == 31
    assert_money(data["void_cost"], void_cost)


@pytest.mark.parametrize(("params", "field"), [
    ({"from": "2026-13-01"}, "from"), ({"to": "tomorrow"}, "to"),
    ({"from": "2026-06-01", "to": "2026-05-31"}, "to")])
def test_bad_occupancy_ranges_are_refused(council, block, params, field):
    assert_error(occupancy(council, block, **params), 400, "invalid", fields=[field])


def test_a_range_outside_the_block_has_nothing_bought(council, block):
    data = occupancy(council, block, **{"from": "2025-01-01", "to": "2025-12-31"}).json()
    assert (data["days"], data["bed_days_bought"], data["void_bed_days"]) == (0, 0, 0)
    assert data["occupancy_percent"] is None


def test_placement_list_filters_by_block(council, block):
    inside = pf.block_placement(block, day("2026-05-01"))
    pf.PlacementFactory(authority=block.authority)
    rows = council.get(f"/api/v1/placements/?block={block.pk}").json()["results"]
    assert [row["id"] for row in rows] == [inside.pk]
    rows = council.get("/api/v1/placements/?route=block").json()["results"]
    assert [row["id"] for row in rows] == [inside.pk]


def test_blocks_appear_in_the_schema(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/blocks/", "/api/v1/blocks/{id}/placements/",
                 "/api/v1/blocks/{id}/occupancy/", "/api/v1/volume-discounts/{id}/"):
        assert path in schema
    for code in ("block_full", "outside_block_dates", "provider_not_admitted"):
        assert code in schema
    assert BlockContract.objects.count() == 0
