"""Placements per state, built as the services would leave them (without rendering a PDF).

Use `awarded()` in conftest for the real path through the award; these are for the rules.
"""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contracts import rules
from contracts.models import FeePeriod, Placement, PlacementReview
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
