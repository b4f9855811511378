"""Referrals: record what a child needs, and publish it as a call-off."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from dps import audit
from dps.errors import Forbidden, InvalidTransition, RuleViolation
from dps.transitions import move
from providers.models import PriceUnit
from referrals.audience import identifiers_found, provider_fields, refuse_identifiers
from referrals.models import Alternative, Child, Need, OutcomeDomain, PanelDecision, Referral

# The referral's text that providers will read (declared in referrals/audience.py): checked
# for the child's identifiers at publication.
PROVIDER_FACING_TEXT = tuple(provider_fields("referrals.Referral"))


def _check_shape(*, lot, needs, outcomes, hours_per_week, alternatives, budget_kind,
                 budget_amount, date_of_birth, placement_start):
    problems = {}
    if date_of_birth > placement_start:
        # The age providers see is taken at the start: it cannot be negative.
        problems["child.date_of_birth"] = ["Must be on or before the placement start."]
    if lot.price_unit == PriceUnit.HOUR and not hours_per_week:
        problems["hours_per_week"] = ["Give the hours per week for an hourly lot."]
    unknown = sorted(set(outcomes) - set(OutcomeDomain.values))
    if unknown:
        problems["outcomes"] = [f"Unknown outcome domains: {', '.join(unknown)}."]
    unknown = sorted(set(alternatives) - set(Alternative.values))
    if unknown:
        problems["alternatives_considered"] = [f"Unknown alternatives: {', '.join(unknown)}."]
    if bool(budget_kind) != (budget_amount is not None):
        problems["budget_amount"] = ["Give both the kind of budget and its amount, or neither."]
    found = {n.code: n for n in Need.objects.filter(code__in=needs, is_active=True)}
    missing = sorted(set(needs) - set(found))
    if missing:
        problems["needs"] = [f"Unknown needs: {', '.join(missing)}."]
    if problems:
        raise RuleViolation("Some fields are not valid: see fields.", code="invalid",
                            fields=problems)
    return list(found.values())


def _child(authority, data):
    child, created = Child.objects.get_or_create(
        authority=authority, case_reference=data["case_reference"].strip(),
        defaults={"first_name": data["first_name"].strip(), "last_name": data["last_name"].strip(),
                  "date_of_birth": data["date_of_birth"],
                  "postcode": data.get("postcode", "").strip().upper()},
    )
    if not created:
        # The same child referred again. A case reference that already belongs to a child with
        # another name or date of birth is far more likely a typo than a renamed child: refuse
        # rather than silently rewrite someone else's identity. Postcodes change with moves.
        same = (child.first_name.casefold() == data["first_name"].strip().casefold()
                and child.last_name.casefold() == data["last_name"].strip().casefold()
                and child.date_of_birth == data["date_of_birth"])
        if not same:
            raise RuleViolation(
                "This case reference belongs to a child with a different name or date of "
                "birth. Check the case reference.", code="invalid",
                fields={"child.case_reference": [
                    "Belongs to another child: check it, or correct the child's record."]})
        postcode = data.get("postcode", "").strip().upper()
        if postcode and postcode != child.postcode:
            child.postcode = postcode
            child.save(update_fields=["postcode", "updated_at"])
    return child


@transaction.atomic
def create_referral(*, by, child, lot, summary, placement_start, duration_weeks,
                    location_area, needs=(), outcomes=(), hours_per_week=None,
                    urgency="routine", budget_kind="", budget_amount=None,
                    alternatives_considered=(), alternatives_notes="", panel_date=None,
                    panel_decision="", panel_notes=""):
    authority = by.organisation
    if authority is None or not authority.is_authority:
        raise Forbidden("Only an authority's commissioners record referrals.")
    need_rows = _check_shape(lot=lot, needs=needs, outcomes=outcomes,
                             hours_per_week=hours_per_week, alternatives=alternatives_considered,
                             budget_kind=budget_kind, budget_amount=budget_amount,
                             date_of_birth=child["date_of_birth"],
                             placement_start=placement_start)
    referral = Referral.objects.create(
        authority=authority, child=_child(authority, child), lot=lot, summary=summary,
        placement_start=placement_start, duration_weeks=duration_weeks,
        hours_per_week=hours_per_week if lot.price_unit == PriceUnit.HOUR else None,
        location_area=location_area, urgency=urgency, budget_kind=budget_kind,
        budget_amount=budget_amount, outcomes=list(dict.fromkeys(outcomes)),
        alternatives_considered=list(dict.fromkeys(alternatives_considered)),
        alternatives_notes=alternatives_notes, panel_date=panel_date,
        panel_decision=panel_decision, panel_notes=panel_notes, created_by=by,
    )
    referral.needs.set(need_rows)
    audit.record(referral, "referral.created", by=by, to_state=referral.status)
    return referral


@transaction.atomic
def update_referral(referral, *, by, child, lot, summary, placement_start, duration_weeks,
                    location_area, needs=(), outcomes=(), hours_per_week=None,
                    urgency="routine", budget_kind="", budget_amount=None,
                    alternatives_considered=(), alternatives_notes="", panel_date=None,
                    panel_decision="", panel_notes=""):
    """Rewrite a draft referral (same fields and checks as create_referral): how a commissioner
    takes the child's identifiers out of the text before publishing."""
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition("Only a draft referral can be changed.")
    need_rows = _check_shape(lot=lot, needs=needs, outcomes=outcomes,
                             hours_per_week=hours_per_week, alternatives=alternatives_considered,
                             budget_kind=budget_kind, budget_amount=budget_amount,
                             date_of_birth=child["date_of_birth"],
                             placement_start=placement_start)
    values = {
        "child": _child(referral.authority, child), "lot": lot, "summary": summary,
        "placement_start": placement_start, "duration_weeks": duration_weeks,
        "hours_per_week": hours_per_week if lot.price_unit == PriceUnit.HOUR else None,
        "location_area": location_area, "urgency": urgency, "budget_kind": budget_kind,
        "budget_amount": budget_amount, "outcomes": list(dict.fromkeys(outcomes)),
        "alternatives_considered": list(dict.fromkeys(alternatives_considered)),
        "alternatives_notes": alternatives_notes, "panel_date": panel_date,
        "panel_decision": panel_decision, "panel_notes": panel_notes,
    }
    changed = sorted(name for name, value in values.items()
                     if getattr(referral, name) != value)
    for name, value in values.items():
        setattr(referral, name, value)
    referral.save(update_fields=list(values))
    if sorted(n.pk for n in referral.needs.all()) != sorted(n.pk for n in need_rows):
        referral.needs.set(need_rows)
        changed.append("needs")
    audit.record(referral, "referral.updated", by=by, data={"fields": changed})
    return referral


# What the API's PATCH may change (API.md v1.1); the rest of a draft is the page's to change.
CHANGEABLE = ("summary", "needs", "outcomes", "location_area", "placement_start",
              "duration_weeks", "hours_per_week", "budget_kind", "budget_amount", "child")
CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "case_reference", "postcode")


def _as_written(referral):
    """The draft's current values as update_referral's keyword arguments."""
    values = {name: getattr(referral, name) for name in (
        "lot", "summary", "placement_start", "duration_weeks", "hours_per_week",
        "location_area", "urgency", "budget_kind", "budget_amount", "outcomes",
        "alternatives_considered", "alternatives_notes", "panel_date", "panel_decision",
        "panel_notes")}
    values["needs"] = [need.code for need in referral.needs.all()]
    values["child"] = {name: getattr(referral.child, name) for name in CHILD_FIELDS}
    return values


@transaction.atomic
def change_referral(referral, *, by, **changes):
    """Change some fields of a draft (`changes` ⊆ CHANGEABLE; `child` may name some of the
    child's fields): the rest as written, then the page's update_referral with its checks."""
    unknown = sorted(set(changes) - set(CHANGEABLE))
    if unknown:
        raise RuleViolation("Some fields cannot be changed: see fields.", code="invalid",
                            fields={name: ["Cannot be changed."] for name in unknown})
    referral = Referral.objects.select_for_update().select_related("child").get(pk=referral.pk)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition("Only a draft referral can be changed.")
    values = _as_written(referral)
    values["child"].update(changes.pop("child", None) or {})
    values.update(changes)
    return update_referral(referral, by=by, **values)


@transaction.atomic
def record_panel_decision(referral, *, by, panel_date, panel_decision, panel_notes=""):
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition("The panel decision is recorded before publication.")
    referral.panel_date = panel_date
    referral.panel_decision = panel_decision
    referral.panel_notes = panel_notes
    referral.save(update_fields=["panel_date", "panel_decision", "panel_notes"])
    audit.record(referral, "referral.panel_decision", by=by, reason=panel_notes,
                 data={"decision": panel_decision, "date": str(panel_date)})
    return referral


def identifiers_in(referral):
    """{"summary": ["Contains the child's first name.", ...], ...} for each provider-facing
    field that names the child."""
    return identifiers_found(referral, {f: getattr(referral, f) for f in PROVIDER_FACING_TEXT})


def check_publishable(referral, *, deadline, short_deadline_reason, now=None):
    """Every rule publication must pass, before anything is written."""
    now = now or timezone.now()
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition(f"This referral is already {referral.status}.")
    if referral.child.date_of_birth > referral.placement_start:
        # The child's record may have changed since the referral was written.
        raise RuleViolation("The placement starts before the child's date of birth.",
                            code="invalid",
                            fields={"placement_start": ["Must be on or after the child's date "
                                                        "of birth."]})
    if referral.authority.requires_resource_panel and \
            referral.panel_decision != PanelDecision.APPROVED:
        raise RuleViolation(
            "Your authority requires a resource panel's approval before publication: record "
            "the panel's decision first.", code="panel_approval_required")
    refuse_identifiers(referral, {f: getattr(referral, f) for f in PROVIDER_FACING_TEXT},
                       "The referral's text identifies the child: remove it before publishing.")
    if deadline <= now:
        raise RuleViolation("The deadline must be in the future.", code="invalid",
                            fields={"deadline": ["Must be in the future."]})
    minimum = referral.lot.dps.min_response_days
    if deadline - now < timedelta(days=minimum) and not short_deadline_reason.strip():
        raise RuleViolation(
            f"Under {referral.lot.dps.get_regime_display()} providers get at least {minimum} "
            "days to respond, unless a shorter period is agreed: record the reason.",
            code="deadline_too_short", fields={"short_deadline_reason": ["Required."]})


@transaction.atomic
def withdraw_referral(referral, *, by, reason=""):
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if referral.status != Referral.Status.DRAFT:
        raise InvalidTransition("Only a draft referral can be withdrawn; cancel its call-off.")
    write = move(referral, "withdraw", by=by, reason=reason)
    referral.save(update_fields=["status"])
    write()
    return referral
