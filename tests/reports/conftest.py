"""Builders for spend data: placements with explicit fee periods, support items and blocks."""

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

from contracts.models import BlockContract, FeePeriod, Placement, SupportItem
from tests import factories as f

D = dt.date


def make_placement(*, authority, provider=None, lot="residential", route="dps", start,
                   end=None, periods=None, price="700.00", hours_per_week=None,
                   provider_name=None, block=None, approval="approved"):
    """A placement with fee periods `periods` = [(from, to or None, price), ...].

    Without `periods`, one period at `price` over the whole placement.
    """
    lot_obj = f.lot(lot) if isinstance(lot, str) else lot
    placement = Placement.objects.create(
        authority=authority, provider=provider,
        provider_name=provider_name or (provider.name if provider else "Unlisted Homes Ltd"),
        lot=lot_obj, route=route, start_date=start, end_date=end,
        status=Placement.Status.ENDED if end else Placement.Status.ACTIVE,
        price=Decimal(price), price_unit=lot_obj.price_unit,
        hours_per_week=Decimal(hours_per_week) if hours_per_week is not None else None,
        block=block, approval=approval)
    for p_from, p_to, p_price in periods or [(start, end, price)]:
        FeePeriod.objects.create(placement=placement, price=Decimal(p_price),
                                 unit=lot_obj.price_unit, effective_from=p_from,
                                 effective_to=p_to)
    return placement


def make_support(placement, *, start, end, weekly_cost):
    return SupportItem.objects.create(placement=placement, description="1:1 support",
                                      weekly_cost=Decimal(weekly_cost), start_date=start,
                                      review_date=start, end_date=end)


def make_block(*, authority, provider, lot="residential", beds=2, price_per_bed="700.00",
               start, end, hours_per_week=None, approval="approved"):
    lot_obj = f.lot(lot) if isinstance(lot, str) else lot
    return BlockContract.objects.create(
        authority=authority, provider=provider, lot=lot_obj, beds=beds,
        price_per_bed=Decimal(price_per_bed), unit=lot_obj.price_unit,
        hours_per_week=Decimal(hours_per_week) if hours_per_week is not None else None,
        start_date=start, end_date=end, approval=approval)


# --- A slow, obvious model of the rules, day by day, to check the engine against -------------

def _daily(price, unit, hours):
    price = Decimal(price)
    if unit == "hour":
        return price * Decimal(hours or 0) / 7
    if unit == "year":
        return price / 365
    return price / 7


def _clip(start, end, lo, hi):
    return max(start, lo), min(end or hi, hi)


def reference_pieces(date_from, date_to):
    """[(placement-ish dims, month 'YYYY-MM', pennies Decimal)] computed in Python, day by day."""
    out = []

    def add(dims, start, end, per_day):
        day = start
        while day <= end:
            last = D(day.year, day.month, calendar.monthrange(day.year, day.month)[1])
            piece_end = min(last, end)
            days = (piece_end - day).days + 1
            amount = (per_day * days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            out.append((dims, f"{day.year}-{day.month:02d}", amount))
            day = piece_end + dt.timedelta(days=1)

    def dims_of(authority, provider, provider_name, lot, route):
        inside = bool(provider and provider.area and
                      provider.area.strip().lower() == authority.area.strip().lower())
        return {"authority": authority.pk, "provider": provider.pk if provider else None,
                "provider_name": provider_name, "lot": lot.code, "route": route,
                "location": "in_area" if inside else "out_of_area"}

    for p in Placement.objects.select_related("authority", "provider", "lot"):
        dims = dims_of(p.authority, p.provider, p.provider_name, p.lot, p.route)
        p_s, p_e = _clip(p.start_date, p.end_date, date_from, date_to)
        if p.route != "block":
            for fp in p.fee_periods.all():
                s, e = _clip(fp.effective_from, fp.effective_to, p_s, p_e)
                if s <= e:
                    add(dims, s, e, _daily(fp.price, fp.unit, p.hours_per_week))
        for si in p.support_items.all():
            s, e = _clip(si.start_date, si.end_date, p_s, p_e)
            if s <= e:
                add(dims, s, e, _daily(si.weekly_cost, "week", None))
    for b in BlockContract.objects.select_related("authority", "provider", "lot"):
        dims = dims_of(b.authority, b.provider, b.provider.name, b.lot, "block")
        s, e = _clip(b.start_date, b.end_date, date_from, date_to)
        if s <= e:
            add(dims, s, e, _daily(b.price_per_bed, b.unit, b.hours_per_week) * b.beds)
    return out


@pytest.fixture
def area_authority(db):
    return f.AuthorityFactory(name="West Sussex County Council", area="West Sussex")


@pytest.fixture
def finance_user(db):
    return f.FinanceFactory(organisation=f.AuthorityFactory(area="West Sussex"))


@pytest.fixture
def spend_data(finance_user):
    """Mine and another authority's spend in January 2026, with a block, a spot and support."""
    mine = finance_user.organisation
    other = f.AuthorityFactory(area="Kent")
    near = f.ProviderOrgFactory(area="West Sussex")
    far = f.ProviderOrgFactory(area="Kent")
    first = make_placement(authority=mine, provider=near, start=D(2025, 12, 1), price="700.00")
    make_support(first, start=D(2026, 1, 1), end=D(2026, 1, 10), weekly_cost="70.00")
    make_placement(authority=mine, provider=far, lot="tuition", start=D(2026, 1, 5),
                   price="25.50", hours_per_week="12.50")
    make_placement(authority=mine, provider=None, route="spot", start=D(2026, 1, 20),
                   price="3000.00", provider_name="Harbour Lights Care Ltd")
    make_block(authority=mine, provider=far, beds=2, price_per_bed="2100.00",
               start=D(2026, 1, 1), end=D(2026, 6, 30))
    make_placement(authority=other, provider=near, start=D(2025, 1, 1), price="9999.99")
    return {"mine": mine, "other": other, "near": near, "far": far}
