"""Working days in England and Wales: weekends and bank holidays do not count."""

from datetime import date

import pytest

from dps.workdays import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize("day", [
    date(2026, 12, 25),  # Christmas Day, a Friday
    date(2026, 12, 28),  # Boxing Day falls on a Saturday: substitute Monday
    date(2027, 1, 1),    # New Year's Day
    date(2027, 3, 26),   # Good Friday
    date(2027, 3, 29),   # Easter Monday
    date(2026, 12, 26),  # a Saturday
    date(2026, 12, 27),  # a Sunday
])
def test_bank_holidays_and_weekends_are_not_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 12, 24), date(2026, 12, 29), date(2027, 3, 25),
                                 date(2027, 3, 30)])
def test_days_around_the_holidays_are_working_days(day):
    assert is_working_day(day)


def test_ten_working_days_from_thursday_17_december_2026_skip_christmas_and_new_year():
    # 18, 21, 22, 23, 24, 29, 30, 31 Dec, 4 and 5 Jan: 25 and 28 Dec and 1 Jan do not count.
    assert add_working_days(date(2026, 12, 17), 10) == date(2027, 1, 5)


def test_ten_working_days_across_easter_2027():
    # 19, 22–25 Mar, 30, 31 Mar, 1, 2, 5 Apr: Good Friday and Easter Monday do not count.
    assert add_working_days(date(2027, 3, 18), 10) == date(2027, 4, 5)


def test_the_working_day_after_maundy_thursday_is_the_tuesday():
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_the_start_day_itself_does_not_count():
    assert add_working_days(date(2026, 6, 1), 1) == date(2026, 6, 2)
    assert add_working_days(date(2026, 6, 1), 0) == date(2026, 6, 1)


def test_a_friday_plus_one_working_day_is_the_monday():
    assert add_working_days(date(2026, 6, 5), 1) == date(2026, 6, 8)


def test_counting_from_a_weekend_starts_on_monday():
    assert add_working_days(date(2026, 6, 6), 1) == date(2026, 6, 8)


def test_working_days_between_counts_back_what_add_working_days_added():
    start = date(2026, 12, 17)
    assert working_days_between(start, add_working_days(start, 10)) == 10
    assert working_days_between(date(2027, 1, 5), start) == -10
    assert working_days_between(start, start) == 0


def test_a_holiday_due_date_leaves_the_same_count_as_the_working_day_before():
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
