"""Date hints name a day relative to today, worked out when the form is shown (issue 16's
walk-through: "For example, 27 3 2026" for a deadline that must be in the future)."""

import datetime

from dps.forms import example_day
from referrals.forms import PublishForm


def test_the_example_is_worked_out_when_shown(time_machine):
    hint = example_day(10, " and 12:00. UK time.")
    time_machine.move_to(datetime.datetime(2026, 12, 3, 9, 0, tzinfo=datetime.UTC))
    assert str(hint) == "For example, 13 12 2026 and 12:00. UK time."
    time_machine.move_to(datetime.datetime(2027, 6, 30, 9, 0, tzinfo=datetime.UTC))
    assert str(hint) == "For example, 10 7 2027 and 12:00. UK time."


def test_the_deadline_hint_is_in_the_future(time_machine):
    time_machine.move_to(datetime.datetime(2031, 1, 20, 9, 0, tzinfo=datetime.UTC))
    hint = str(PublishForm.base_fields["deadline"].help_text)
    day, month, year = (int(part) for part in hint.split(",")[1].split(" and ")[0].split())
    assert datetime.date(year, month, day) > datetime.date(2031, 1, 20)
