"""One authority's call-offs in every state that reaches open data (each kind of OCDS release:
tender, its cancellation, award, contract and termination), shared by the OCDS tests."""

import datetime

from django.utils import timezone

from calloffs import services as calloff_services
from calloffs.models import CallOff, ExpressionOfInterest
from contracts.models import Placement
from referrals.models import Need
from reports import ocds
from tests import factories as f
from tests.calloffs import factories as cf


class World:
    pass


def bid(calloff, **kwargs):
    membership = cf.admitted_and_invited(calloff)
    return cf.EoiFactory(calloff=calloff, provider=membership.provider, **kwargs)


def build_world():
    w = World()
    w.authority = f.LeadAuthorityFactory(name="West Sussex County Council", area="West Sussex",
                                         postcode="PO19 1RQ")
    by_authority = {"referral__authority": w.authority}
    w.open = cf.OpenCallOffFactory(**by_authority)
    w.open.referral.needs.add(Need.objects.get(code="semh"))
    bid(w.open)
    w.closed = cf.ClosedCallOffFactory(**by_authority)
    w.closed_bid = bid(w.closed, quality_score=70)
    bid(w.closed, status=ExpressionOfInterest.Status.WITHDRAWN)
    w.no_award = cf.NoAwardCallOffFactory(**by_authority)
    bid(w.no_award)
    w.cancelled = cf.CancelledCallOffFactory(**by_authority)
    w.awaiting, _ = cf.awaiting_approval(authority=w.authority)
    # Awarded the real way: the budget holder approves, the placement is made.
    w.awarded, w.awarded_eoi = cf.awaiting_approval(authority=w.authority)
    bid(w.awarded, price=5200, quality_score=50)
    w.approver = f.BudgetHolderFactory(organisation=w.authority)
    w.placement = calloff_services.approve_award(w.awarded, by=w.approver)
    w.awarded.refresh_from_db()
    # An hourly award whose placement has since ended.
    w.tuition, _ = cf.awaiting_approval(authority=w.authority, price="45.00",
                                        price_cap="60.00",
                                        referral__lot=f.lot("tuition"),
                                        referral__hours_per_week=10)
    w.ended = calloff_services.approve_award(w.tuition, by=w.approver)
    Placement.objects.filter(pk=w.ended.pk).update(
        status=Placement.Status.ENDED, end_date=w.ended.start_date + datetime.timedelta(days=20),
        end_reason="planned_move", ended_at=timezone.now())
    w.all = [w.open, w.closed, w.no_award, w.cancelled, w.awaiting, w.awarded, w.tuition]
    return w


def export(calloffs):
    return ocds.package(ocds.for_export(CallOff.objects.filter(pk__in=[c.pk for c in calloffs])))


def release_of(package, calloff):
    (found,) = [r for r in package["releases"] if r["ocid"] == ocds.ocid(calloff.pk)]
    return found
