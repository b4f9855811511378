"""The budget holder's approval rule, once for every purchase: awards, spot placements, blocks.

A purchase is worth its price over its term (`commitment_value`). A budget holder approves up to
and including their `approval_limit`; above £500,000 it is a key decision and needs the
published decision's reference (API.md: 403 `approval_limit_exceeded`, 400
`key_decision_required`). Units are the lots' price units, spelt here as strings because the
kernel imports no app.
"""

from datetime import timedelta
from decimal import Decimal

from dps import formatting
from dps.errors import Forbidden, RuleViolation
from dps.money import pennies

KEY_DECISION_THRESHOLD = Decimal("500000.00")
OPEN_ENDED_WEEKS = 52  # an open-ended purchase is valued over a year
# Awaiting approval this many working days or more, a purchase is shown in red.
APPROVAL_DUE_WORKING_DAYS = 5


def commitment_value(*, price, unit, weeks=None, days=None, hours_per_week=None, quantity=1):
    """Price over the term: `weeks` weeks (or `days` days) of `quantity` (beds) at `price` per
    `unit` — week: price × weeks; hour: price × hours a week × weeks; year: price × weeks / 52.
    One division, rounded half up to the penny once."""
    span_days = Decimal(weeks) * 7 if weeks is not None else Decimal(days)
    amount = Decimal(price) * Decimal(quantity) * span_days
    if unit == "week":
        return pennies(amount / 7)
    if unit == "hour":
        return pennies(amount * Decimal(hours_per_week or 0) / 7)
    return pennies(amount / (7 * 52))


def term_days(start, planned_end):
    """Days of start..planned_end inclusive; a year of weeks when there is no planned end."""
    end = planned_end or start + timedelta(weeks=OPEN_ENDED_WEEKS) - timedelta(days=1)
    return (end - start).days + 1


def approval_limit_of(user):
    return Decimal(str(getattr(user, "approval_limit", None) or 0))


def within_approval_limit(user, value):
    """A budget holder may approve a purchase worth up to and including their limit."""
    return value <= approval_limit_of(user)


def is_key_decision(value):
    return value > KEY_DECISION_THRESHOLD


def check_approval(user, value, key_decision_reference="", *, noun="award"):
    """Refuse what `user` may not approve; return the key decision reference, stripped."""
    limit = approval_limit_of(user)
    if not within_approval_limit(user, value):
        raise Forbidden(f"The {noun} is worth {formatting.money(value)}, above your approval "
                        "limit of "
                        f"{formatting.money(limit)}.", code="approval_limit_exceeded")
    reference = (key_decision_reference or "").strip()
    if is_key_decision(value) and not reference:
        article = "An" if noun[0] in "aeiou" else "A"
        raise RuleViolation(
            f"{article} {noun} above {formatting.whole_money(KEY_DECISION_THRESHOLD)} is a key "
            "decision: give its "
            f"reference.", code="key_decision_required",
            fields={"key_decision_reference": ["Required above £500,000."]})
    return reference


def may_approve_at_once(user, value, key_decision_reference=""):
    """Whether a budget holder recording a purchase approves it in the same act."""
    from dps.models import Role

    return (user is not None and user.has_role(Role.BUDGET_HOLDER)
            and within_approval_limit(user, value)
            and (not is_key_decision(value) or bool((key_decision_reference or "").strip())))
