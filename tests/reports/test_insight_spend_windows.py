"""The spend engine's windows (what the market insight uses for every year in one statement):
each window's figures must be, to the penny, those of a call for that window's range alone —
for every grouping, with and without filters and an authority, voids included — on the same
mixed data as the engine's own day-by-day tests."""

import datetime as dt
from collections import defaultdict

import pytest

from reports.insight import year_windows
from reports.spend import aggregate
from tests.reports.test_spend import mixed  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
D = dt.date

INSIGHT_DIMS = ("provider", "route", "location", "authority")
GROUPINGS = [(), ("lot",), ("provider",), ("authority",), ("month",), ("route",),
             ("location",), INSIGHT_DIMS, ("provider", "month"), ("source",)]
WINDOWS = {
    # The insight's rolling years: windows cut months (a March 2026 in two years), not just
    # calendar years; a 29 February inside.
    "three years to 15 Mar 2026": [(y.start, y.end) for y in year_windows(D(2026, 3, 15), 3)],
    "ten years to 31 Dec 2027": [(y.start, y.end) for y in year_windows(D(2027, 12, 31), 10)],
    "single days and a leap day": [(D(2024, 2, 29), D(2024, 2, 29)),
                                   (D(2025, 1, 31), D(2025, 2, 1))],
    "overlapping and out of order": [(D(2025, 6, 17), D(2026, 2, 3)),
                                     (D(2023, 1, 1), D(2027, 12, 31)),
                                     (D(2024, 3, 1), D(2024, 3, 31))],
    "before any data": [(D(2001, 1, 1), D(2001, 12, 31)), (D(2024, 7, 4), D(2024, 9, 30))],
}


def split(data):
    """{window index: {key without the index: values}} from a windowed answer."""
    out = defaultdict(dict)
    for (index, *key), values in data.items():
        out[index][tuple(key)] = values
    return out


def alone(window, **kwargs):
    return aggregate(date_from=window[0], date_to=window[1], **kwargs)


@pytest.mark.parametrize("windows", list(WINDOWS.values()), ids=list(WINDOWS))
def test_each_window_is_the_call_for_its_range_alone(mixed, windows):  # noqa: F811
    for dims in GROUPINGS:
        got = split(aggregate(windows=windows, dims=dims))
        for index, window in enumerate(windows):
            assert got.get(index, {}) == alone(window, dims=dims), (dims, window)
    assert any(split(aggregate(windows=windows, dims=())).values()) or \
        windows == WINDOWS["before any data"]


def test_windows_with_filters_and_an_authority(mixed):  # noqa: F811
    windows = WINDOWS["three years to 15 Mar 2026"]
    cases = [dict(filters={"lot": "residential"}),
             dict(filters={"route": "block"}),
             dict(filters={"route": "spot", "location": "out_of_area"}),
             dict(filters={"provider": mixed["providers"][0].pk}),
             dict(authority=mixed["authorities"][0]),
             dict(authority=mixed["authorities"][1], filters={"lot": "residential"})]
    for kwargs in cases:
        got = split(aggregate(windows=windows, dims=INSIGHT_DIMS, **kwargs))
        for index, window in enumerate(windows):
            assert got.get(index, {}) == alone(window, dims=INSIGHT_DIMS, **kwargs), kwargs


def test_voids_false_leaves_out_only_the_voids(mixed):  # noqa: F811
    windows = WINDOWS["three years to 15 Mar 2026"]
    with_voids = aggregate(windows=windows, dims=INSIGHT_DIMS)
    without = aggregate(windows=windows, dims=INSIGHT_DIMS, voids=False)
    assert any(values[1] for values in with_voids.values())  # the data has void bed-days
    assert {key: values[0] for key, values in with_voids.items() if values[0]} == \
        {key: values[0] for key, values in without.items() if values[0]}
    assert all(values[1:] == [0, 0] for values in without.values())
    # Without windows too.
    window = windows[-1]
    assert {k: v[0] for k, v in alone(window, dims=("route",)).items() if v[0]} == \
        {k: v[0] for k, v in alone(window, dims=("route",), voids=False).items()}


def test_bad_windows_are_refused(mixed):  # noqa: F811
    with pytest.raises(ValueError, match="No windows"):
        aggregate(windows=[])
    with pytest.raises(ValueError, match="ends before it starts"):
        aggregate(windows=[(D(2025, 2, 1), D(2025, 1, 31))])
    with pytest.raises(ValueError, match="outside the range"):
        aggregate(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31),
                  windows=[(D(2024, 12, 31), D(2025, 3, 1))])
    with pytest.raises(ValueError, match="range"):
        aggregate(date_from=D(2025, 1, 1))
    with pytest.raises(ValueError, match="Unknown grouping"):
        aggregate(windows=[(D(2025, 1, 1), D(2025, 2, 1))], dims=("colour",))
