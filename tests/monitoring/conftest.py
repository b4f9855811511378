import datetime
import zoneinfo

import pytest
import time_machine

LONDON = zoneinfo.ZoneInfo("Europe/London")
# A fixed "today" so month arithmetic is exact: 10 March 2026 + 6 months = 10 September 2026.
TODAY = datetime.date(2026, 3, 10)
NOON = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)


@pytest.fixture
def today():
    with time_machine.travel(NOON, tick=False):
        yield TODAY


@pytest.fixture
def admin(api, dps_admin):
    return api(dps_admin)


@pytest.fixture
def staff(api, commissioner):
    return api(commissioner)
