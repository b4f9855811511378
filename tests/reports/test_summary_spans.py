"""The rolling 11-month sums (SpendSpan, ADR 0027): a market insight year's whole months, and a
long range's months after its last calendar year, read as one row per key. Against the live
engine after random histories, to the penny; and kept by the per-placement rebuilds the
services run exactly as a full rebuild makes them."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import FeePeriod, Placement
from reports import summary
from reports.insight import year_windows
from reports.models import SpendSpan
from reports.spend import aggregate
from tests.reports.test_summary import TODAY, _snapshot, _world

pytestmark = pytest.mark.django_db
D = dt.date
INSIGHT_DIMS = ("provider", "route", "location", "authority")
PROVIDER_DIMS = [("provider",), INSIGHT_DIMS, ("provider", "lot"), ("authority",)]
FILTERS = [{}, {"lot": "fostering"}, {"lot": "residential", "route": "dps"},
           {"location": "out_of_area"}]
SLOW = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                  HealthCheck.too_slow])


def _live_equal(**kwargs):
    assert aggregate(**kwargs) == aggregate(**kwargs, live=True), kwargs


@given(seed=st.integers(0, 10**6), to=st.dates(D(2025, 1, 1), D(2028, 6, 30)),
       years=st.integers(1, 4), horizon=st.integers(-20, 30), filters=st.sampled_from(FILTERS),
       month_end=st.booleans())
@settings(max_examples=15, **SLOW)
def test_insight_years_from_the_spans_are_the_live_engine_to_the_penny(
        seed, to, years, horizon, filters, month_end):
    with transaction.atomic():
        _world(random.Random(seed))
        summary.rebuild_all(today=TODAY, horizon_months=horizon)
        if month_end:  # a year ending on a month's last day: 12 whole months
            to = summary._last(summary._idx(to))
        windows = [(y.start, y.end) for y in year_windows(to, years)]
        for voids in (False, True):
            _live_equal(windows=windows, dims=INSIGHT_DIMS, filters=filters, voids=voids)
        for authority in {row[0] for row in SpendSpan.objects.values_list("authority_id")}:
            _live_equal(windows=windows, dims=INSIGHT_DIMS, authority=authority,
                        filters=filters, voids=False)
        transaction.set_rollback(True)


@given(seed=st.integers(0, 10**6), start=st.dates(D(2024, 1, 1), D(2026, 12, 31)),
       months=st.integers(10, 60), dims=st.sampled_from(PROVIDER_DIMS),
       horizon=st.integers(-10, 30))
@settings(max_examples=15, **SLOW)
def test_long_ranges_by_provider_read_spans_and_give_the_live_pennies(seed, start, months,
                                                                      dims, horizon):
    with transaction.atomic():
        _world(random.Random(seed))
        summary.rebuild_all(today=TODAY, horizon_months=horizon)
        end = start + dt.timedelta(days=months * 30)
        _live_equal(date_from=start, date_to=end, dims=dims)
        provider = SpendSpan.objects.exclude(provider_id=0).values_list(
            "provider_id", flat=True).first()
        if provider:
            _live_equal(date_from=start, date_to=end, dims=("route",),
                        filters={"provider": provider})
        transaction.set_rollback(True)


@given(seed=st.integers(0, 10**6), changes=st.lists(
    st.tuples(st.integers(0, 50), st.sampled_from(["price", "end", "start", "delete"]),
              st.integers(-200, 200)), min_size=1, max_size=4))
@settings(max_examples=15, **SLOW)
def test_per_placement_rebuilds_keep_the_spans_a_full_rebuild_makes(seed, changes):
    """The services' path (pieces of one placement in and out of every sum) against the full
    rebuild's (spans summed from the monthly rows), after random changes to random
    placements."""
    with transaction.atomic():
        _world(random.Random(seed))
        summary.rebuild_all(today=TODAY)
        placements = list(Placement.objects.order_by("pk"))
        for pick, kind, days in changes:
            placement = placements[pick % len(placements)]
            period = FeePeriod.objects.filter(placement=placement).order_by(
                "effective_from").last()
            if kind == "price" and period:
                period.price = period.price + Decimal(days) / 7
                period.save()
            elif kind == "end":
                placement.end_date = max(placement.start_date,
                                         (placement.end_date or TODAY)
                                         + dt.timedelta(days=days))
                placement.save()
                if period:  # the last fee period runs to the new end
                    FeePeriod.objects.filter(pk=period.pk).update(effective_to=None)
            elif kind == "start":
                placement.start_date = min(placement.start_date
                                           + dt.timedelta(days=abs(days) // 4),
                                           placement.end_date or TODAY)
                placement.save()
            elif kind == "delete" and period and FeePeriod.objects.filter(
                    placement=placement).count() > 1:
                period.delete()
            summary.rebuild_for_placement(placement)
        kept = _snapshot()
        summary.rebuild_all(today=TODAY)
        assert _snapshot() == kept
        transaction.set_rollback(True)


def test_the_backfill_command_fills_the_spans_from_the_monthly_sums(db, capsys):
    from tests import factories as f
    from tests.reports.conftest import make_placement

    make_placement(authority=f.AuthorityFactory(), start=D(2026, 1, 1), end=D(2026, 3, 31))
    summary.rebuild_all(today=D(2026, 1, 15), horizon_months=0)
    kept = _snapshot()
    SpendSpan.objects.all().delete()
    call_command("rebuild_spend_summary", "--spans-only")
    # One month held (January 2026): the spans ending in it and the ten months after.
    assert "Rolling-year sums rebuilt: 11 rows" in capsys.readouterr().out
    assert _snapshot() == kept


def test_a_summary_built_before_the_spans_reads_months_until_they_are_filled(db):
    """After migrating to SpendSpan on a built summary (spans_built false, the table empty)
    the reports read the monthly sums: the live pennies, not empty spans."""
    from reports.models import SpendSummaryState
    from tests import factories as f
    from tests.reports.conftest import make_placement

    authority = f.AuthorityFactory()
    make_placement(authority=authority, provider=f.ProviderOrgFactory(), start=D(2025, 1, 10),
                   price="1000.00")
    summary.rebuild_all(today=TODAY)
    SpendSpan.objects.all().delete()
    SpendSummaryState.objects.update(spans_built=False)
    windows = [(y.start, y.end) for y in year_windows(D(2026, 5, 20), 2)]
    _live_equal(windows=windows, dims=INSIGHT_DIMS, voids=False)
    _live_equal(date_from=D(2025, 1, 1), date_to=D(2026, 5, 20), dims=("provider",))
    call_command("rebuild_spend_summary", "--spans-only")
    assert SpendSummaryState.objects.get().spans_built
    _live_equal(windows=windows, dims=INSIGHT_DIMS, voids=False)
