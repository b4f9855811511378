import datetime
import zoneinfo

import pytest

from calloffs import services as calloff_services
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as pf
from tests.pdf import pdf_text  # noqa: F401 - the contracts tests import it from here

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = datetime.date(2026, 6, 1)


def day(text):
    return datetime.date.fromisoformat(text)


@pytest.fixture
def frozen(time_machine):
    """Monday 1 June 2026, noon in London, standing still."""
    time_machine.move_to(datetime.datetime(2026, 6, 1, 12, 0, tzinfo=LONDON), tick=False)
    return TODAY


@pytest.fixture
def placement(db):
    return pf.PlacementFactory()


def commissioner_of(placement, **kwargs):
    return f.CommissionerFactory(organisation=placement.authority, **kwargs)


def provider_of(placement, **kwargs):
    return f.ProviderUserFactory(organisation=placement.provider, **kwargs)


@pytest.fixture
def awarded(db, django_capture_on_commit_callbacks):
    """A placement made the real way: a budget holder approves the award, and agreement v1 is
    built after the approval commits (contracts.agreements)."""
    calloff, _ = cf.awaiting_approval(authority=f.LeadAuthorityFactory())
    approver = f.BudgetHolderFactory(organisation=calloff.authority)
    with django_capture_on_commit_callbacks(execute=True):
        placement = calloff_services.approve_award(calloff, by=approver)
    return placement
