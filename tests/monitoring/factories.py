"""Factories per state for monitoring. Build the world through these, not by hand."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from contracts.models import Placement
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Frequency,
    Kpi,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    MonitoringLevel,
    OutcomeRating,
    ReassessmentTrigger,
    RiskAssessment,
    TriggerKind,
)
from monitoring.services import financial_year_of, period_for, rate
from tests import factories as f


def _today():
    return timezone.localdate()


class RiskAssessmentFactory(factory.django.DjangoModelFactory):
    """A provider's current assessment: amber (3 × 3), next due in three months."""

    class Meta:
        model = RiskAssessment

    provider = factory.SubFactory(f.ProviderOrgFactory)
    assessed_at = factory.LazyFunction(timezone.now)
    assessed_by = factory.SubFactory(f.CommissionerFactory)
    impact = 3
    probability = 3
    score = factory.LazyAttribute(lambda a: rate(a.impact, a.probability)[0])
    rag = factory.LazyAttribute(lambda a: rate(a.impact, a.probability)[1])
    monitoring = factory.LazyAttribute(lambda a: rate(a.impact, a.probability)[2])
    next_due = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=90))
    is_current = True
    notes = "Stable staff team; two complaints resolved."


class GreenAssessmentFactory(RiskAssessmentFactory):
    impact = 2
    probability = 3


class RedAssessmentFactory(RiskAssessmentFactory):
    impact = 5
    probability = 3


class OverdueAssessmentFactory(RiskAssessmentFactory):
    assessed_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=200))
    next_due = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1))


class TriggerFactory(factory.django.DjangoModelFactory):
    """An open safeguarding concern."""

    class Meta:
        model = ReassessmentTrigger

    provider = factory.SubFactory(f.ProviderOrgFactory)
    kind = TriggerKind.SAFEGUARDING_CONCERN
    raised_at = factory.LazyFunction(timezone.now)
    details = "Allegation against a member of staff, referred to the LADO."


class PlannedActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonitoringActivity

    provider = factory.SubFactory(f.ProviderOrgFactory)
    kind = MonitoringLevel.FULL_VISIT
    planned_date = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=14))
    status = MonitoringActivity.Status.PLANNED


class DoneActivityFactory(PlannedActivityFactory):
    planned_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=7))
    done_date = factory.SelfAttribute("planned_date")
    findings = "Records in good order; one fire drill overdue."
    status = MonitoringActivity.Status.DONE


class CancelledActivityFactory(PlannedActivityFactory):
    status = MonitoringActivity.Status.CANCELLED
    cancelled_reason = "Home closed for refurbishment"


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan

    provider = factory.SubFactory(f.ProviderOrgFactory)
    title = "Fire safety and recording"


class ActionItemFactory(factory.django.DjangoModelFactory):
    """An open item due in two weeks, in a plan of its own."""

    class Meta:
        model = ActionItem

    plan = factory.SubFactory(ActionPlanFactory)
    action = "Hold a fire drill each month and record it."
    owner = "Registered manager"
    due_date = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=14))
    status = ActionItem.Status.OPEN


OpenActionItemFactory = ActionItemFactory


class OverdueActionItemFactory(ActionItemFactory):
    due_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1))


class RespondedActionItemFactory(ActionItemFactory):
    status = ActionItem.Status.RESPONDED
    provider_response = "Drills held on the first Monday of each month."
    evidence = "Fire log pages for March and April."
    responded_at = factory.LazyFunction(timezone.now)


class CompletedActionItemFactory(RespondedActionItemFactory):
    status = ActionItem.Status.COMPLETED
    closed_at = factory.LazyFunction(timezone.now)


class CancelledActionItemFactory(ActionItemFactory):
    status = ActionItem.Status.CANCELLED
    closed_at = factory.LazyFunction(timezone.now)


ITEM_STATES = {
    "open": OpenActionItemFactory, "responded": RespondedActionItemFactory,
    "completed": CompletedActionItemFactory, "cancelled": CancelledActionItemFactory,
}


def item_states_except(*allowed):
    return [made for state, made in ITEM_STATES.items() if state not in allowed]


class KpiFactory(factory.django.DjangoModelFactory):
    """A quarterly percentage KPI on fostering, required, 0–100."""

    class Meta:
        model = Kpi

    lot = factory.LazyFunction(lambda: f.lot("fostering"))
    code = factory.Sequence(lambda n: f"kpi_{n}")
    name = factory.Sequence(lambda n: f"Indicator {n}")
    unit = "%"
    frequency = Frequency.QUARTERLY
    min_value = Decimal("0.00")
    max_value = Decimal("100.00")
    required = True


class KpiReturnFactory(factory.django.DjangoModelFactory):
    """A quarterly fostering return for the quarter before this one: ended, due in ten days."""

    class Meta:
        model = KpiReturn

    provider = factory.SubFactory(f.ProviderOrgFactory)
    lot = factory.LazyFunction(lambda: f.lot("fostering"))
    frequency = Frequency.QUARTERLY
    period_start = factory.LazyAttribute(
        lambda r: period_for(r.frequency, period_for(r.frequency, _today())[0]
                             - datetime.timedelta(days=1))[0])
    period_end = factory.LazyAttribute(lambda r: period_for(r.frequency, r.period_start)[1])
    due_date = factory.LazyFunction(lambda: _today() + datetime.timedelta(days=10))
    status = KpiReturn.Status.DUE


DueKpiReturnFactory = KpiReturnFactory


class LateKpiReturnFactory(KpiReturnFactory):
    due_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=1))


class SubmittedKpiReturnFactory(KpiReturnFactory):
    status = KpiReturn.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)


def with_values(kpi_return, values):
    """values: {Kpi: "12.50"}."""
    for kpi, value in values.items():
        KpiValue.objects.create(kpi_return=kpi_return, kpi=kpi, value=Decimal(value))
    return kpi_return


class PlacementFactory(factory.django.DjangoModelFactory):
    """An active residential placement that started 60 days ago."""

    class Meta:
        model = Placement

    authority = factory.SubFactory(f.AuthorityFactory)
    provider = factory.SubFactory(f.ProviderOrgFactory)
    provider_name = factory.LazyAttribute(lambda p: p.provider.name)
    lot = factory.LazyFunction(lambda: f.lot("residential"))
    route = Placement.Route.DPS
    status = Placement.Status.ACTIVE
    start_date = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=60))
    price = Decimal("5000.00")
    price_unit = "week"


class OutcomeRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeRating

    placement = factory.SubFactory(PlacementFactory)
    domain = "safety"
    rating = 3
    rated_on = factory.LazyFunction(lambda: _today() - datetime.timedelta(days=30))


class AnnualReportFactory(factory.django.DjangoModelFactory):
    """A submitted report for the financial year before the current one."""

    class Meta:
        model = AnnualReport

    provider = factory.SubFactory(f.ProviderOrgFactory)
    year = factory.LazyFunction(lambda: financial_year_of(_today()) - 1)
    status = AnnualReport.Status.SUBMITTED
    total_employees = 40
    local_employees = 31
    apprenticeships = 2
    work_placements = 3
    community_hours = 120
    community_work = "Staff ran a weekly youth club at the village hall."
    environmental_impact = "Moved the fleet to two electric cars; cut heating use by 10%."
    narrative = "A stable year: two new homes registered, no placement breakdowns."
    submitted_at = factory.LazyFunction(timezone.now)


class ReturnedAnnualReportFactory(AnnualReportFactory):
    status = AnnualReport.Status.RETURNED
    review_outcome = AnnualReport.Outcome.RETURNED
    review_comments = "Give the number of local staff, not the percentage."
    reviewed_at = factory.LazyFunction(timezone.now)


class AcceptedAnnualReportFactory(AnnualReportFactory):
    status = AnnualReport.Status.ACCEPTED
    review_outcome = AnnualReport.Outcome.ACCEPTED
    reviewed_at = factory.LazyFunction(timezone.now)


REPORT_STATES = {"submitted": AnnualReportFactory, "returned": ReturnedAnnualReportFactory,
                 "accepted": AcceptedAnnualReportFactory}


def report_states_except(*allowed):
    return [made for state, made in REPORT_STATES.items() if state not in allowed]
