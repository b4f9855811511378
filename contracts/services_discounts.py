"""Volume discounts: a provider's lower price on a lot from a number of live placements."""

from decimal import Decimal

from django.db import IntegrityError, transaction

from contracts.models import (
    Placement,
    VolumeDiscountTier,
)
from dps import audit
from dps.errors import Conflict, Forbidden, NotFound, RuleViolation
from dps.models import Role
from dps.money import pennies
from providers.models import Membership

# --- Volume discounts -----------------------------------------------------------------------

def volume_discount_for(provider, lot):
    """(live placements counting the new one, the tier that applies or None).

    Live means pending start or active, on any route, for any authority: the tiers are the
    provider's offer to the whole DPS. The provider's membership row of the lot is locked so
    two awards to the same provider at once count each other.
    """
    list(Membership.objects.select_for_update().filter(
        provider=provider, lot=lot, status__in=Membership.LIVE).values_list("pk", flat=True))
    live = Placement.objects.filter(
        provider=provider, lot=lot,
        status__in=[Placement.Status.PENDING_START, Placement.Status.ACTIVE]).count() + 1
    tier = (VolumeDiscountTier.objects.filter(provider=provider, lot=lot,
                                              min_concurrent__lte=live)
            .order_by("-min_concurrent").first())
    return live, tier


def discounted_price(price, tier):
    """(price payable, price before discount or None, percent or None), half up to pennies."""
    if tier is None:
        return price, None, None
    payable = pennies(price * (Decimal(100) - tier.percent) / Decimal(100))
    return payable, price, tier.percent


def _require_dps_admin(by):
    if by is None or not by.has_role(Role.DPS_ADMIN):
        raise Forbidden("Only a DPS administrator sets volume discounts.")


@transaction.atomic
def set_volume_discount(*, by, provider, lot, min_concurrent, percent):
    """Set the provider's discount on the lot from `min_concurrent` live placements (a tier at
    that threshold already set is changed). New DPS placements pick it up; earlier ones keep
    their price."""
    _require_dps_admin(by)
    problems = {}
    if provider is None or not provider.is_provider:
        problems["provider"] = ["Not a provider organisation."]
    if min_concurrent is None or min_concurrent < 2:
        problems["min_concurrent"] = ["At least 2: a discount is for more than one placement."]
    if percent is None or not Decimal(0) < percent < Decimal(100):
        problems["percent"] = ["More than 0 and less than 100."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    tier = (VolumeDiscountTier.objects.select_for_update()
            .filter(provider=provider, lot=lot, min_concurrent=min_concurrent).first())
    before = str(tier.percent) if tier else None
    if tier is None:
        try:
            with transaction.atomic():
                tier = VolumeDiscountTier.objects.create(
                    provider=provider, lot=lot, min_concurrent=min_concurrent, percent=percent,
                    created_by=by)
        except IntegrityError as exc:  # another administrator set the same threshold
            raise Conflict("A tier at that threshold was set at the same moment; "
                           "reload and try again.") from exc
        tier.created = True
    else:
        tier.percent = percent
        tier.save(update_fields=["percent"])
        tier.created = False
    audit.record(tier, "volumediscount.set", by=by,
                 data={"provider": provider.pk, "lot": lot.code,
                       "min_concurrent": min_concurrent, "percent": str(percent),
                       "previous_percent": before})
    return tier


@transaction.atomic
def remove_volume_discount(tier, *, by):
    _require_dps_admin(by)
    tier = VolumeDiscountTier.objects.select_for_update().filter(pk=tier.pk).first()
    if tier is None:
        raise NotFound()
    audit.record(tier, "volumediscount.removed", by=by,
                 data={"provider": tier.provider_id, "lot": tier.lot_id,
                       "min_concurrent": tier.min_concurrent, "percent": str(tier.percent)})
    tier.delete()


# --- Block contracts ------------------------------------------------------------------------
