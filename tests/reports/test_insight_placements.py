"""The market insight's placement rows (InsightPlacement, ADR 0029): with the summary built the
insight's counts, endings, prices and breakdown read them, and every figure is the one read
from the placements themselves; per-placement rebuilds keep them as a full rebuild makes them."""

import datetime as dt
import random
from dataclasses import asdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import EndReason, FeePeriod, Placement
from reports import insight, summary
from reports.models import InsightPlacement, SpendSummaryState
from tests import factories as f
from tests.reports.conftest import make_placement
from tests.reports.test_summary import TODAY, _world

pytestmark = pytest.mark.django_db
D = dt.date
LOTS = ("residential", "fostering", "inmss", "tuition")
REASONS = ["", *EndReason.values]
SLOW = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])


def _vary(rng):
    """What the spend world leaves alike: end reasons, an hourly price without hours (no
    weekly equivalent), a placement whose first fee period starts after it (no price)."""
    for placement in Placement.objects.exclude(end_date=None):
        placement.end_reason = rng.choice(REASONS)
        placement.save(update_fields=["end_reason"])
    tuition = Placement.objects.filter(lot__code="tuition").first()
    if tuition is not None and rng.random() < 0.5:
        tuition.hours_per_week = None
        tuition.save(update_fields=["hours_per_week"])
    council = f.AuthorityFactory(area="Kent")
    late = make_placement(authority=council, start=D(2025, 3, 3), lot=rng.choice(LOTS),
                          periods=[(D(2025, 3, 10), None, "812.40")])
    return late


def _figures(**kwargs):
    return asdict(insight.market_insight(**kwargs))


def _held_is_live(**kwargs):
    held = _figures(**kwargs)
    with summary.live_only():
        live = _figures(**kwargs)
    assert held == live, kwargs


def _rows():
    return sorted(InsightPlacement.objects.values_list(
        "placement_id", "lot_id", "authority_id", "provider_id", "provider_name", "start_date",
        "end_date", "end_reason", "weekly"))


@given(seed=st.integers(0, 10**6), to=st.dates(D(2025, 1, 1), D(2028, 6, 30)),
       years=st.integers(1, 4), forum=st.booleans())
@settings(max_examples=12, **SLOW)
def test_the_insight_from_its_placement_rows_is_the_insight_from_the_placements(seed, to, years,
                                                                                forum):
    with transaction.atomic():
        rng = random.Random(seed)
        _world(rng)
        _vary(rng)
        summary.rebuild_all(today=TODAY)
        assert SpendSummaryState.objects.get().placements_built
        assert InsightPlacement.objects.count() == Placement.objects.count()
        authorities = sorted({p.authority for p in Placement.objects.select_related(
            "authority")}, key=lambda a: a.pk)
        for code in LOTS:
            for authority in (None, *authorities):
                _held_is_live(lot=f.lot(code), to=to, years=years, authority=authority,
                              forum=forum)
        transaction.set_rollback(True)


@given(seed=st.integers(0, 10**6), changes=st.lists(
    st.tuples(st.integers(0, 50), st.sampled_from(["price", "end", "start", "reason"]),
              st.integers(-200, 200)), min_size=1, max_size=4))
@settings(max_examples=12, **SLOW)
def test_per_placement_rebuilds_keep_the_rows_a_full_rebuild_makes(seed, changes):
    with transaction.atomic():
        rng = random.Random(seed)
        _world(rng)
        _vary(rng)
        summary.rebuild_all(today=TODAY)
        placements = list(Placement.objects.order_by("pk"))
        for pick, kind, days in changes:
            placement = placements[pick % len(placements)]
            first = FeePeriod.objects.filter(placement=placement).order_by(
                "effective_from").first()
            if kind == "price" and first:  # the starting price itself
                first.price = first.price + Decimal(days) / 7
                first.save()
            elif kind == "end":
                placement.end_date = max(placement.start_date,
                                         (placement.end_date or TODAY)
                                         + dt.timedelta(days=days))
                placement.save()
            elif kind == "start":
                placement.start_date = min(placement.start_date
                                           + dt.timedelta(days=abs(days) // 4),
                                           placement.end_date or TODAY)
                placement.save()
            elif kind == "reason":
                placement.end_reason = REASONS[abs(days) % len(REASONS)]
                placement.save()
            summary.rebuild_for_placement(placement)
        kept = _rows()
        summary.rebuild_all(today=TODAY)
        assert _rows() == kept
        transaction.set_rollback(True)


@pytest.fixture
def market(db):
    authority = f.AuthorityFactory(area="Kent")
    make_placement(authority=authority, provider=f.ProviderOrgFactory(area="Kent"),
                   start=D(2025, 1, 10), end=D(2025, 9, 30), price="1000.00")
    make_placement(authority=authority, start=D(2025, 6, 1), price="2500.01", route="spot")
    return authority


def test_a_summary_built_before_the_rows_reads_the_placements_until_they_are_filled(market):
    """After migrating to InsightPlacement on a built summary (placements_built false, the
    table empty) the insight reads the placements: the same figures, not empty ones."""
    summary.rebuild_all(today=TODAY)
    expected = _figures(lot=f.lot("residential"), to=D(2026, 5, 20), years=2)
    InsightPlacement.objects.all().delete()
    SpendSummaryState.objects.update(placements_built=False)
    assert _figures(lot=f.lot("residential"), to=D(2026, 5, 20), years=2) == expected
    assert expected["years"][-1]["placements_live"] == 2


def test_the_backfill_command_fills_the_rows(market, capsys):
    summary.rebuild_all(today=TODAY)
    kept = _rows()
    InsightPlacement.objects.all().delete()
    SpendSummaryState.objects.update(placements_built=False)
    call_command("rebuild_spend_summary", "--placements-only")
    assert "Insight placement rows rebuilt: 2 rows" in capsys.readouterr().out
    assert SpendSummaryState.objects.get().placements_built
    assert _rows() == kept
    assert [row[-1] for row in kept] == [Decimal("1000.00"), Decimal("2500.01")]


def test_without_a_build_nothing_is_kept(market):
    summary.rebuild_for_placement(Placement.objects.first())
    assert not InsightPlacement.objects.exists()
