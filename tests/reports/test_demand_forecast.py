"""The demand forecast (reports.demand.forecast, ADR 0022) on constructed series.

The seasonal test: five years of monthly counts around a level of 30 with a known month-of-year
pattern (±9) and noise (normal, sd 1.5, rounded to whole placements, fixed seed). The forecast
must recover the pattern: every month's expected count within 2.5 placements of the true mean
(level + pattern), the busiest and quietest months found, and the true mean inside the 80 %
interval in at least 10 of the 12 months.
"""

import random

import pytest

from reports import demand

LEVEL = 30
PATTERN = [6, 9, 4, 0, -3, -6, -9, -5, 2, 5, 1, -4]  # January … December, sums to 0
TOLERANCE = 2.5


def seasonal_series(months=60, seed=7):
    rng = random.Random(seed)
    return [max(0, round(LEVEL + PATTERN[i % 12] + rng.gauss(0, 1.5))) for i in range(months)]


def check_bounds(rows):
    assert len(rows) == 12
    for expected, low, high in rows:
        assert 0 <= low <= expected <= high


def test_seasonal_pattern_is_recovered_within_the_stated_error():
    method, rows = demand.forecast(seasonal_series())  # ends in December: next is January
    assert method == demand.SEASONAL
    check_bounds(rows)
    truth = [LEVEL + p for p in PATTERN]
    errors = [abs(expected - true) for (expected, _l, _h), true in zip(rows, truth, strict=True)]
    assert max(errors) <= TOLERANCE, errors
    expected = [row[0] for row in rows]
    assert expected.index(max(expected)) == PATTERN.index(max(PATTERN))  # February
    assert expected.index(min(expected)) == PATTERN.index(min(PATTERN))  # July
    covered = sum(low <= true <= high for (_e, low, high), true in zip(rows, truth, strict=True))
    assert covered >= 10


def test_the_pattern_follows_the_calendar_when_the_history_ends_mid_year():
    method, rows = demand.forecast(seasonal_series(months=54))  # ends in June: next is July
    assert method == demand.SEASONAL
    truth = [LEVEL + PATTERN[(6 + i) % 12] for i in range(12)]
    assert max(abs(row[0] - true) for row, true in zip(rows, truth, strict=True)) <= TOLERANCE


def test_short_history_falls_back_to_a_level_without_seasons():
    # 18 months (< 24): one season and a half is too little to fit a pattern.
    values = seasonal_series(months=18)
    method, rows = demand.forecast(values)
    assert method == demand.LEVEL
    check_bounds(rows)
    assert len({row[0] for row in rows}) == 1  # flat: no pattern is extrapolated
    assert min(values) <= rows[0][0] <= max(values)


@pytest.mark.parametrize("values", [[], [4], [3, 5], [7] * 30])
def test_very_short_or_flat_history_uses_the_mean_with_a_poisson_range(values):
    method, rows = demand.forecast(values)
    assert method == demand.MEAN
    check_bounds(rows)
    mean = sum(values) / len(values) if values else 0
    assert rows[0][0] == round(mean, 1)
    if mean:
        assert rows[0][1] < mean < rows[0][2]
    else:
        assert rows[0] == (0.0, 0.0, 0.0)


def test_numbers_are_never_negative_on_a_sparse_series():
    values = [0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 1] * 3
    method, rows = demand.forecast(values)
    assert method == demand.SEASONAL
    check_bounds(rows)


def test_the_forecast_is_cached_by_its_history():
    values = seasonal_series(months=30)
    first = demand.cached_forecast(values)
    assert demand.cached_forecast(values) == first
    assert demand.cached_forecast(values[:-1]) != first


def test_an_unreachable_cache_only_costs_the_fit(settings):
    # Nothing listens on port 9: every cache call fails to connect, quickly.
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    values = seasonal_series(months=30)
    assert demand.cached_forecast(values) == demand.forecast(values)
