"""Pages for block contracts (list, buy, detail with occupancy and voids, place a child),
volume discount tiers (DPS administrator), spot placements and support reviews."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from contracts.models import BlockContract, Placement, SupportItem, VolumeDiscountTier
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import nothing_changes
from tests.contracts import factories as pf
from tests.contracts.conftest import commissioner_of, day
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

BLOCKS = reverse("contracts:blocks")
NEW = reverse("contracts:block-create")
DISCOUNTS = reverse("contracts:volume-discounts")
SPOT = reverse("contracts:spot")


def url(name, *args):
    return reverse(f"contracts:{name}", args=args)


def date_parts(name, value):
    return {f"{name}_day": value.day, f"{name}_month": value.month, f"{name}_year": value.year}


@pytest.fixture
def block(frozen):
    return pf.BlockContractFactory(beds=2, price_per_bed=Decimal("700.00"))


@pytest.fixture
def buyer(block):
    return f.CommissionerFactory(organisation=block.authority)


def block_data(member, **changes):
    return {"provider": str(member.provider_id), "lot": str(member.lot_id), "reference": "B-1",
            "beds": "2", "price_per_bed": "4,500.00", **date_parts("start_date", day("2026-04-01")),
            **date_parts("end_date", day("2027-03-31")), **changes}


CHILD = {"first_name": "Mia", "last_name": "Hart", "case_reference": "WSCC-1",
         **date_parts("date_of_birth", day("2011-09-02"))}


# --- Who may see what -----------------------------------------------------------------------

def test_anonymous_users_are_sent_to_sign_in(client, block):
    item_placement = pf.PlacementFactory()
    for address in (BLOCKS, NEW, url("block", block.pk), url("block-place", block.pk),
                    DISCOUNTS, SPOT, url("support-review", item_placement.pk, 1)):
        response = client.get(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(reverse("login")), address


def test_wrong_roles_are_forbidden(as_user, block, buyer):
    seller = as_user(f.ProviderUserFactory(organisation=block.provider))
    for address in (BLOCKS, NEW, url("block", block.pk), url("block-place", block.pk),
                    DISCOUNTS, SPOT):
        assert seller.get(address).status_code == 403, address
    finance = as_user(f.FinanceFactory(organisation=block.authority))
    assert finance.get(BLOCKS).status_code == 200
    for address in (NEW, url("block-place", block.pk), DISCOUNTS, SPOT):
        assert finance.get(address).status_code == 403, address
    council = as_user(buyer)
    assert council.get(DISCOUNTS).status_code == 403
    tier = VolumeDiscountTier.objects.create(provider=block.provider, lot=block.lot,
                                             min_concurrent=2, percent=Decimal("5"))
    with nothing_changes():
        assert council.post(url("remove-volume-discount", tier.pk)).status_code == 403


def test_another_authoritys_block_is_not_found(as_user, block):
    stranger = as_user(f.CommissionerFactory())
    assert stranger.get(url("block", block.pk)).status_code == 404
    with nothing_changes():
        assert stranger.post(url("block-place", block.pk),
                             {**CHILD, **date_parts("start_date", day("2026-06-01"))}
                             ).status_code == 404


# --- Block list and buying ------------------------------------------------------------------

def test_block_list_shows_the_authoritys_blocks(as_user, block, buyer):
    pf.block_placement(block, day("2026-05-01"))
    pf.BlockContractFactory(reference="SOMEONE-ELSES")
    page = text(as_user(buyer).get(BLOCKS))
    assert block.reference in page
    assert "SOMEONE-ELSES" not in page
    assert "£700.00" in page
    assert "1 of 2" in page
    assert "Buy a block of beds" in page


def test_block_list_query_count_is_constant(as_user, buyer, django_assert_max_num_queries):
    client = as_user(buyer)
    with django_assert_max_num_queries(12) as few:
        client.get(BLOCKS)
    for _ in range(5):
        other = pf.BlockContractFactory(authority=buyer.organisation)
        pf.block_placement(other, day("2026-05-01"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BLOCKS).status_code == 200


def test_commissioner_buys_a_block(as_user, frozen, commissioner):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("5500"))
    client = as_user(commissioner)
    form = text(client.get(NEW))
    assert member.provider.name in form
    response = client.post(NEW, block_data(member), follow=True)
    block = BlockContract.objects.get()
    assert response.redirect_chain[-1][0] == url("block", block.pk)
    assert "Block contract bought: 2 beds" in banner(response)
    assert (block.beds, block.price_per_bed, block.unit) == (2, Decimal("4500.00"), "week")


def test_bad_block_input_shows_errors_and_writes_nothing(as_user, frozen, commissioner):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("5500"))
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(NEW, block_data(member, beds="0", price_per_bed="abc",
                                               provider="", end_date_day="31",
                                               end_date_month="2"))
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Choose the provider" in summary
    assert "Enter the number of beds, 1 or more" in summary
    assert "Enter the price per bed in pounds" in summary
    assert "must be a real date" in summary
    assert "<title>Error: Buy a block of beds" in response.content.decode()


def test_a_provider_not_admitted_to_the_lot_cannot_sell_a_block(as_user, frozen, commissioner):
    member = f.AdmittedMembershipFactory(lot=f.lot("fostering"))
    f.SuspendedMembershipFactory(provider=member.provider, lot=f.lot("residential"))
    with nothing_changes():
        response = as_user(commissioner).post(
            NEW, block_data(member, lot=str(f.lot("residential").pk)))
    assert "not an admitted member" in error_summary(response)


def test_above_the_cap_needs_the_acknowledgement(as_user, frozen, commissioner):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"), price_cap=Decimal("4000"))
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(NEW, block_data(member))
    assert "above the provider's price cap" in error_summary(response)
    assert "£4,500.00 is above the provider's price cap on this lot, £4,000.00" in \
        error_summary(response)
    assert 'name="acknowledge_cap_warning"' in response.content.decode()
    response = client.post(NEW, block_data(member, acknowledge_cap_warning="on"))
    assert response.status_code == 302
    assert BlockContract.objects.get().cap_warning_acknowledged is True


# --- Block detail: occupancy and voids ------------------------------------------------------

def test_block_detail_shows_occupancy_for_the_financial_year(as_user, block, buyer):
    stay = pf.block_placement(block, day("2026-04-01"), day("2026-04-30"))
    page = text(as_user(buyer).get(url("block", block.pk)))
    assert "1 April 2026 to 31 March 2027 (365 days within the block)" in page
    assert "Bed-days bought 730" in page
    assert "Bed-days occupied 30" in page
    assert "Void bed-days 700" in page
    assert "Cost of the voids £70,000.00" in page  # 700 × £700 / 7
    assert stay.child.first_name in page
    assert "Place a child into this block" in page


def test_block_detail_for_a_chosen_period(as_user, block, buyer):
    pf.block_placement(block, day("2026-04-01"), day("2026-04-30"))
    query = {**date_parts("date_from", day("2026-04-01")),
             **date_parts("date_to", day("2026-04-30"))}
    page = text(as_user(buyer).get(url("block", block.pk), query))
    assert "Bed-days bought 60" in page
    assert "Void bed-days 30" in page
    assert "Cost of the voids £3,000.00" in page


def test_a_bad_period_shows_an_error_and_the_default(as_user, block, buyer):
    query = {**date_parts("date_from", day("2026-05-01")),
             **date_parts("date_to", day("2026-04-30"))}
    response = as_user(buyer).get(url("block", block.pk), query)
    assert "The end of the period must be on or after its start" in error_summary(response)
    assert "1 April 2026 to 31 March 2027" in text(response)


def test_block_detail_query_count_is_constant(as_user, block, buyer,
                                              django_assert_max_num_queries):
    client = as_user(buyer)
    with django_assert_max_num_queries(15) as few:
        client.get(url("block", block.pk))
    pf.block_placement(block, day("2026-04-01"), day("2026-04-30"))
    pf.block_placement(block, day("2026-05-01"), day("2026-05-30"))
    pf.block_placement(block, day("2026-06-01"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url("block", block.pk)).status_code == 200


# --- Placing a child into a block -----------------------------------------------------------

def test_commissioner_places_a_child_into_the_block(as_user, block, buyer):
    client = as_user(buyer)
    assert "£700.00 per week" in text(client.get(url("block-place", block.pk)))
    response = client.post(url("block-place", block.pk),
                           {**CHILD, **date_parts("start_date", day("2026-06-01"))},
                           follow=True)
    placement = Placement.objects.get(block=block)
    assert placement.route == Placement.Route.BLOCK
    assert placement.child.case_reference == "WSCC-1"
    assert "Placed into the block from 1 June 2026 at £700.00 per week" in banner(response)
    assert "Mia Hart" in text(response)


def test_a_full_block_shows_why(as_user, block, buyer):
    pf.block_placement(block, day("2026-04-01"))
    pf.block_placement(block, day("2026-04-01"))
    with nothing_changes():
        response = as_user(buyer).post(url("block-place", block.pk),
                                       {**CHILD, **date_parts("start_date", day("2026-06-01"))})
    assert "Every bed in this block (2) is taken" in error_summary(response)


def test_dates_outside_the_block_show_why(as_user, block, buyer):
    with nothing_changes():
        response = as_user(buyer).post(
            url("block-place", block.pk),
            {**CHILD, **date_parts("start_date", day("2026-06-01")),
             **date_parts("planned_end_date", day("2027-04-01"))})
    assert "must fall within its dates" in error_summary(response)


def test_the_child_is_required_for_a_block_placement(as_user, block, buyer):
    with nothing_changes():
        response = as_user(buyer).post(url("block-place", block.pk),
                                       date_parts("start_date", day("2026-06-01")))
    summary = error_summary(response)
    assert "Enter the child's first name" in summary
    assert "Enter the child's case reference" in summary


def test_placement_list_filters_to_a_block(as_user, block, buyer):
    inside = pf.block_placement(block, day("2026-05-01"))
    outside = pf.PlacementFactory(authority=block.authority)
    response = as_user(buyer).get(reverse("contracts:list"), {"block": block.pk})
    html = response.content.decode()
    assert url("detail", inside.pk) in html
    assert url("detail", outside.pk) not in html
    assert "Showing placements in block contract" in text(response)
    detail = text(as_user(buyer).get(url("detail", inside.pk)))
    assert f"Block contract {block.reference}" in detail


# --- Volume discounts -----------------------------------------------------------------------

def test_dps_admin_sets_and_removes_tiers(as_user, frozen, dps_admin):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    client = as_user(dps_admin)
    data = {"provider": str(member.provider_id), "lot": str(member.lot_id),
            "min_concurrent": "3", "percent": "5"}
    response = client.post(DISCOUNTS, data, follow=True)
    assert "5% off on Residential" in banner(response)
    tier = VolumeDiscountTier.objects.get()
    assert (tier.min_concurrent, tier.percent) == (3, Decimal("5.00"))
    assert member.provider.name in text(response)
    response = client.post(url("remove-volume-discount", tier.pk), follow=True)
    assert "Removed" in banner(response)
    assert not VolumeDiscountTier.objects.exists()
    assert AuditEntry.objects.filter(action="volumediscount.removed").count() == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"min_concurrent": "1"}, "Enter a number of placements, 2 or more"),
    ({"percent": "0"}, "The discount must be more than 0%"),
    ({"percent": "100"}, "The discount must be less than 100%"),
    ({"provider": ""}, "Choose the provider"),
])
def test_bad_tiers_show_errors(as_user, frozen, dps_admin, changes, message):
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    data = {"provider": str(member.provider_id), "lot": str(member.lot_id),
            "min_concurrent": "3", "percent": "5", **changes}
    with nothing_changes():
        response = as_user(dps_admin).post(DISCOUNTS, data)
    assert message in error_summary(response)


def test_discount_page_query_count_is_constant(as_user, dps_admin,
                                               django_assert_max_num_queries):
    client = as_user(dps_admin)
    member = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    VolumeDiscountTier.objects.create(provider=member.provider, lot=member.lot,
                                      min_concurrent=2, percent=Decimal("5"))
    with django_assert_max_num_queries(12) as few:
        client.get(DISCOUNTS)
    for n in range(5):
        member = f.AdmittedMembershipFactory(lot=f.lot("residential"))
        VolumeDiscountTier.objects.create(provider=member.provider, lot=member.lot,
                                          min_concurrent=2 + n, percent=Decimal("5"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(DISCOUNTS).status_code == 200


# --- Spot placements ------------------------------------------------------------------------

def spot_data(**changes):
    return {"provider_name": "Harbour Lights Care Ltd", "lot": str(f.lot("residential").pk),
            "price": "6250", **date_parts("start_date", day("2026-06-03")),
            "exception_reason": "No DPS provider could offer a bed within 48 hours.",
            **changes}


def test_commissioner_records_a_spot_placement(as_user, frozen, commissioner):
    response = as_user(commissioner).post(SPOT, spot_data(**CHILD), follow=True)
    placement = Placement.objects.get()
    assert placement.route == Placement.Route.SPOT
    assert placement.price == Decimal("6250.00")
    assert placement.child.first_name == "Mia"
    assert response.redirect_chain[-1][0] == url("detail", placement.pk)
    assert "Spot placement recorded" in banner(response)


def test_bad_spot_input_shows_errors(as_user, frozen, commissioner):
    with nothing_changes():
        response = as_user(commissioner).post(
            SPOT, spot_data(exception_reason="", price="0", first_name="Mia"))
    summary = error_summary(response)
    assert "Say why this placement is bought off-contract" in summary
    assert "The price must be more than £0" in summary
    assert "Enter the child's case reference" in summary


def test_an_hourly_spot_placement_needs_hours(as_user, frozen, commissioner):
    with nothing_changes():
        response = as_user(commissioner).post(SPOT, spot_data(lot=str(f.lot("tuition").pk),
                                                              price="45"))
    assert "Needed for a price per hour" in error_summary(response)


# --- Support reviews ------------------------------------------------------------------------

@pytest.fixture
def item(frozen):
    placement = pf.PlacementFactory()
    return SupportItem.objects.create(
        placement=placement, description="Weekly therapy", weekly_cost=Decimal("350.00"),
        start_date=day("2026-05-01"), review_date=day("2026-06-10"),
        end_date=day("2026-12-31"))


def test_commissioner_records_a_support_review(as_user, item):
    client = as_user(commissioner_of(item.placement))
    address = url("support-review", item.placement_id, item.pk)
    detail = client.get(url("detail", item.placement_id)).content.decode()
    assert address in detail
    response = client.post(address, {**date_parts("reviewed_on", day("2026-06-01")),
                                     **date_parts("next_review_date", day("2026-09-01")),
                                     "notes": "Going well."}, follow=True)
    assert "The next review is due on 1 September 2026" in banner(response)
    item.refresh_from_db()
    assert item.review_date == day("2026-09-01")


def test_a_bad_support_review_shows_errors(as_user, item):
    client = as_user(commissioner_of(item.placement))
    address = url("support-review", item.placement_id, item.pk)
    with nothing_changes():
        response = client.post(address, {**date_parts("reviewed_on", day("2026-06-01")),
                                         **date_parts("next_review_date", day("2027-01-31"))})
    assert "on or before" in error_summary(response)
    with nothing_changes():
        response = client.post(address, date_parts("reviewed_on", day("2026-07-01")))
    assert "Must not be in the future" in error_summary(response)
    with nothing_changes():
        response = client.post(address, {})
    assert "Enter the date the support was reviewed" in error_summary(response)


def test_another_authoritys_support_item_is_not_found(as_user, item):
    stranger = as_user(f.CommissionerFactory())
    address = url("support-review", item.placement_id, item.pk)
    assert stranger.get(address).status_code == 404
    other = pf.PlacementFactory()
    mine = as_user(commissioner_of(other))
    assert mine.get(url("support-review", other.pk, item.pk)).status_code == 404


def test_support_review_page_is_forbidden_to_finance(as_user, item):
    finance = as_user(f.FinanceFactory(organisation=item.placement.authority))
    assert finance.get(url("support-review", item.placement_id, item.pk)).status_code == 403


def test_an_hourly_block_keeps_its_hours(frozen, commissioner):
    from contracts import services

    member = f.AdmittedMembershipFactory(lot=f.lot("tuition"), price_cap=Decimal("60"))
    block = services.create_block_contract(
        by=commissioner, provider=member.provider, lot=member.lot, beds=1,
        price_per_bed=Decimal("45.00"), hours_per_week=Decimal("10"),
        start_date=day("2026-04-01"), end_date=day("2027-03-31"))
    placement = services.place_into_block(block, by=commissioner,
                                          start_date=day("2026-06-01"))
    assert (placement.price_unit, placement.hours_per_week) == ("hour", Decimal("10.00"))
    assert placement.start_date == datetime.date(2026, 6, 1)


def test_form_pages_have_a_bounded_query_count(as_user, block, buyer, item,
                                               django_assert_max_num_queries):
    client = as_user(buyer)
    for _ in range(3):
        f.AdmittedMembershipFactory(lot=f.lot("residential"))
    for address in (NEW, url("block-place", block.pk), SPOT):
        with django_assert_max_num_queries(10):
            assert client.get(address).status_code == 200, address
    reviewer = as_user(commissioner_of(item.placement))
    with django_assert_max_num_queries(10):
        assert reviewer.get(url("support-review", item.placement_id, item.pk)).status_code == 200
