"""The maintained monthly spend summary (ADR 0023): whole months read from it, edge months
live, the same pennies as the live engine; and the services keep it up to date."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import approvals
from contracts import services as contract_services
from reports import summary
from reports.models import InsightPlacement, SpendMonth, SpendPiece, SpendSpan
from reports.spend import aggregate, spend
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.reports.conftest import make_block, make_placement, make_support

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = D(2026, 6, 15)
PRICES = ["700.00", "1000.00", "3333.33", "4999.99", "5123.47", "86.13", "2500.01"]
DIMS = [(), ("lot",), ("provider",), ("authority",), ("month",), ("route",), ("location",),
        ("source",), ("provider", "route", "location", "authority"), ("lot", "month")]


def _world(rng):
    """Two councils, listed providers in and out of area and an unlisted one; placements with
    fee histories, support items, spot ones awaiting approval, blocks with placements in them."""
    councils = [f.AuthorityFactory(area="West Sussex"), f.AuthorityFactory(area="Kent")]
    providers = [f.ProviderOrgFactory(area="West Sussex"), f.ProviderOrgFactory(area="Kent"),
                 None]
    for _ in range(rng.randrange(3, 8)):
        start = D(2024, 6, 1) + dt.timedelta(days=rng.randrange(0, 700))
        end = None if rng.random() < 0.4 else start + dt.timedelta(days=rng.randrange(0, 500))
        periods, day = [], start
        while True:
            until = day + dt.timedelta(days=rng.randrange(5, 200))
            if rng.random() < 0.3 or (end is not None and until >= end):
                periods.append((day, end, rng.choice(PRICES)))
                break
            periods.append((day, until, rng.choice(PRICES)))
            day = until + dt.timedelta(days=1)
        lot = rng.choice(["residential", "fostering", "inmss", "tuition"])
        provider = rng.choice(providers)
        p = make_placement(
            authority=rng.choice(councils), provider=provider, start=start, end=end,
            periods=periods, lot=lot, route="spot" if provider is None else rng.choice(
                ["dps", "spot"]), approval="awaiting" if rng.random() < 0.15 else "approved",
            hours_per_week="7.50" if lot == "tuition" else None)
        for _ in range(rng.randrange(0, 3)):
            s_start = start + dt.timedelta(days=rng.randrange(0, 100))
            make_support(p, start=s_start,
                         end=s_start + dt.timedelta(days=rng.randrange(0, 200)),
                         weekly_cost=rng.choice(PRICES))
    for _ in range(rng.randrange(0, 3)):
        start = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(0, 400))
        end = start + dt.timedelta(days=rng.randrange(30, 400))
        council = rng.choice(councils)
        b = make_block(authority=council, provider=providers[rng.randrange(0, 2)],
                       beds=rng.randrange(1, 4), price_per_bed=rng.choice(PRICES),
                       start=start, end=end)
        for _ in range(rng.randrange(0, 3)):
            p_start = start + dt.timedelta(days=rng.randrange(0, 30))
            make_placement(authority=council, provider=b.provider, start=p_start,
                           end=min(end, p_start + dt.timedelta(days=rng.randrange(0, 200))),
                           route="block", block=b)


ranges = st.lists(st.tuples(st.dates(D(2024, 3, 1), D(2028, 12, 31)), st.integers(0, 1300)),
                  min_size=1, max_size=4)


FILTERS = [{}, {"route": "spot"}, {"route": "block"}, {"location": "in_area"},
           {"lot": "fostering"}, {"route": "dps", "location": "out_of_area"}]


@given(seed=st.integers(0, 10**6), spans=ranges, dims=st.sampled_from(DIMS),
       horizon=st.integers(-30, 30), filters=st.sampled_from(FILTERS))
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_summary_and_live_edges_are_the_live_engine_to_the_penny(seed, spans, dims, horizon,
                                                                 filters):
    with transaction.atomic():
        _world(random.Random(seed))
        # A horizon before, inside or after the data: months past it are computed live.
        summary.rebuild_all(today=TODAY, horizon_months=horizon)
        windows = [(start, start + dt.timedelta(days=days)) for start, days in spans]
        for start, end in windows:
            assert aggregate(date_from=start, date_to=end, dims=dims, filters=filters) == (
                aggregate(date_from=start, date_to=end, dims=dims, filters=filters, live=True))
        # The market insight's windows (one statement for every year) too.
        assert aggregate(windows=windows, dims=dims, voids=False, filters=filters) == aggregate(
            windows=windows, dims=dims, voids=False, filters=filters, live=True)
        # A provider filter reads the provider-level sums.
        provider = SpendPiece.objects.exclude(provider_id=None).values_list(
            "provider_id", flat=True).first()
        if provider:
            start, end = windows[0]
            assert aggregate(date_from=start, date_to=end, dims=dims,
                             filters={"provider": provider}) == aggregate(
                date_from=start, date_to=end, dims=dims, filters={"provider": provider},
                live=True)
        transaction.set_rollback(True)


def test_a_report_reads_the_summary_once_built_and_gives_the_same_rows(db):
    authority = f.AuthorityFactory(area="West Sussex")
    p = make_placement(authority=authority, provider=f.ProviderOrgFactory(area="Kent"),
                       start=D(2025, 1, 10), price="1000.00")
    before = spend(date_from=D(2025, 1, 1), date_to=D(2026, 5, 20), group_by="month")
    pieces, months, _horizon = summary.rebuild_all(today=TODAY)
    assert pieces == months == (2028 * 12 + 5) - (2025 * 12) + 1  # Jan 2025 .. June 2028
    assert SpendPiece.objects.filter(source="placement", source_id=p.pk).count() == pieces
    after = spend(date_from=D(2025, 1, 1), date_to=D(2026, 5, 20), group_by="month")
    assert after.rows == before.rows
    assert after.total == before.total


def _snapshot():
    pieces = sorted(SpendPiece.objects.values_list(
        "source", "source_id", "month", "authority_id", "provider_id", "provider_name",
        "lot_id", "route", "location", "amount", "void_bed_days", "voids"))
    months = sorted(SpendMonth.objects.values_list(
        "month", "authority_id", "lot_id", "provider_id", "provider_name", "route", "location",
        "amount", "void_bed_days", "voids", "pieces"))
    spans = sorted(SpendSpan.objects.values_list(
        "end_month", "span", "authority_id", "lot_id", "provider_id", "provider_name", "route",
        "location", "amount", "void_bed_days", "voids", "pieces"))
    # The market insight's placement rows (ADR 0029), kept by the same services.
    placements = sorted(InsightPlacement.objects.values_list(
        "placement_id", "lot_id", "authority_id", "provider_id", "provider_name", "start_date",
        "end_date", "end_reason", "weekly"))
    return pieces, months, spans, placements


def _follows():
    """The summary as the services left it is the one a full rebuild makes."""
    kept = _snapshot()
    summary.rebuild_all()
    assert _snapshot() == kept
    return kept


@pytest.fixture
def built(frozen):
    summary.rebuild_all()


@pytest.fixture
def placement(frozen):
    return pf.PlacementFactory()


@pytest.fixture
def awarded(frozen, django_capture_on_commit_callbacks):
    """A placement made the real way: the budget holder approves the award."""
    from calloffs import services as calloff_services

    calloff, _ = cf.awaiting_approval(authority=f.LeadAuthorityFactory())
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    with django_capture_on_commit_callbacks(execute=True):
        return calloff_services.approve_award(calloff, by=approver)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 1, 12, 0), tick=False)


def test_the_summary_follows_each_service_that_changes_spend(built, awarded):
    placement = awarded
    commissioner = f.CommissionerFactory(organisation=placement.authority)
    kept = _follows()
    assert any(row[1] == placement.pk for row in kept[0])  # the award's months are in
    contract_services.record_fee_change(
        placement, by=commissioner, new_price=Decimal("5100.00"),
        effective_from=placement.start_date + dt.timedelta(days=40), reason="Uplift",
        acknowledge_cap_warning=True)
    _follows()
    contract_services.add_support_item(
        placement, by=commissioner, description="Extra staffing", weekly_cost=Decimal("350.00"),
        start_date=placement.start_date + dt.timedelta(days=3),
        review_date=placement.start_date + dt.timedelta(days=30),
        end_date=placement.start_date + dt.timedelta(days=90))
    _follows()
    contract_services.end_placement(placement, by=commissioner,
                                    end_date=placement.start_date + dt.timedelta(days=60),
                                    reason="planned_move")
    _follows()


def test_a_provider_fee_request_counts_once_approved(built, placement):
    commissioner = f.CommissionerFactory(organisation=placement.authority)
    provider = f.ProviderUserFactory(organisation=placement.provider)
    change = contract_services.request_fee_change(
        placement, by=provider, new_price=Decimal("5200.00"),
        effective_from=D(2026, 6, 1), reason="Costs")
    summary.rebuild_for_placement(placement)  # the factory's placement, made without services
    before = _follows()
    contract_services.approve_fee_change(change, by=commissioner)
    assert _follows() != before


def test_a_spot_placement_counts_when_approved_and_blocks_follow_their_beds(built):
    lot = f.lot("residential")
    member = f.AdmittedMembershipFactory(lot=lot, price_cap=Decimal("5500.00"))
    commissioner = f.CommissionerFactory()
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation,
                                   approval_limit=Decimal("10000000.00"))
    spot = contract_services.record_spot_placement(
        by=commissioner, provider_name="Harbour Lights Care Ltd", lot=lot,
        price=Decimal("4000.00"), start_date=D(2026, 5, 1), exception_reason="Emergency")
    assert _follows()[0] == []  # awaiting approval: nothing yet
    approvals.approve_placement(spot, by=holder, key_decision_reference="KD-1")
    assert {row[1] for row in _follows()[0]} == {spot.pk}
    block = contract_services.create_block_contract(
        by=commissioner, provider=member.provider, lot=lot, beds=2,
        price_per_bed=Decimal("4500.00"), start_date=D(2026, 6, 1), end_date=D(2026, 11, 30))
    _follows()
    approvals.approve_block(block, by=holder, key_decision_reference="KD-2")
    voids = sum(row[11] for row in _follows()[0] if row[0] == "block")
    contract_services.place_into_block(block, by=commissioner, start_date=D(2026, 6, 1))
    assert sum(row[11] for row in _follows()[0] if row[0] == "block") < voids


def test_the_rebuild_command_says_what_it_built(db, capsys):
    make_placement(authority=f.AuthorityFactory(), start=D(2026, 1, 1), end=D(2026, 3, 31))
    call_command("rebuild_spend_summary", "--horizon-months", "0")
    out = capsys.readouterr().out
    assert "3 piece-months, 3 monthly rows" in out


def test_without_a_build_the_services_keep_nothing(placement):
    commissioner = f.CommissionerFactory(organisation=placement.authority)
    contract_services.end_placement(placement, by=commissioner,
                                    end_date=placement.start_date + dt.timedelta(days=5),
                                    reason="planned_move")
    assert not SpendPiece.objects.exists()
    assert not summary.built()
