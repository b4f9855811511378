"""The user-choice route: a direct award where the child's, family's or person's choice of
provider decides (Procurement Act 2023 s.41 and Sch. 5 para. 15, for light-touch contracts;
under the 2015 Regulations' light-touch regime, reg. 76). ADR 0017.

It sits beside competition: the referral's call-off is created with route `user_choice`,
straight to `awaiting_approval`, with no invitations. The chosen provider's offer is recorded as
the call-off's one expression of interest (recorded by the commissioner, at a price within the
provider's cap), so the budget holder approves it through `approve_award` like any award:
limits, key decision, one award, and the exclusion check at award.
"""

from django.db import transaction
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest
from dps import audit, formatting
from dps.errors import Conflict, InvalidTransition, RuleViolation, require_reason
from dps.transitions import move
from providers.models import Membership, PriceUnit
from providers.regimes import USER_CHOICE_REGIMES, rules_for
from providers.services import active_debarment
from referrals.audience import refuse_identifiers
from referrals.models import PanelDecision, Referral
from referrals.services import PROVIDER_FACING_TEXT

# What the recorded offer says in place of a bid: the provider did not write it.
OFFER_TEXT = "Direct award: the provider was chosen by {choice} (user choice)."


def _check_regime(dps):
    if dps.regime not in USER_CHOICE_REGIMES:
        raise Conflict(
            f"{dps.name} runs under the {rules_for(dps).label}: a user-choice direct award is "
            "only for light-touch contracts (Procurement Act 2023 Sch. 5 para. 15; PCR 2015 "
            "light-touch regime). Publish the referral to every member instead.",
            code="direct_award_not_allowed")


def _check_provider(provider, lot, price):
    membership = Membership.objects.filter(provider=provider, lot=lot,
                                           status=Membership.Status.ADMITTED).first()
    if membership is None:
        suspended = Membership.objects.filter(provider=provider, lot=lot,
                                              status=Membership.Status.SUSPENDED).exists()
        raise RuleViolation(
            f"{provider} holds no live membership of {lot.name}"
            + (" (it is suspended)" if suspended else "") + ": a direct award goes only to a "
            "member of the lot.", code="not_a_member",
            fields={"provider": ["Not an admitted member of the lot."]})
    if active_debarment(provider):
        raise RuleViolation(f"{provider} is on the debarment list: it cannot be awarded.",
                            code="provider_debarred",
                            fields={"provider": ["On the debarment list."]})
    if price <= 0:
        raise RuleViolation("The price must be more than £0.", code="invalid",
                            fields={"price": ["Must be more than 0."]})
    if price > membership.price_cap:
        raise RuleViolation(
            f"The price is above {provider}'s cap for this lot: "
            f"{formatting.money(membership.price_cap)} "
            f"{PriceUnit(lot.price_unit).label}.", code="price_above_cap",
            fields={"price": [f"At most {membership.price_cap}."]})


@transaction.atomic
def direct_award(referral, *, by, provider, price, choice_by, reason):
    """Award the referral directly to the provider the child, family or person chose."""
    referral = Referral.objects.select_for_update(of=("self",)).select_related(
        "authority", "child", "lot", "lot__dps").get(pk=referral.pk)
    _check_regime(referral.lot.dps)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition(f"This referral is already {referral.status}: a direct award "
                                "is made instead of publishing it.")
    if choice_by not in CallOff.ChoiceBy.values:
        raise RuleViolation("Say whose choice decided.", code="invalid",
                            fields={"choice_by": ["One of child, family, person."]})
    require_reason(reason, "Record why the choice decides the award.")
    if not provider.is_provider:
        raise RuleViolation("Choose a provider organisation.", code="not_a_member",
                            fields={"provider": ["Not a provider."]})
    _check_provider(provider, referral.lot, price)
    if referral.authority.requires_resource_panel and \
            referral.panel_decision != PanelDecision.APPROVED:
        raise RuleViolation(
            "Your authority requires a resource panel's approval before a placement is "
            "sought: record the panel's decision first.", code="panel_approval_required")
    # The awarded provider reads the referral with its placement, as a bidder would.
    refuse_identifiers(referral, {f: getattr(referral, f) for f in PROVIDER_FACING_TEXT},
                       "The referral's text identifies the child: remove it first.")

    now = timezone.now()
    write_published = move(referral, "publish", by=by, data={"route": "user_choice"})
    referral.published_at = now
    referral.published_by = by
    referral.save(update_fields=["status", "published_at", "published_by"])
    calloff = CallOff.objects.create(
        referral=referral, authority=referral.authority, lot=referral.lot,
        child_age=referral.age_at_start(), deadline=now, published_at=now, published_by=by,
        route=CallOff.Route.USER_CHOICE, choice_by=choice_by, invited_count=0,
        status=CallOff.Status.AWAITING_APPROVAL, closed_at=now,
        recommendation_reason=reason, recommended_at=now, recommended_by=by,
    )
    choice = CallOff.ChoiceBy(choice_by).label.lower()
    eoi = ExpressionOfInterest.objects.create(
        calloff=calloff, provider=provider, price=price, offered_price=price,
        proposed_start=referral.placement_start, how_needs_met=OFFER_TEXT.format(choice=choice),
    )
    calloff.recommended_eoi = eoi
    calloff.save(update_fields=["recommended_eoi"])
    write_published()
    audit.record(calloff, "calloff.direct_award", by=by, to_state=calloff.status,
                 reason=reason,
                 data={"route": "user_choice", "choice_by": choice_by, "provider": provider.pk,
                       "price": str(price), "eoi": eoi.pk,
                       "justification": "Procurement Act 2023 Sch. 5 para. 15"
                       if rules_for(referral.lot.dps).is_act else "PCR 2015 reg. 76"})
    audit.record(eoi, "eoi.recorded_for_direct_award", by=by, to_state=eoi.status,
                 data={"price": str(price)})
    return calloff
