"""Factories per state for referrals, call-offs and EoIs."""

import datetime
import json
from decimal import Decimal

import factory
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest, Invitation
from referrals.models import Child, Referral
from tests import factories as f

CHILD = {"first_name": "Jayden", "last_name": "Oakes", "date_of_birth": datetime.date(2012, 3, 14),
         "case_reference": "WSCC-48213", "postcode": "RH12 4QT"}


class ChildFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Child

    authority = factory.SubFactory(f.AuthorityFactory)
    first_name = CHILD["first_name"]
    last_name = CHILD["last_name"]
    date_of_birth = CHILD["date_of_birth"]
    case_reference = factory.Sequence(lambda n: f"WSCC-{48213 + n}")
    postcode = CHILD["postcode"]


class ReferralFactory(factory.django.DjangoModelFactory):
    """A draft referral for residential care, starting in a month, for a year."""

    class Meta:
        model = Referral

    authority = factory.SubFactory(f.AuthorityFactory)
    child = factory.SubFactory(ChildFactory, authority=factory.SelfAttribute("..authority"))
    lot = factory.LazyFunction(lambda: f.lot("residential"))
    summary = "A 13-year-old who needs a small, calm home with waking night staff."
    placement_start = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=30))
    duration_weeks = 52
    location_area = "West Sussex"
    outcomes = factory.LazyFunction(lambda: ["safety", "health"])


DraftReferralFactory = ReferralFactory


class OpenCallOffFactory(factory.django.DjangoModelFactory):
    """Published and open, closing in five days; invite providers with `invite(calloff, ...)`."""

    class Meta:
        model = CallOff

    referral = factory.SubFactory(ReferralFactory, status=Referral.Status.PUBLISHED)
    authority = factory.SelfAttribute("referral.authority")
    lot = factory.SelfAttribute("referral.lot")
    child_age = 13
    status = CallOff.Status.OPEN
    deadline = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=5))
    published_at = factory.LazyFunction(timezone.now)


class ClosedCallOffFactory(OpenCallOffFactory):
    deadline = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))
    status = CallOff.Status.CLOSED
    closed_at = factory.LazyFunction(timezone.now)


class CancelledCallOffFactory(OpenCallOffFactory):
    status = CallOff.Status.CANCELLED


class NoAwardCallOffFactory(ClosedCallOffFactory):
    status = CallOff.Status.NO_AWARD


class AwaitingApprovalCallOffFactory(ClosedCallOffFactory):
    """The state only; `awaiting_approval()` builds one with a recommended, scored offer."""

    status = CallOff.Status.AWAITING_APPROVAL


class AwardedCallOffFactory(ClosedCallOffFactory):
    status = CallOff.Status.AWARDED
    approved_at = factory.LazyFunction(timezone.now)


# Every state, by factory: parametrise a transition's tests over the ones it refuses.
EVERY_STATE = {
    "open": OpenCallOffFactory, "closed": ClosedCallOffFactory,
    "awaiting_approval": AwaitingApprovalCallOffFactory, "awarded": AwardedCallOffFactory,
    "cancelled": CancelledCallOffFactory, "no_award": NoAwardCallOffFactory,
}


def states_except(*allowed):
    return [factory for state, factory in EVERY_STATE.items() if state not in allowed]


def invite(calloff, membership):
    return Invitation.objects.create(calloff=calloff, provider=membership.provider,
                                     membership=membership, invited_at=timezone.now())


def admitted_and_invited(calloff, price_cap="5500.00"):
    membership = f.AdmittedMembershipFactory(lot=calloff.lot, price_cap=Decimal(price_cap))
    invite(calloff, membership)
    return membership


class EoiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpressionOfInterest

    calloff = factory.SubFactory(OpenCallOffFactory)
    provider = factory.SubFactory(f.ProviderOrgFactory)
    price = Decimal("5000.00")
    offered_price = factory.SelfAttribute("price")
    proposed_start = factory.LazyFunction(
        lambda: timezone.localdate() + datetime.timedelta(days=30))
    how_needs_met = "Two-bed home with a therapeutic model and education on site."
    outcomes_approach = "Weekly key-work sessions against the outcomes plan."
    status = ExpressionOfInterest.Status.SUBMITTED


def awaiting_approval(authority=None, price="5000.00", price_cap="5500.00", **calloff_kwargs):
    """A closed call-off with one scored EoI recommended: ready for a budget holder.

    `calloff_kwargs` go to ClosedCallOffFactory, e.g. `referral__lot=f.lot("tuition")`.
    """
    if authority:
        calloff_kwargs["referral__authority"] = authority
    calloff = ClosedCallOffFactory(**calloff_kwargs)
    membership = admitted_and_invited(calloff, price_cap=price_cap)
    eoi = EoiFactory(calloff=calloff, provider=membership.provider, price=Decimal(price),
                     quality_score=70)
    CallOff.objects.filter(pk=calloff.pk).update(
        status=CallOff.Status.AWAITING_APPROVAL, recommended_eoi=eoi,
        recommendation_reason="Best value")
    calloff.refresh_from_db()
    return calloff, eoi


# The child's identity in the forms a leak would take: names, the date of birth in ISO and UK
# forms, the case reference and the postcode (with and without its space).
def child_identifiers_in(payload, child=None):
    """The identifiers of `child` (a Child, or CHILD) found in `payload` (JSON-able or text)."""
    child = child or Child(**CHILD)
    text = payload if isinstance(payload, str) else json.dumps(payload, default=str)
    text = text.lower()
    dob = child.date_of_birth
    forms = [child.first_name, child.last_name, dob.isoformat(), f"{dob:%d/%m/%Y}",
             child.case_reference, child.postcode, child.postcode.replace(" ", "")]
    return [value for value in forms if value and value.lower() in text]
