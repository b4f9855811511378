"""seed_monitoring_scale: monitoring history for every provider, within the services' rules."""

import io

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F
from django.utils import timezone

from dps.models import Organisation
from monitoring import selectors, services
from monitoring.models import (
    ActionItem,
    KpiReturn,
    KpiValue,
    MonitoringActivity,
    ReassessmentTrigger,
    RiskAssessment,
    TriggerKind,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PROVIDERS = 120


@pytest.fixture
def seeded():
    call_command("seed_scale", providers=PROVIDERS, authorities=7, stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_monitoring_scale", stdout=out)
    return out.getvalue()


def test_refuses_without_seed_scale():
    with pytest.raises(CommandError, match="seed_scale"):
        call_command("seed_monitoring_scale", stdout=io.StringIO())


def test_every_provider_has_a_history_and_one_current_rating(seeded):
    providers = Organisation.objects.filter(kind="provider")
    assert providers.count() == PROVIDERS
    counts = dict(RiskAssessment.objects.values("provider").annotate(n=Count("pk"))
                  .values_list("provider", "n"))
    assert len(counts) == PROVIDERS
    assert sum(counts.values()) >= 3 * PROVIDERS  # several each
    current = RiskAssessment.objects.filter(is_current=True)
    assert current.count() == PROVIDERS
    assert f"Seeded monitoring for {PROVIDERS} providers" in seeded


def test_ratings_follow_the_bands_and_the_six_month_limit(seeded):
    months = settings.MONITORING_REASSESSMENT_MONTHS
    for a in RiskAssessment.objects.all():
        assert (a.score, a.rag, a.monitoring) == services.rate(a.impact, a.probability)
        day = timezone.localdate(a.assessed_at)
        assert day < a.next_due <= day + relativedelta(months=months)
    # Each provider's current assessment is its latest.
    for a in RiskAssessment.objects.filter(is_current=True):
        assert not RiskAssessment.objects.filter(provider=a.provider_id,
                                                 assessed_at__gt=a.assessed_at).exists()


def test_triggers_are_cleared_by_a_later_assessment_or_still_open(seeded):
    cleared = ReassessmentTrigger.objects.filter(cleared_by_assessment__isnull=False)
    assert cleared.exists()
    assert not cleared.filter(raised_at__gt=F("cleared_by_assessment__assessed_at")).exists()
    assert not cleared.exclude(provider=F("cleared_by_assessment__provider")).exists()
    open_ = ReassessmentTrigger.objects.filter(cleared_by_assessment__isnull=True)
    for trigger in open_:
        current = RiskAssessment.objects.get(provider=trigger.provider_id, is_current=True)
        assert trigger.raised_at > current.assessed_at
    late = ReassessmentTrigger.objects.filter(kind=TriggerKind.LATE_KPI_RETURN)
    assert late.exists()
    assert not late.filter(kpi_return__isnull=True).exists()
    assert not late.exclude(kpi_return__provider=F("provider")).exists()
    assert not late.filter(kpi_return__late_flagged_at__isnull=True).exists()


def test_kpi_returns_and_action_items_look_like_the_services_left_them(seeded):
    today = timezone.localdate()
    submitted = KpiReturn.objects.filter(status="submitted")
    assert submitted.exists()
    assert not submitted.filter(submitted_at__isnull=True).exists()
    assert not KpiValue.objects.exclude(kpi__lot=F("kpi_return__lot")).exists()
    for kpi_value in KpiValue.objects.select_related("kpi")[:500]:
        assert kpi_value.kpi.min_value <= kpi_value.value <= kpi_value.kpi.max_value
    assert selectors.late_kpi_returns(today).exists()
    assert not selectors.late_kpi_returns(today).filter(late_flagged_at__isnull=True).exists()
    assert not KpiReturn.objects.filter(status="due", due_date__gte=today,
                                        late_flagged_at__isnull=False).exists()
    assert not ActionItem.objects.filter(escalated_at__isnull=False,
                                         reminder_sent_at__isnull=True).exists()
    assert not ActionItem.objects.filter(status="completed", closed_at__isnull=True).exists()
    assert not MonitoringActivity.objects.filter(status="done", done_date__isnull=True).exists()
    assert not MonitoringActivity.objects.filter(status="planned",
                                                 planned_date__lt=today).exists()


def test_the_attention_list_has_providers_for_its_reasons(seeded):
    rows = list(selectors.providers_needing_attention())
    assert 0 < len(rows) < PROVIDERS
    reasons = {reason for row in rows for reason in selectors.attention_reasons(row)}
    assert {"red", "reassessment_overdue", "late_returns"} <= reasons


def test_refuses_a_second_run_unless_reset(seeded):
    with pytest.raises(CommandError, match="--reset"):
        call_command("seed_monitoring_scale", stdout=io.StringIO())
    before = RiskAssessment.objects.count()
    call_command("seed_monitoring_scale", reset=True, stdout=io.StringIO())
    assert RiskAssessment.objects.count() == before
