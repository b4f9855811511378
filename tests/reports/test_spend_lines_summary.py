"""The spend lines export (issue 19) reads its whole months from the summary's piece-months by
the `spendpiece_line` index (ADR 0030): the lines, and the XLSX written from them, are the live
engine's, row for row and byte for byte, for ranges cut mid-month and years long."""

import datetime as dt
import io
import random

import pytest
from django.core.management import call_command
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports import exports, summary
from reports.models import SpendPiece
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


def _line_index():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, SpendPiece._meta.db_table)
    return found.get("spendpiece_line")


def test_the_rebuild_command_builds_the_lines_index_again_and_the_lines_stay_the_same(db):
    """The command sets the index aside while it fills the table (PostgreSQL) and builds it
    at the end: it is there after, with its columns, and the lines read through it are the
    live engine's."""
    _world(random.Random(7))
    call_command("rebuild_spend_summary", "--horizon-months", "6", stdout=io.StringIO())
    index = _line_index()
    assert index is not None
    assert index["index"]
    assert index["columns"][:2] == ["source", "source_id"]
    start, end = D(2024, 7, 9), D(2026, 11, 20)
    _held, held_rows = _lines(start, end)
    with summary.live_only():
        _live, live_rows = _lines(start, end)
    assert held_rows == live_rows
    assert held_rows
