"""The words the call-off generator (calloffs.seeding) writes into referrals, decisions and
questions, and the audit row's columns it fills."""

AUDIT_FIELDS = ("at", "actor", "content_type", "object_id", "object_repr", "action",
                "from_state", "to_state", "reason", "data")

SITUATIONS = [
    "Current placement has broken down after a period of escalating incidents.",
    "Returning from hospital; needs a settled home with consistent adults.",
    "Step-down from a secure setting, with a transition plan agreed by the network.",
    "Placed out of area at present; the plan is to return closer to the home authority.",
    "Siblings are placed locally and family time should continue weekly.",
    "Has been out of education for two terms and needs a graduated return.",
    "Needs a placement that can manage missing episodes and work with the police.",
    "Long-term plan: permanence, with contact arrangements set by the court.",
]
STRENGTHS = [
    "Enjoys football and music; responds well to clear routines.",
    "Bright and articulate, likes art; finds change difficult.",
    "Engages well one to one; anxious in large groups.",
    "Good relationships with their social worker and independent visitor.",
    "Keen to learn to cook and to work towards independence skills.",
]
HOW_MET = [
    "Experienced carers with therapeutic training; a placement support worker visits weekly "
    "and our clinical team reviews the plan monthly.",
    "A two-bed home with 2:1 staffing by day, waking night staff and an in-house education "
    "lead who liaises with the virtual school.",
    "A key worker from the first day, a consistent team and a psychologist-led formulation "
    "within four weeks of arrival.",
    "Specialist teaching in small classes with speech and language and occupational therapy "
    "on site.",
]
OUTCOMES_APPROACH = [
    "Outcomes reviewed at each LAC review against the agreed outcomes star.",
    "Monthly outcome reports to the social worker, with the child's own view recorded.",
    "",
]
NO_AWARD_REASONS = [
    "No offer met the child's needs within the agreed budget.",
    "The only offers could not start before the child's plan required.",
    "The child's plan changed at review: an in-house placement became available.",
]
CANCEL_REASONS = [
    "The child returned home under a support plan.",
    "Placed with family and friends carers following the viability assessment.",
    "Referral published on the wrong lot; republished.",
]
QUESTIONS = [
    ("Is there flexibility on the start date?", "Yes, up to two weeks later."),
    ("Does the child need a placement within the home authority's boundary?",
     "Within 20 miles of the current school is preferred, not required."),
    ("Is transport to school included in the price?",
     "Transport is arranged by the authority separately."),
    ("Can you share the latest education plan?",
     "It will be shared with the shortlisted providers after the deadline."),
]
