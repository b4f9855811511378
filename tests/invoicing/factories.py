"""Invoices' worlds: a council, a provider and its user, a placement at £100 a day, a support
item at £10 a day and a block of two beds at £100 a bed a day; and invoices as submitted.

The clock: Monday 15 June 2026, noon in London (`frozen`). Import the fixtures you use
(`frozen_fixture`, `world_fixture`: named `frozen` and `world`).
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import pytest

from invoicing.submission import submit_invoice
from tests import factories as f
from tests.reports.conftest import make_block, make_placement, make_support

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 6, 15)
D = dt.date


@pytest.fixture(name="frozen")
def frozen_fixture(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 12, 0, tzinfo=LONDON), tick=False)
    return TODAY


@dataclass
class World:
    authority: object
    provider: object
    user: object
    placement: object
    support: object
    block: object
    finance: object


def make_world(authority=None, provider=None):
    authority = authority or f.AuthorityFactory()
    provider = provider or f.ProviderOrgFactory()
    placement = make_placement(authority=authority, provider=provider, start=D(2026, 4, 1),
                               price="700.00")
    support = make_support(placement, start=D(2026, 5, 1), end=D(2026, 8, 31),
                           weekly_cost="70.00")
    block = make_block(authority=authority, provider=provider, beds=2, price_per_bed="700.00",
                       start=D(2026, 4, 1), end=D(2027, 3, 31))
    return World(authority, provider, f.ProviderUserFactory(organisation=provider), placement,
                 support, block, f.FinanceFactory(organisation=authority))


@pytest.fixture(name="world")
def world_fixture(db, frozen):
    return make_world()


def line(target, date_from, date_to, amount, kind=None):
    """A request line for a placement (its fee), a support item or a block."""
    from contracts.models import BlockContract, SupportItem

    if isinstance(target, SupportItem):
        return {"kind": "support", "placement": target.placement_id, "support_item": target.pk,
                "from": str(date_from), "to": str(date_to), "amount": str(amount)}
    if isinstance(target, BlockContract):
        return {"kind": "block", "block": target.pk, "from": str(date_from),
                "to": str(date_to), "amount": str(amount)}
    return {"kind": kind or "placement", "placement": target.pk, "from": str(date_from),
            "to": str(date_to), "amount": str(amount)}


def as_service(lines):
    """Request lines → the service's dicts."""
    out = []
    for raw in lines:
        item = dict(raw)
        item["date_from"] = D.fromisoformat(item.pop("from"))
        item["date_to"] = D.fromisoformat(item.pop("to"))
        out.append(item)
    return out


def submitted(world, reference, lines, **kwargs):
    return submit_invoice(world.provider, reference=reference, lines=as_service(lines),
                          by=world.user, **kwargs)
