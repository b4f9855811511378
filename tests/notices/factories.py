"""Arrangements under each regime with something that calls for a notice."""

import datetime
from decimal import Decimal

from django.utils import timezone

from contracts.models import FeeChange
from notices import services
from notices.models import Notice
from tests import factories as f
from tests.calloffs import factories as cf
from tests.contracts import factories as kf

REGIMES = ("pcr2015_dps", "light_touch", "pa2023_dynamic_market", "pa2023_light_touch")
ACT = ("pa2023_dynamic_market", "pa2023_light_touch")


def market(regime, authority=None, **kwargs):
    kwargs.setdefault("starts_on", timezone.localdate() - datetime.timedelta(days=60))
    kwargs.setdefault("ends_on", timezone.localdate() + datetime.timedelta(days=900))
    return f.DpsFactory(regime=regime, lead_authority=authority or f.LeadAuthorityFactory(),
                        **kwargs)


def placement(regime, factory=kf.PlacementFactory, **kwargs):
    dps = market(regime)
    return factory(lot=dps.lots.get(code="residential_care"), **kwargs)


def awarded(regime, **kwargs):
    dps = market(regime)
    lot = dps.lots.get(code="residential_care")
    referral = cf.ReferralFactory(lot=lot)
    return cf.AwardedCallOffFactory(referral=referral, **kwargs)


def approved_change(placement_, new_price="5600.00"):
    return FeeChange.objects.create(
        placement=placement_, status=FeeChange.Status.APPROVED, new_price=Decimal(new_price),
        previous_price=placement_.price, effective_from=timezone.localdate(),
        reason="Annual uplift", decided_at=timezone.now())


def raised(**lookup):
    services.raise_missing()
    return Notice.objects.filter(**lookup)
