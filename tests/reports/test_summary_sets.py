"""Several groupings at once (reports.summary_sets, ADR 0029): on PostgreSQL the edge months'
piece-months are rounded once and summed per grouping by GROUPING SETS; every grouping's
answer is the live engine's to the penny, after random histories, windows and horizons."""

import datetime as dt
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import summary
from reports.insight import year_windows
from reports.models import SpendPiece
from reports.spend import aggregate, aggregate_sets
from tests.reports.test_summary import TODAY, _world

pytestmark = pytest.mark.django_db
D = dt.date
SETS = [
    [("provider",), ("route", "location", "authority")],  # the market insight's
    [("lot",), ("month",), ("provider", "route")],
    [("authority",), ("source",)],
    [("provider",), ("provider", "lot")],  # a column in both: one grouping at a time
]
FILTERS = [{}, {"lot": "fostering"}, {"route": "spot"}, {"location": "in_area"}]


def _live(windows, dim_sets, **kwargs):
    return [aggregate(windows=windows, dims=dims, live=True, **kwargs) for dims in dim_sets]


@given(seed=st.integers(0, 10**6), to=st.dates(D(2025, 1, 1), D(2028, 6, 30)),
       years=st.integers(1, 4), extra=st.lists(st.tuples(
           st.dates(D(2024, 3, 1), D(2028, 12, 31)), st.integers(0, 400)), max_size=2),
       horizon=st.integers(-20, 30), dim_sets=st.sampled_from(SETS),
       filters=st.sampled_from(FILTERS), voids=st.booleans())
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_groupings_at_once_are_each_the_live_engine_to_the_penny(seed, to, years, extra,
                                                                 horizon, dim_sets, filters,
                                                                 voids):
    with transaction.atomic():
        _world(random.Random(seed))
        summary.rebuild_all(today=TODAY, horizon_months=horizon)
        windows = [(y.start, y.end) for y in year_windows(to, years)]
        windows += [(start, start + dt.timedelta(days=days)) for start, days in extra]
        assert aggregate_sets(windows=windows, dim_sets=dim_sets, filters=filters,
                              voids=voids) == _live(windows, dim_sets, filters=filters,
                                                    voids=voids)
        for authority in {a for (a,) in SpendPiece.objects.values_list("authority_id")}:
            assert aggregate_sets(windows=windows, dim_sets=dim_sets, authority=authority,
                                  filters=filters, voids=False) == _live(
                windows, dim_sets, authority=authority, filters=filters, voids=False)
        transaction.set_rollback(True)


def test_without_the_summary_each_grouping_is_computed_live(db):
    from tests import factories as f
    from tests.reports.conftest import make_placement

    make_placement(authority=f.AuthorityFactory(), provider=f.ProviderOrgFactory(),
                   start=D(2025, 1, 10), price="1000.00")
    windows = [(y.start, y.end) for y in year_windows(D(2026, 5, 20), 2)]
    got = aggregate_sets(windows=windows, dim_sets=SETS[0], voids=False)
    assert got == _live(windows, SETS[0], voids=False)
    assert sum(v[0] for v in got[0].values()) == sum(v[0] for v in got[1].values()) > 0
