"""The demo's clock: the services read the time themselves (a review is not recorded in the
future, a KPI return is late once its due date passes, an invoice is received today), so the
history is written by moving the clock to each day and calling the services there."""

import datetime as dt
import zoneinfo
from contextlib import contextmanager

LONDON = zoneinfo.ZoneInfo("Europe/London")


@contextmanager
def on(day, hour=10):
    """The clock stands at `hour` o'clock, London time, on `day` for the block."""
    try:
        import time_machine
    except ImportError:  # pragma: no cover - make demo installs the dev extras
        raise RuntimeError("The demo's history needs time-machine (pip install -e .[dev]).") \
            from None
    with time_machine.travel(dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON),
                             tick=False):
        yield


def month_starts(first, last):
    """The first day of every month from `first`'s to `last`'s."""
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = (day + dt.timedelta(days=32)).replace(day=1)


def month_end(day):
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
