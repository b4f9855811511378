"""Start a dynamic market from a DPS under the 2015 Regulations (ADR 0017): the new arrangement
under the Procurement Act 2023 copies the old one's lots, units and conditions, and every supplier
with a live membership is invited to apply (membership does not carry over: a supplier joins a
dynamic market by applying and meeting its conditions, Act s.36)."""

from django.db import transaction

from dps import audit, outbox
from dps.errors import InvalidTransition, RuleViolation
from providers import tasks
from providers.models import Dps, Membership
from providers.regimes import PA2023_REGIMES, rules_for
from providers.services import create_dps

LOT_FIELDS = ("code", "name", "description", "price_unit", "requires_regulator_reference")


@transaction.atomic
def start_dynamic_market(dps, *, by, code, name, regime, starts_on, ends_on):
    dps = Dps.objects.select_for_update().get(pk=dps.pk)
    if rules_for(dps).is_act:
        raise InvalidTransition(f"{dps.name} is already under the Procurement Act 2023.")
    if regime not in PA2023_REGIMES:
        raise RuleViolation("A dynamic market is set up under the Procurement Act 2023.",
                            code="invalid",
                            fields={"regime": ["pa2023_dynamic_market or pa2023_light_touch."]})
    market = create_dps(
        by=by, code=code, name=name, regime=regime, starts_on=starts_on, ends_on=ends_on,
        description=dps.description, extension_options=dps.extension_options,
        regulator=dps.regulator, required_declarations=dps.required_declarations,
        lead_authority=dps.lead_authority, fixed_price_months=dps.fixed_price_months,
        lots=[{field: getattr(lot, field) for field in LOT_FIELDS} for lot in dps.lots.all()])
    providers = sorted(set(Membership.objects.filter(
        lot__dps=dps, status__in=Membership.LIVE).values_list("provider_id", flat=True)))
    audit.record(market, "dps.started_from", by=by,
                 data={"from": dps.code, "regime": regime, "invited_to_apply": providers})
    audit.record(dps, "dps.successor_started", by=by, data={"market": market.code})
    if providers:
        outbox.enqueue(tasks.invite_members_to_apply, market.pk, dps.pk, providers)
    return market
