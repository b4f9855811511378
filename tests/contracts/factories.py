"""Placements per state, built as the services would leave them (without rendering a PDF).

Use `awarded()` in conftest for the real path through the award; these are for the rules.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contracts import rules
from contracts.models import Approval, BlockContract, FeePeriod, Placement, PlacementReview
from contracts.services import block_value, placement_value
from tests import factories as f
from tests.calloffs import factories as cf


def _today():
    return timezone.localdate()


class PlacementFactory(factory.django.DjangoModelFactory):
    """An active DPS placement in residential care at £5,000 a week, started 30 days ago.

    The provider is admitted to the lot with a cap of £5,500 (pass `cap=None` for none); the
    first fee period and the first review are made as at creation.
    """

    class Meta:
        model = Placement
        skip_postgeneration_save = True

    authority = factory.SubFactory(f.AuthorityFactory)
    provider = factory.SubFactory(f.ProviderOrgFactory)
    provider_name = factory.LazyAttribute(lambda p: p.provider.name if p.provider else
                                          "Harbour Lights Care Ltd")
    lot = factory.LazyFunction(lambda: f.lot("residential"))
    route = Placement.Route.DPS
    child = factory.SubFactory(cf.ChildFactory, authority=factory.SelfAttribute("..authority"))
    status = Placement.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=30))
    planned_end_date = factory.LazyAttribute(
        lambda p: p.start_date + datetime.timedelta(weeks=52) - datetime.timedelta(days=1))
    price = Decimal("5000.00")
    price_unit = factory.LazyAttribute(lambda p: p.lot.price_unit)
    hours_per_week = None
    # As an approved award leaves it; spot placements awaiting approval pass `approval`.
    approval = Approval.APPROVED
    value = factory.LazyAttribute(lambda p: placement_value(
        price=p.price, unit=p.price_unit, start_date=p.start_date,
        planned_end_date=p.planned_end_date, hours_per_week=p.hours_per_week))

    @factory.post_generation
    def cap(obj, create, extracted, **kwargs):
        if not create or obj.provider is None:
            return
        cap = "5500.00" if extracted is None else extracted
        if cap:
            f.AdmittedMembershipFactory(provider=obj.provider, lot=obj.lot,
                                        price_cap=Decimal(cap))

    @factory.post_generation
    def history(obj, create, extracted, **kwargs):
        if not create:
            return
        FeePeriod.objects.create(placement=obj, price=obj.price, unit=obj.price_unit,
                                 effective_from=obj.start_date, effective_to=obj.end_date,
                                 reason="Agreed price")
        PlacementReview.objects.create(placement=obj, sequence=1,
                                       due_date=rules.review_due_date(obj.start_date, 1))


ActivePlacementFactory = PlacementFactory


class PendingPlacementFactory(PlacementFactory):
    status = Placement.Status.PENDING_START
    start_date = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=14))


class EndedPlacementFactory(PlacementFactory):
    status = Placement.Status.ENDED
    start_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=90))
    end_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1))
    end_reason = "planned_move"
    ended_at = factory.LazyFunction(timezone.now)


class SpotPlacementFactory(PlacementFactory):
    route = Placement.Route.SPOT
    provider = None
    exception_reason = "No DPS provider could meet the need in time."


EVERY_STATE = {"pending_start": PendingPlacementFactory, "active": PlacementFactory,
               "ended": EndedPlacementFactory}


class BlockContractFactory(factory.django.DjangoModelFactory):
    """Two residential beds at £4,500 a week from an admitted member (cap £5,500), for the
    financial year 2026/27."""

    class Meta:
        model = BlockContract
        skip_postgeneration_save = True

    authority = factory.SubFactory(f.AuthorityFactory)
    provider = factory.SubFactory(f.ProviderOrgFactory)
    lot = factory.LazyFunction(lambda: f.lot("residential"))
    reference = factory.Sequence(lambda n: f"BLK-{n:03d}")
    beds = 2
    price_per_bed = Decimal("4500.00")
    unit = factory.LazyAttribute(lambda b: b.lot.price_unit)
    start_date = datetime.date(2026, 4, 1)
    end_date = datetime.date(2027, 3, 31)
    price_cap = Decimal("5500.00")
    hours_per_week = None
    approval = Approval.APPROVED
    value = factory.LazyAttribute(lambda b: block_value(
        price_per_bed=b.price_per_bed, unit=b.unit, beds=b.beds, start_date=b.start_date,
        end_date=b.end_date, hours_per_week=b.hours_per_week))

    @factory.post_generation
    def membership(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            f.AdmittedMembershipFactory(provider=obj.provider, lot=obj.lot,
                                        price_cap=obj.price_cap)


def block_placement(block, start, end=None, **kwargs):
    """A placement occupying a bed of `block` from `start` to `end` (planned)."""
    return PlacementFactory(authority=block.authority, provider=block.provider, lot=block.lot,
                            route=Placement.Route.BLOCK, block=block, start_date=start,
                            planned_end_date=end, price=block.price_per_bed, cap=False,
                            **kwargs)
