"""Exclusions (Procurement Act 2023 ss. 57–62; PCR 2015 reg. 57), checked everywhere a supplier
could take part: at admission (`decide_application`), at each invitation (an excluded member is
not invited, `calloffs.services.publish_referral`), at award (`approve_award`, the direct award),
and, in a dynamic market under the Act, by removal from the market (s.37, below).

A debarment list entry is active from `starts_on` through `ends_on` (open-ended when blank); it
names the organisation, or a Companies House number that any organisation may carry.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from dps.errors import InvalidTransition, RuleViolation
from providers.models import Debarment, Membership
from providers.regimes import PA2023_REGIMES


def active_entries(on):
    return Debarment.objects.filter(starts_on__lte=on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=on))


def debarred(provider, on):
    """An `Exists` over the active entries naming the outer row's `provider` (a foreign key to
    an organisation), by the organisation or by its Companies House number."""
    return Exists(active_entries(on).filter(
        Q(organisation_id=OuterRef(f"{provider}_id"))
        | (Q(companies_house_number__iexact=OuterRef(f"{provider}__companies_house_number"))
           & ~Q(companies_house_number=""))))


def excluded_live_memberships(on):
    """Live memberships of dynamic markets under the Act whose supplier is excluded today."""
    return Membership.objects.filter(
        status__in=Membership.LIVE, lot__dps__regime__in=PA2023_REGIMES,
    ).filter(debarred("provider", on))


def removal_reason(debarment):
    return (f"Removed from the dynamic market as an excluded supplier (Procurement Act 2023 "
            f"s.37): on the debarment list from {debarment.starts_on:%-d %B %Y}, "
            f"{debarment.get_ground_display().lower()}. {debarment.reason}").strip()


def remove_excluded_members(today=None, *, by=None):
    """s.37: an excluded supplier is removed from a dynamic market, with the entry's reason.
    The scheduler runs it hourly (an entry may start later than it was listed); the debarment
    service runs it at once. Removed memberships are not live, so a second run finds none."""
    from providers.services import active_debarment, remove_membership

    today = today or timezone.localdate()
    ids = list(excluded_live_memberships(today).values_list("pk", flat=True))
    removed = 0
    for pk in ids:
        membership = Membership.objects.select_related("provider").get(pk=pk)
        entry = active_debarment(membership.provider, today)
        if entry is None:
            continue
        try:
            remove_membership(membership, by=by, reason=removal_reason(entry))
        except RuleViolation:
            # The entry's own text named a child the supplier knows: the removal still
            # happens, with the reason the Act gives and without the entry's text.
            remove_membership(membership, by=by, reason=removal_reason(
                Debarment(starts_on=entry.starts_on, ground=entry.ground, reason="")))
        except InvalidTransition:
            continue  # removed meanwhile by hand or by another worker
        removed += 1
    return removed
