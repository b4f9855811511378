"""Placements: created from an award (or recorded as spot), priced by fee periods."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from contracts.models import FeePeriod, Placement
from dps import audit


@transaction.atomic
def create_placement_from_award(calloff, eoi, *, by):
    """The approved award becomes a placement (route `dps`) with its first fee period."""
    referral = calloff.referral
    start = eoi.proposed_start or referral.placement_start
    placement = Placement.objects.create(
        authority_id=calloff.authority_id, provider=eoi.provider, provider_name=eoi.provider.name,
        lot=calloff.lot, route=Placement.Route.DPS, calloff=calloff, eoi=eoi,
        child=referral.child, start_date=start,
        planned_end_date=start + timedelta(weeks=referral.duration_weeks) - timedelta(days=1),
        price=eoi.price, price_unit=calloff.lot.price_unit,
        hours_per_week=referral.hours_per_week, created_by=by,
    )
    FeePeriod.objects.create(placement=placement, price=eoi.price, unit=placement.price_unit,
                             effective_from=start, reason=f"Award of call-off {calloff.pk}",
                             created_by=by)
    if start <= timezone.localdate():
        placement.activate()
        placement.save(update_fields=["status"])
    audit.record(placement, "placement.created", by=by, to_state=placement.status,
                 data={"calloff": calloff.pk, "eoi": eoi.pk, "price": str(eoi.price)})
    return placement
