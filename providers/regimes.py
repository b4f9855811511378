"""The four legal regimes an arrangement runs under, as data (ADR 0017).

Each regime's rules come from the law, not from the council's documents: they are not settings a
council edits (those stay on the `Dps`, ADR 0003), but they decide which settings apply and what
the services refuse. Every rule names its source; ADR 0017 says which citations were checked.
"""

import datetime
from dataclasses import dataclass, field

# The Procurement Act 2023 came into force on 24 February 2025: a procurement started from that
# day is under the Act. A DPS set up under the 2015 Regulations may run until 23 February 2029.
ACT_IN_FORCE = datetime.date(2025, 2, 24)
PCR_DPS_TRANSITION_END = datetime.date(2029, 2, 23)
# A PCR 2015 DPS's dashboard warns this many days ahead of its transition end.
TRANSITION_WARNING_DAYS = 365


@dataclass(frozen=True)
class RegimeRules:
    code: str
    label: str
    law: str  # "pcr2015" or "pa2023"
    # Starting values for the arrangement's rule settings (copied onto the Dps, ADR 0003).
    defaults: dict
    decision_period: str
    min_response: str
    # Working days a standstill lasts after the contract award notice; None: no standstill.
    standstill_working_days: int | None
    standstill: str
    user_choice_direct_award: bool
    user_choice: str
    conditions_fixed: bool
    conditions: str
    removes_excluded_members: bool
    exclusion: str
    # The last day an arrangement under this regime may run; None: no fixed end.
    transition_end: datetime.date | None = None
    # New arrangements may start on or after this day under this regime; None: any day.
    new_arrangements_until: datetime.date | None = None
    member_cap: None = None  # no regime caps the number of members
    notes: tuple = field(default_factory=tuple)

    @property
    def is_act(self):
        return self.law == "pa2023"

    @property
    def standstill_applies(self):
        return self.standstill_working_days is not None


_COMMON = {"max_suspension_months": 6}

REGIMES = {
    "pcr2015_dps": RegimeRules(
        code="pcr2015_dps", label="PCR 2015 dynamic purchasing system (reg. 34)", law="pcr2015",
        defaults={**_COMMON, "evaluation_working_days": 10, "evaluation_max_working_days": 15,
                  "min_response_days": 10, "max_extension_months": 0},
        decision_period="Requests to participate are evaluated within 10 working days, "
                        "extendable to 15 in justified cases (PCR 2015 reg. 34).",
        min_response="At least 10 days for tenders in each call-off (PCR 2015 reg. 34).",
        standstill_working_days=None,
        standstill="A contract based on a DPS needs no standstill period under the 2015 "
                   "Regulations (reg. 87; from memory, see ADR 0017).",
        user_choice_direct_award=False,
        user_choice="No user-choice direct award: every admitted member is invited.",
        conditions_fixed=False,
        conditions="Selection criteria as the contract notice set them.",
        removes_excluded_members=False,
        exclusion="A debarred supplier is not admitted, invited or awarded (reg. 57).",
        transition_end=PCR_DPS_TRANSITION_END, new_arrangements_until=ACT_IN_FORCE,
    ),
    "light_touch": RegimeRules(
        code="light_touch", label="PCR 2015 light-touch regime (regs. 74–76)", law="pcr2015",
        defaults={**_COMMON, "evaluation_working_days": 10, "evaluation_max_working_days": 15,
                  "min_response_days": 0, "max_extension_months": 36},
        decision_period="As the contract notice sets it (reg. 76: the authority designs the "
                        "procedure); 10 working days, extendable to 15, by default.",
        min_response="No minimum: a reasonable time for the placement's urgency (reg. 76).",
        standstill_working_days=None,
        standstill="No standstill before a light-touch call-off is entered into.",
        user_choice_direct_award=True,
        user_choice="A placement may be awarded directly where the child's or family's choice "
                    "of provider decides (reg. 76(8): the specific needs of the users).",
        conditions_fixed=False,
        conditions="Conditions as the contract notice set them.",
        removes_excluded_members=False,
        exclusion="A debarred supplier is not admitted, invited or awarded (reg. 57).",
        new_arrangements_until=ACT_IN_FORCE,
    ),
    "pa2023_dynamic_market": RegimeRules(
        code="pa2023_dynamic_market", label="Procurement Act 2023 dynamic market (ss. 34–40)",
        law="pa2023",
        defaults={**_COMMON, "evaluation_working_days": 10, "evaluation_max_working_days": 15,
                  "min_response_days": 10, "max_extension_months": 0},
        decision_period="Applications are decided within a reasonable period, which the "
                        "market sets (s. 36).",
        min_response="At least 10 days for tenders in a competition by reference to the "
                     "market (s. 54).",
        standstill_working_days=8,
        standstill="A contract may not be entered into before the mandatory standstill: 8 "
                   "working days from the contract award notice (ss. 50–51).",
        user_choice_direct_award=False,
        user_choice="No user-choice direct award: that justification is for light-touch "
                    "contracts (Sch. 5 para. 15).",
        conditions_fixed=True,
        conditions="Conditions of membership cannot change once the market is established "
                   "(s. 36); the number of members is not limited (s. 36).",
        removes_excluded_members=True,
        exclusion="An excluded supplier is removed from the market (s. 37), and is never "
                  "invited or awarded (ss. 57–58).",
    ),
    "pa2023_light_touch": RegimeRules(
        code="pa2023_light_touch",
        label="Procurement Act 2023 dynamic market for light-touch contracts (s. 9, ss. 34–40)",
        law="pa2023",
        defaults={**_COMMON, "evaluation_working_days": 10, "evaluation_max_working_days": 15,
                  "min_response_days": 0, "max_extension_months": 36},
        decision_period="Applications are decided within a reasonable period, which the "
                        "market sets (s. 36).",
        min_response="No minimum tendering period for a light-touch contract (s. 54); a "
                      "reasonable time for the placement's urgency.",
        standstill_working_days=None,
        standstill="No mandatory standstill for a light-touch contract (s. 51).",
        user_choice_direct_award=True,
        user_choice="A light-touch contract may be awarded directly where the person's, "
                    "child's or family's choice of provider decides (s. 41, Sch. 5 para. 15).",
        conditions_fixed=True,
        conditions="Conditions of membership cannot change once the market is established "
                   "(s. 36); the number of members is not limited (s. 36).",
        removes_excluded_members=True,
        exclusion="An excluded supplier is removed from the market (s. 37), and is never "
                  "invited or awarded (ss. 57–58).",
    ),
}

PA2023_REGIMES = tuple(code for code, rules in REGIMES.items() if rules.is_act)
USER_CHOICE_REGIMES = tuple(code for code, r in REGIMES.items() if r.user_choice_direct_award)


def rules_for(dps_or_regime):
    regime = getattr(dps_or_regime, "regime", dps_or_regime)
    return REGIMES[str(regime)]


def warnings_for(dps, today):
    """What this arrangement's regime means for it today: sentences for its administrator."""
    rules = rules_for(dps)
    found = []
    if rules.new_arrangements_until and dps.starts_on >= rules.new_arrangements_until:
        found.append(
            f"{dps.name} is recorded as starting on {dps.starts_on:%-d %B %Y} under the "
            f"{rules.label}. Since {ACT_IN_FORCE:%-d %B %Y} a new arrangement is procured "
            "under the Procurement Act 2023: check its regime with your legal adviser, or "
            "start a dynamic market.")
    if rules.transition_end:
        if dps.ends_on > rules.transition_end:
            found.append(
                f"{dps.name} ends on {dps.ends_on:%-d %B %Y}, but a DPS under the 2015 "
                f"Regulations may run no later than {rules.transition_end:%-d %B %Y}.")
        days_left = (rules.transition_end - today).days
        if 0 <= days_left <= TRANSITION_WARNING_DAYS:
            found.append(
                f"{dps.name} must end by {rules.transition_end:%-d %B %Y} ({days_left} days): "
                "start a dynamic market under the Procurement Act 2023 to replace it.")
    return found
