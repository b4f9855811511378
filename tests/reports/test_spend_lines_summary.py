"""The spend lines export (issue 19) reads its whole months from the summary's piece-months by
the `spendpiece_line` index (ADR 0030): the lines, and the XLSX written from them, are the live
engine's, row for row and byte for byte, for ranges cut mid-month and years long."""

import datetime as dt
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import exports, summary
from tests.reports.test_summary import _world
from tests.reports.test_xlsx_rows import parts

pytestmark = pytest.mark.django_db
D = dt.date


def _lines(date_from, date_to, **kwargs):
    table = exports.spend_lines(date_from=date_from, date_to=date_to, **kwargs)
    rows = list(table.rows)
    return table, rows


@given(seed=st.integers(0, 10**6), start=st.dates(D(2024, 3, 1), D(2027, 6, 30)),
       days=st.integers(0, 1500), filters=st.sampled_from([{}, {"route": "block"},
                                                           {"lot": "fostering"}]))
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_spend_lines_from_the_summary_are_the_live_engines(db, seed, start, days, filters):
    _world(random.Random(seed))
    summary.rebuild_all(today=D(2026, 6, 15))
    end = start + dt.timedelta(days=days)
    held, held_rows = _lines(start, end, filters=filters)
    with summary.live_only():
        live, live_rows = _lines(start, end, filters=filters)
    assert held_rows == live_rows
    assert held.totals == live.totals
    assert held.count == live.count == len(held_rows)
    held_file = exports.xlsx_bytes(exports.Table(held.title, held.columns, iter(held_rows),
                                                 totals=held.totals))
    live_file = exports.xlsx_bytes(exports.Table(live.title, live.columns, iter(live_rows),
                                                 totals=live.totals))
    assert parts(held_file) == parts(live_file)
