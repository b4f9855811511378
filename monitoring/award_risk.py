"""A provider's risk as it matters when awarding it work: the current rating, the reassessment
triggers still open, the action items past due and the action plans still open. Read on the
recommend and approve pages and in the approval request e-mail (issue "A council officer's
first week", finding 3), so that nobody awards to a red-rated provider without seeing it.

Three queries for any number of providers. Staff only: the triggers are never shown to a
provider (ADR 0008)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from monitoring import selectors
from monitoring.models import ActionItem, Rag, RiskAssessment, TriggerKind

OPEN_ITEMS = (ActionItem.Status.OPEN, ActionItem.Status.RESPONDED)


@dataclass
class ProviderRisk:
    provider_id: int
    rag: str = ""                    # "" when never assessed
    score: int | None = None
    assessed_at: object = None
    open_triggers: list = field(default_factory=list)   # the kinds' labels, newest first
    overdue_actions: int = 0
    open_plans: int = 0

    @property
    def rag_label(self):
        return Rag(self.rag).label if self.rag else "Not assessed"

    @property
    def warn(self):
        """Worth a warning before awarding: rated red or never rated, a trigger open, or an
        action overdue."""
        return self.rag in ("", Rag.RED) or bool(self.open_triggers) or self.overdue_actions > 0

    def lines(self):
        """The risk in plain words, one fact a line (the e-mail's text)."""
        lines = [f"Risk rating: {self.rag_label}"
                 + (f" (score {self.score})" if self.score is not None else "")]
        if self.open_triggers:
            lines.append("Open reassessment triggers: " + ", ".join(self.open_triggers))
        if self.overdue_actions:
            lines.append(f"Overdue action plan items: {self.overdue_actions}")
        if self.open_plans:
            lines.append(f"Open action plans: {self.open_plans}")
        return lines


def risk_for(provider_ids, today=None):
    """{provider id: ProviderRisk} for each of `provider_ids`: three queries."""
    today = today or timezone.localdate()
    ids = [pk for pk in dict.fromkeys(provider_ids) if pk is not None]
    risks = {pk: ProviderRisk(pk) for pk in ids}
    if not ids:
        return risks
    for assessment in RiskAssessment.objects.filter(provider_id__in=ids, is_current=True):
        risk = risks[assessment.provider_id]
        risk.rag, risk.score = assessment.rag, assessment.score
        risk.assessed_at = assessment.assessed_at
    labels = dict(TriggerKind.choices)
    for provider_id, kind in (selectors.open_triggers().filter(provider_id__in=ids)
                              .order_by("-raised_at", "-id").values_list("provider_id", "kind")):
        risks[provider_id].open_triggers.append(labels.get(kind, kind))
    plans = defaultdict(set)
    overdue = Counter()
    for provider_id, plan_id, status, due in (
            ActionItem.objects.filter(plan__provider_id__in=ids, status__in=OPEN_ITEMS)
            .values_list("plan__provider_id", "plan_id", "status", "due_date")):
        plans[provider_id].add(plan_id)
        if status == ActionItem.Status.OPEN and due < today:  # as overdue_action_items
            overdue[provider_id] += 1
    for provider_id, risk in risks.items():
        risk.open_plans = len(plans[provider_id])
        risk.overdue_actions = overdue[provider_id]
    return risks
