"""Volume discounts: tiers per provider and lot set by the DPS administrator
(/api/v1/volume-discounts/), applied to new DPS placements at their exact thresholds, rounded
half up to pennies, and shown on the agreement."""

from decimal import Decimal

import pytest
from django.test import TestCase

from calloffs import services as calloff_services
from contracts import services
from contracts.models import Placement, VolumeDiscountTier
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.contracts.conftest import pdf_text

pytestmark = pytest.mark.django_db

URL = "/api/v1/volume-discounts/"


@pytest.fixture
def provider(db):
    return f.ProviderOrgFactory()


def tier(provider, min_concurrent, percent, lot="residential"):
    return VolumeDiscountTier.objects.create(provider=provider, lot=f.lot(lot),
                                             min_concurrent=min_concurrent,
                                             percent=Decimal(percent))


# --- The API ----------------------------------------------------------------------------------

def test_anonymous_cannot_read_or_set_discounts(anon, provider):
    row = tier(provider, 3, "5")
    with nothing_changes():
        assert_error(anon.get(URL), 401, "not_authenticated")
        assert_error(anon.post(URL, {}, format="json"), 401, "not_authenticated")
        assert_error(anon.delete(f"{URL}{row.pk}/"), 401, "not_authenticated")


@pytest.mark.parametrize("factory", [f.CommissionerFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory, f.ProviderUserFactory])
def test_only_the_dps_admin_sets_and_removes_discounts(api, provider, factory):
    row = tier(provider, 3, "5")
    client = api(factory())
    body = {"provider": provider.pk, "lot": "residential", "min_concurrent": 4, "percent": "7"}
    with nothing_changes():
        assert_error(client.post(URL, body, format="json"), 403, "forbidden")
        assert_error(client.delete(f"{URL}{row.pk}/"), 403, "forbidden")


def test_dps_admin_sets_changes_and_removes_a_tier(api, dps_admin, provider):
    client = api(dps_admin)
    body = {"provider": provider.pk, "lot": "residential", "min_concurrent": 3,
            "percent": "5.00"}
    created = client.post(URL, body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["provider"], data["lot"], data["min_concurrent"]) == (provider.pk,
                                                                     "residential", 3)
    assert data["percent"] == "5.00"
    changed = client.post(URL, {**body, "percent": "6.50"}, format="json")
    assert changed.status_code == 200, changed.content
    assert changed.json()["id"] == data["id"]
    assert VolumeDiscountTier.objects.get().percent == Decimal("6.50")
    assert client.delete(f"{URL}{data['id']}/").status_code == 204
    assert not VolumeDiscountTier.objects.exists()
    actions = list(AuditEntry.objects.filter(action__startswith="volumediscount.")
                   .order_by("pk").values_list("action", flat=True))
    assert actions == ["volumediscount.set", "volumediscount.set", "volumediscount.removed"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"min_concurrent": 1}, "min_concurrent"),
    ({"percent": "0"}, "percent"),
    ({"percent": "100"}, "percent"),
    ({"percent": "-5"}, "percent"),
    ({"lot": "nowhere"}, "lot"),
    ({"provider": 999999}, "provider"),
])
def test_invalid_tiers_are_refused(api, dps_admin, provider, changes, field):
    body = {"provider": provider.pk, "lot": "residential", "min_concurrent": 3, "percent": "5",
            **changes}
    client = api(dps_admin)
    with nothing_changes():
        assert_error(client.post(URL, body, format="json"), 400, "invalid", fields=[field])


def test_an_authority_is_not_a_provider(api, dps_admin):
    body = {"provider": dps_admin.organisation_id, "lot": "residential", "min_concurrent": 3,
            "percent": "5"}
    client = api(dps_admin)
    with nothing_changes():
        assert_error(client.post(URL, body, format="json"), 400, "invalid",
                     fields=["provider"])


def test_who_reads_which_tiers(api, provider, commissioner):
    mine = tier(provider, 3, "5")
    theirs = tier(f.ProviderOrgFactory(), 2, "3")
    assert {row["id"] for row in api(commissioner).get(URL).json()["results"]} == {
        mine.pk, theirs.pk}
    seller = f.ProviderUserFactory(organisation=provider)
    assert [row["id"] for row in api(seller).get(URL).json()["results"]] == [mine.pk]
    assert_error(api(seller).get(f"{URL}{theirs.pk}/"), 404, "not_found")


def test_removing_a_tier_of_none_is_not_found(api, dps_admin):
    assert_error(api(dps_admin).delete(f"{URL}999999/"), 404, "not_found")


def test_tier_list_query_count_is_constant(api, commissioner, django_assert_max_num_queries):
    tier(f.ProviderOrgFactory(), 2, "3")
    with django_assert_max_num_queries(5) as few:
        api(commissioner).get(URL)
    for n in range(6):
        tier(f.ProviderOrgFactory(), 2 + n, "3")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api(commissioner).get(URL).json()["count"] == 7


# --- Applied to new DPS placements ------------------------------------------------------------

def award(price="5000.00", existing=0, ended=0, tiers=()):
    """Approve an award to a provider with `existing` live placements on the lot already."""
    calloff, _ = cf.awaiting_approval(price=price, price_cap="9999.00")
    provider = calloff.recommended_eoi.provider
    for _ in range(existing):
        pf.PlacementFactory(provider=provider, lot=calloff.lot, cap=False)
    for _ in range(ended):
        pf.EndedPlacementFactory(provider=provider, lot=calloff.lot, cap=False)
    for min_concurrent, percent in tiers:
        tier(provider, min_concurrent, percent, lot=calloff.lot.code)
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    # As after the approval's commit: its agreement is built then (contracts.agreements).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return calloff_services.approve_award(calloff, by=approver)


TIERS = [(3, "5"), (5, "10")]


@pytest.mark.parametrize(("existing", "percent", "price"), [
    (0, None, "5000.00"),     # the new one alone
    (1, None, "5000.00"),     # two live: below the first tier
    (2, "5.00", "4750.00"),   # three live: exactly the first tier
    (3, "5.00", "4750.00"),
    (4, "10.00", "4500.00"),  # five live: exactly the second tier
    (6, "10.00", "4500.00"),
])
def test_the_highest_tier_reached_applies(frozen, existing, percent, price):
    placement = award(existing=existing, tiers=TIERS)
    assert placement.price == Decimal(price)
    assert placement.discount_percent == (Decimal(percent) if percent else None)
    assert placement.price_before_discount == (Decimal("5000.00") if percent else None)
    assert [p.price for p in placement.fee_periods.all()] == [Decimal(price)]


def test_ended_placements_do_not_count(frozen):
    placement = award(existing=1, ended=3, tiers=TIERS)
    assert placement.discount_percent is None
    assert placement.price == Decimal("5000.00")


def test_another_lots_tiers_do_not_apply(frozen):
    calloff, _ = cf.awaiting_approval(price="5000.00", price_cap="9999.00")
    provider = calloff.recommended_eoi.provider
    tier(provider, 2, "50", lot="fostering")
    pf.PlacementFactory(provider=provider, lot=calloff.lot, cap=False)
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    placement = calloff_services.approve_award(calloff, by=approver)
    assert placement.price == Decimal("5000.00")


def test_the_discounted_price_rounds_half_up_to_pennies(frozen):
    # £1,000.05 less 10% is £900.045: half up gives £900.05 (half-even would give £900.04).
    placement = award(price="1000.05", existing=1, tiers=[(2, "10")])
    assert placement.price == Decimal("900.05")
    assert placement.price_before_discount == Decimal("1000.05")


def test_the_discount_is_audited(frozen):
    placement = award(existing=2, tiers=TIERS)
    entry = AuditEntry.objects.get(action="placement.created", object_id=placement.pk)
    assert entry.data["price_before_discount"] == "5000.00"
    assert entry.data["discount_percent"] == "5.00"
    assert entry.data["live_placements"] == 3


def test_the_agreement_shows_the_price_before_discount_the_discount_and_the_price_payable(
        frozen):
    placement = award(price="1000.05", existing=1, tiers=[(2, "10")])
    text = " ".join(pdf_text(bytes(services.latest_agreement(placement).pdf)).split())
    assert "Price before discount £1,000.05 per week" in text
    assert "Volume discount 10%" in text
    assert "Price payable £900.05 per week" in text


def test_the_agreement_without_a_discount_shows_no_discount(frozen):
    placement = award()
    text = pdf_text(bytes(services.latest_agreement(placement).pdf))
    assert "discount" not in text.lower()


def test_the_api_shows_the_discount(api, frozen):
    placement = award(existing=2, tiers=TIERS)
    user = f.CommissionerFactory(organisation=placement.authority)
    data = api(user).get(f"/api/v1/placements/{placement.pk}/").json()
    assert_money(data["price"], "4750.00")
    assert_money(data["price_before_discount"], "5000.00")
    assert data["discount_percent"] == "5.00"


def test_spot_placements_get_no_discount(frozen, commissioner):
    provider = f.ProviderOrgFactory()
    tier(provider, 2, "10")
    for _ in range(3):
        pf.PlacementFactory(provider=provider, lot=f.lot("residential"), cap=False)
    placement = services.record_spot_placement(
        by=commissioner, provider_name="", provider=provider, lot=f.lot("residential"),
        price=Decimal("5000.00"), start_date=frozen, exception_reason="No bed on the DPS.")
    assert placement.route == Placement.Route.SPOT
    assert placement.price == Decimal("5000.00")
    assert placement.discount_percent is None
