"""Query filters for the monitoring lists. A malformed value is 400 `invalid` with `fields`."""

import django_filters
from django.db.models import Q

from monitoring import selectors
from monitoring.models import (
    ActionItem,
    ActionPlan,
    AnnualReport,
    Frequency,
    Kpi,
    KpiReturn,
    MonitoringActivity,
    MonitoringLevel,
    OutcomeRating,
    Rag,
    ReassessmentTrigger,
    RiskAssessment,
    TriggerKind,
)
from referrals.models import OutcomeDomain


def _lot(queryset, name, value):
    field = name  # "lot" or "kpi_return__lot"
    if value.isdigit():
        return queryset.filter(Q(**{f"{field}_id": int(value)}) | Q(**{f"{field}__code": value}))
    return queryset.filter(**{f"{field}__code": value})


class RiskAssessmentFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()
    rag = django_filters.ChoiceFilter(choices=Rag.choices)
    current = django_filters.BooleanFilter(field_name="is_current",
                                           help_text="Only each provider's current rating.")

    class Meta:
        model = RiskAssessment
        fields = ["provider", "rag", "current"]


class TriggerFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=TriggerKind.choices)
    open = django_filters.BooleanFilter(field_name="cleared_by_assessment", lookup_expr="isnull",
                                        help_text="Not yet cleared by an assessment.")

    class Meta:
        model = ReassessmentTrigger
        fields = ["provider", "kind", "open"]


class ActivityFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()
    kind = django_filters.ChoiceFilter(choices=MonitoringLevel.choices)
    status = django_filters.ChoiceFilter(choices=MonitoringActivity.Status.choices)

    class Meta:
        model = MonitoringActivity
        fields = ["provider", "kind", "status"]


class ActionPlanFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()

    class Meta:
        model = ActionPlan
        fields = ["provider"]


class ActionItemFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter(field_name="plan__provider")
    plan = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=ActionItem.Status.choices)
    overdue = django_filters.BooleanFilter(method="filter_overdue",
                                           help_text="Open and past its due date.")
    escalated = django_filters.BooleanFilter(method="filter_escalated",
                                             help_text="Open and flagged: suspension "
                                                       "recommended.")

    class Meta:
        model = ActionItem
        fields = ["provider", "plan", "status", "overdue", "escalated"]

    def filter_overdue(self, queryset, name, value):
        overdue = selectors.overdue_action_items().values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)

    def filter_escalated(self, queryset, name, value):
        flagged = selectors.escalated_action_items().values("pk")
        return queryset.filter(pk__in=flagged) if value else queryset.exclude(pk__in=flagged)


class KpiFilter(django_filters.FilterSet):
    lot = django_filters.CharFilter(method=_lot, help_text="Lot code or id.")
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices)
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Kpi
        fields = ["lot", "frequency", "is_active"]


class KpiReturnFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()
    lot = django_filters.CharFilter(method=_lot, help_text="Lot code or id.")
    frequency = django_filters.ChoiceFilter(choices=Frequency.choices)
    period_start = django_filters.DateFilter()
    status = django_filters.ChoiceFilter(choices=KpiReturn.Status.choices)
    late = django_filters.BooleanFilter(method="filter_late",
                                        help_text="Still due after its due date.")

    class Meta:
        model = KpiReturn
        fields = ["provider", "lot", "frequency", "period_start", "status", "late"]

    def filter_late(self, queryset, name, value):
        late = selectors.late_kpi_returns().values("pk")
        return queryset.filter(pk__in=late) if value else queryset.exclude(pk__in=late)


class OutcomeRatingFilter(django_filters.FilterSet):
    placement = django_filters.NumberFilter()
    domain = django_filters.ChoiceFilter(choices=OutcomeDomain.choices)

    class Meta:
        model = OutcomeRating
        fields = ["placement", "domain"]


class AnnualReportFilter(django_filters.FilterSet):
    provider = django_filters.NumberFilter()
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=AnnualReport.Status.choices)

    class Meta:
        model = AnnualReport
        fields = ["provider", "year", "status"]
