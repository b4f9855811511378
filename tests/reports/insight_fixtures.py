"""A small market whose every insight figure is known by hand (see `build_market` below).

Lot residential (weekly prices), report to 31 March 2026 over three years:
Y0 = 1 Apr 2023–31 Mar 2024, Y1 = 1 Apr 2024–31 Mar 2025, Y2 = 1 Apr 2025–31 Mar 2026.
"""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from contracts.models import BlockContract, FeePeriod, Placement
from providers.models import Membership
from tests import factories as f

D = dt.date
TO = D(2026, 3, 31)


def placement(*, authority, provider=None, lot="residential", route="dps", start, end=None,
              periods=None, price="700.00", hours_per_week=None, provider_name=None,
              end_reason=""):
    """A placement with fee periods `periods` = [(from, to or None, price), ...]."""
    lot_obj = f.lot(lot) if isinstance(lot, str) else lot
    made = Placement.objects.create(
        authority=authority, provider=provider,
        provider_name=provider_name or (provider.name if provider else "Unlisted Homes Ltd"),
        lot=lot_obj, route=route, start_date=start, end_date=end,
        status=Placement.Status.ENDED if end else Placement.Status.ACTIVE,
        end_reason=end_reason if end else "",
        price=Decimal(periods[-1][2] if periods else price), price_unit=lot_obj.price_unit,
        hours_per_week=Decimal(hours_per_week) if hours_per_week is not None else None,
        approval="approved")
    for p_from, p_to, p_price in periods or [(start, end, price)]:
        FeePeriod.objects.create(placement=made, price=Decimal(p_price), unit=lot_obj.price_unit,
                                 effective_from=p_from, effective_to=p_to)
    return made


def membership(provider, *, admitted, lot="residential", removed=None, status=None):
    at = timezone.make_aware(dt.datetime.combine(admitted, dt.time(12)))
    return Membership.objects.create(
        provider=provider, lot=f.lot(lot), price_cap=Decimal("5000.00"), admitted_at=at,
        status=status or (Membership.Status.REMOVED if removed else Membership.Status.ADMITTED),
        removed_at=timezone.make_aware(dt.datetime.combine(removed, dt.time(12)))
        if removed else None)


class Market:
    """Names for the hand-built market's objects (`build_market`)."""


def build_market():
    """Authority A (West Sussex) and B (Brighton); providers P1, P3 in West Sussex, P2 in Kent.

    Authority A, residential:
      a1: P1, 1 Jun 2023–31 May 2024 (planned move), £700 a week: 366 days long.
      a2: P2, from 1 Apr 2024, open; £1,400 a week, £1,470 from 1 Apr 2025.
      a3: spot, unlisted provider, 1–30 Apr 2025 (breakdown), £2,100 a week: 30 days.
      a5: P1, 1–10 May 2025 (returned home), £700 a week: 10 days.
      block: P3, one bed at £700 a week, 1–28 Apr 2025 (28 bed-days).
      (and a fostering placement with P1 from 1 Apr 2025 at £7,000: another lot, never counted)
    Authority B, residential:
      b1: P1, from 1 Apr 2025, open, £3,500 a week.
    Memberships (residential): P1 from 10 Jan 2023; P2 from 1 Jun 2024; P3 1 May 2023 to
    15 Jan 2024 (removed); P4 from 1 Jun 2025 (suspended, still a member); P1 on fostering.
    """
    m = Market()
    m.a = f.AuthorityFactory(name="West Sussex County Council", area="West Sussex")
    m.b = f.AuthorityFactory(name="Brighton and Hove City Council", area="Brighton and Hove")
    m.p1 = f.ProviderOrgFactory(name="Oak Homes Ltd", area="West Sussex")
    m.p2 = f.ProviderOrgFactory(name="Kentish Care Ltd", area="Kent")
    m.p3 = f.ProviderOrgFactory(name="Downs Care Ltd", area="West Sussex")
    m.p4 = f.ProviderOrgFactory(name="Late Joiner Ltd", area="Surrey")
    m.a1 = placement(authority=m.a, provider=m.p1, start=D(2023, 6, 1), end=D(2024, 5, 31),
                     price="700.00", end_reason="planned_move")
    m.a2 = placement(authority=m.a, provider=m.p2, start=D(2024, 4, 1),
                     periods=[(D(2024, 4, 1), D(2025, 3, 31), "1400.00"),
                              (D(2025, 4, 1), None, "1470.00")])
    m.a3 = placement(authority=m.a, route="spot", start=D(2025, 4, 1), end=D(2025, 4, 30),
                     price="2100.00", end_reason="placement_breakdown")
    m.a5 = placement(authority=m.a, provider=m.p1, start=D(2025, 5, 1), end=D(2025, 5, 10),
                     price="700.00", end_reason="returned_home")
    m.block = BlockContract.objects.create(
        authority=m.a, provider=m.p3, lot=f.lot("residential"), beds=1,
        price_per_bed=Decimal("700.00"), unit="week", start_date=D(2025, 4, 1),
        end_date=D(2025, 4, 28), approval="approved")
    m.fostering = placement(authority=m.a, provider=m.p1, lot="fostering", start=D(2025, 4, 1),
                            price="7000.00")
    m.b1 = placement(authority=m.b, provider=m.p1, start=D(2025, 4, 1), price="3500.00")
    membership(m.p1, admitted=D(2023, 1, 10))
    membership(m.p2, admitted=D(2024, 6, 1))
    membership(m.p3, admitted=D(2023, 5, 1), removed=D(2024, 1, 15))
    membership(m.p4, admitted=D(2025, 6, 1), status=Membership.Status.SUSPENDED)
    membership(m.p1, admitted=D(2023, 1, 10), lot="fostering")
    return m
