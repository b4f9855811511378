"""Which notice each event needs under each regime, and by when (ADR 0020 cites each rule).

Rules as data: one `NoticeRule` per kind with its Find a Tender code, the regimes it applies
to, its deadline and its sources. The scan (`notices/scan.py`) asks these functions; nothing
else decides whether a notice is owed or when it is due.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from dps.workdays import add_working_days
from notices.models import Kind
from providers.regimes import ACT_IN_FORCE, PA2023_REGIMES

DYNAMIC_MARKET = "pa2023_dynamic_market"
LIGHT_TOUCH = "pa2023_light_touch"
ACT = frozenset(PA2023_REGIMES)
# "As soon as reasonably practicable" (s.39) sets no number of days: the system shows the
# notice as overdue after this many, a practice rather than the law's number.
REASONABLY_PRACTICABLE_DAYS = 7
CONTRACT_DETAILS_DAYS = 30  # s.53(1)
CONTRACT_DETAILS_LIGHT_TOUCH_DAYS = 120  # s.53(?): light-touch contracts
TERMINATION_DAYS = 30  # s.80
PAYMENTS_COMPLIANCE_DAYS = 30  # s.69, reg. 38: within 30 days of the period's end
PERFORMANCE_VALUE = Decimal("5000000.00")  # s.52: contracts over £5 million
PERFORMANCE_DAYS = 30  # reg. 39 (from memory): within 30 days of each assessment
REMIND_DAYS_BEFORE = 7


@dataclass(frozen=True)
class NoticeRule:
    kind: str
    code: str  # the Find a Tender notice code
    regimes: frozenset
    deadline: str
    source: str


RULES = {rule.kind: rule for rule in (
    NoticeRule(Kind.DYNAMIC_MARKET_INTENTION, "UK13", ACT,
               "Before the market is established: by the day before it starts.",
               "s.39(2); reg. 25"),
    NoticeRule(Kind.DYNAMIC_MARKET_ESTABLISHMENT, "UK14", ACT,
               "As soon as reasonably practicable after the market is established.",
               "s.39(3); reg. 26"),
    NoticeRule(Kind.DYNAMIC_MARKET_MODIFICATION, "UK15", ACT,
               "As soon as reasonably practicable after the market is modified.",
               "s.39(4); reg. 26"),
    NoticeRule(Kind.DYNAMIC_MARKET_CESSATION, "UK16", ACT,
               "As soon as reasonably practicable after the market ceases to operate.",
               "s.39(5); reg. 26"),
    # A user-choice award needs none (s.50(6)(b)): see contract_award_needed.
    NoticeRule(Kind.CONTRACT_AWARD, "UK6", ACT,
               "Before the contract is entered into; under a dynamic market for public "
               "contracts the standstill of 8 working days runs from its publication.",
               "ss.50–51; reg. 27"),
    NoticeRule(Kind.CONTRACT_DETAILS, "UK7", ACT,
               "Within 30 days of the contract being entered into; 120 days for a "
               "light-touch contract.", "s.53; reg. 28"),
    # Light-touch contracts need no contract change notice (s.75).
    NoticeRule(Kind.CONTRACT_CHANGE, "UK10", frozenset({DYNAMIC_MARKET}),
               "Before the modification takes effect.", "s.75; reg. 40"),
    NoticeRule(Kind.CONTRACT_TERMINATION, "UK11", ACT,
               "Within 30 days of the contract ending.", "s.80; reg. 41"),
    NoticeRule(Kind.PAYMENTS_COMPLIANCE, "UK8", ACT,
               "Within 30 days of the end of each six-month period (1 April to 30 September, "
               "1 October to 31 March).", "s.69; reg. 38"),
    NoticeRule(Kind.CONTRACT_PERFORMANCE, "UK9", ACT,
               "For a contract over £5 million with key performance indicators: within 30 "
               "days of each yearly assessment.", "ss.52, 71; reg. 39"),
)}


def rule(kind):
    return RULES[str(kind)]


def applies(kind, regime):
    return str(regime) in rule(kind).regimes


def code(kind):
    return rule(kind).code


# --- Deadlines -------------------------------------------------------------------------------

def intention_due(starts_on):
    return starts_on - datetime.timedelta(days=1)


def reasonably_practicable(event_on):
    return event_on + datetime.timedelta(days=REASONABLY_PRACTICABLE_DAYS)


def contract_award_needed(regime, route):
    """s.50(6)(b): a contract awarded directly for user choice (Sch. 5 para. 15) needs no
    contract award notice; every other award under the Act does."""
    return applies(Kind.CONTRACT_AWARD, regime) and route != "user_choice"


def contract_award_due(awarded_on):
    """Published before the contract is entered into: the award's day at the latest."""
    return awarded_on


def standstill_ends(regime, published_on):
    """The last day of the standstill that runs from the notice's publication, or None where
    none applies (ss.50–51: light-touch contracts have none). The period begins with the day of
    publication, so its 8th working day is 7 working days after it."""
    from providers.regimes import rules_for

    days = rules_for(regime).standstill_working_days
    if days is None or published_on is None:
        return None
    return add_working_days(published_on, days - 1)


def contract_details_due(regime, entered_on):
    days = (CONTRACT_DETAILS_LIGHT_TOUCH_DAYS if str(regime) == LIGHT_TOUCH
            else CONTRACT_DETAILS_DAYS)
    # "Within the period of 30 days beginning with the day" the contract is entered into.
    return entered_on + datetime.timedelta(days=days - 1)


CHANGE_NOTICE_ABOVE = Decimal("0.10")  # s.75(2)(a)(i): services, more than 10 per cent


def contract_change_needed(regime, previous_price, new_price):
    """s.75: a notice before modifying a public contract, unless it is a light-touch contract
    (s.75(6)(b)) or the change moves the estimated value by 10 per cent or less (s.75(2)(a)).
    The price's change is taken as the value's: an upper bound, since the new price runs
    only from its day (s.75(4)–(5), changes to be taken together, is not modelled)."""
    if not applies(Kind.CONTRACT_CHANGE, regime) or not previous_price:
        return applies(Kind.CONTRACT_CHANGE, regime) and not previous_price
    return abs(new_price - previous_price) / previous_price > CHANGE_NOTICE_ABOVE


def contract_change_due(effective_from):
    return effective_from


def termination_due(ended_on):
    return ended_on + datetime.timedelta(days=TERMINATION_DAYS)


def payment_periods(until):
    """The six-month periods (first day, last day) ended by `until`, from the first under the
    Act (1 April 2025)."""
    periods = []
    start = datetime.date(ACT_IN_FORCE.year, 4, 1)
    while True:
        if start.month == 4:
            end = datetime.date(start.year, 9, 30)
            following = datetime.date(start.year, 10, 1)
        else:
            end = datetime.date(start.year + 1, 3, 31)
            following = datetime.date(start.year + 1, 4, 1)
        if end >= until:
            return periods
        periods.append((start, end))
        start = following


def payments_compliance_due(period_end):
    return period_end + datetime.timedelta(days=PAYMENTS_COMPLIANCE_DAYS)


def performance_needed(value, has_kpis):
    return value is not None and value > PERFORMANCE_VALUE and has_kpis


def performance_assessments(start_date, until, end_date=None):
    """(year number, assessment day) for each yearly assessment due by `until` and the next
    one ahead (so it shows as due), stopping at the contract's end (assessed then too)."""
    found, year = [], 1
    while True:
        day = _anniversary(start_date, year)
        if end_date and day > end_date:
            found.append((year, end_date))
            return found
        found.append((year, day))
        if day > until:
            return found
        year += 1


def _anniversary(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def performance_due(assessed_on):
    return assessed_on + datetime.timedelta(days=PERFORMANCE_DAYS)


def remind_on(due_by):
    return due_by - datetime.timedelta(days=REMIND_DAYS_BEFORE)
