"""Monitoring pages: providers needing attention, a provider's risk page with its forms, action
plans on both sides, the provider's own monitoring page and KPI return form, and the KPI
overview. A provider sees only what ADR 0008 allows, and only its own."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from monitoring.models import (
    ActionItem,
    ActionPlan,
    KpiReturn,
    MonitoringActivity,
    ReassessmentTrigger,
    RiskAssessment,
)
from tests import factories as f
from tests.asserts import nothing_changes
from tests.monitoring import factories as mf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

ATTENTION = reverse("monitoring:attention")
MINE = reverse("monitoring:mine")
KPIS = reverse("monitoring:kpis")


def url(name, *args):
    return reverse(f"monitoring:{name}", args=args)


def date_parts(name, day):
    return {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}


@pytest.fixture
def provider(provider_user):
    return provider_user.organisation


# --- Access ---------------------------------------------------------------------------------

STAFF_PAGES = [ATTENTION, "/monitoring/providers/1/", KPIS]
PROVIDER_PAGES = [MINE, "/monitoring/kpi-returns/1/"]
POSTS = ["/monitoring/providers/1/assessments/", "/monitoring/providers/1/triggers/",
         "/monitoring/providers/1/activities/", "/monitoring/providers/1/action-plans/",
         "/monitoring/activities/1/complete/", "/monitoring/action-items/1/complete/",
         "/monitoring/action-items/1/cancel/", "/monitoring/action-items/1/respond/",
         "/monitoring/kpi-returns/1/"]


@pytest.mark.parametrize("path", STAFF_PAGES + PROVIDER_PAGES + ["/monitoring/action-plans/1/"])
def test_anonymous_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("path", POSTS)
def test_anonymous_posts_are_sent_to_sign_in(client, path):
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_role_opens_only_its_own_pages(as_user, commissioner, provider):
    item = mf.ActionItemFactory(plan__provider=provider)
    kpi_return = mf.KpiReturnFactory(provider=provider)
    staff_pages = [ATTENTION, url("provider", provider.pk), KPIS]
    provider_pages = [MINE, url("kpi-return", kpi_return.pk)]
    holder = f.BudgetHolderFactory()
    finance = f.FinanceFactory()
    provider_user = f.ProviderUserFactory(organisation=provider)
    for user, refused in ((commissioner, provider_pages), (provider_user, staff_pages),
                          (holder, staff_pages + provider_pages + [url("plan", item.plan_id)]),
                          (finance, staff_pages + [url("plan", item.plan_id)])):
        client = as_user(user)
        for path in refused:
            assert client.get(path).status_code == 403, (user.roles, path)
    with nothing_changes():
        client = as_user(provider_user)
        assert client.post(url("assess", provider.pk),
                           {"assess-impact": "5", "assess-probability": "5"}).status_code == 403
        assert client.post(url("complete-item", item.pk)).status_code == 403
        client = as_user(commissioner)
        assert client.post(url("respond-item", item.pk),
                           {f"item-{item.pk}-provider_response": "Done"}).status_code == 403
        assert client.post(url("kpi-return", kpi_return.pk)).status_code == 403


def test_another_providers_plan_and_return_are_not_found(as_user, provider_user):
    theirs = mf.ActionItemFactory()
    their_return = mf.KpiReturnFactory()
    client = as_user(provider_user)
    with nothing_changes():
        assert client.get(url("plan", theirs.plan_id)).status_code == 404
        response = client.post(url("respond-item", theirs.pk),
                               {f"item-{theirs.pk}-provider_response": "Done"})
        assert response.status_code == 404
        assert client.get(url("kpi-return", their_return.pk)).status_code == 404
        assert client.post(url("kpi-return", their_return.pk)).status_code == 404


def test_a_risk_page_is_only_for_provider_organisations(as_user, commissioner):
    client = as_user(commissioner)
    assert client.get(url("provider", commissioner.organisation_id)).status_code == 404
    assert client.get(url("provider", 999999)).status_code == 404


def test_navigation_has_monitoring_for_staff_and_providers(as_user, commissioner, dps_admin,
                                                          provider_user):
    for user, target in ((commissioner, ATTENTION), (dps_admin, ATTENTION),
                         (provider_user, MINE)):
        html = as_user(user).get(target).content.decode()
        nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>', html, re.S)[0]
        assert f'href="{target}"' in nav, user.roles
        assert "Monitoring" in nav, user.roles
    nav = as_user(f.BudgetHolderFactory()).get(reverse("calloffs:approvals")).content.decode()
    assert "Monitoring" not in nav


# --- Providers needing attention ------------------------------------------------------------

def test_attention_list_shows_each_reason_and_links_to_the_risk_page(as_user, commissioner):
    red = mf.RedAssessmentFactory().provider
    overdue = mf.OverdueAssessmentFactory().provider
    triggered = mf.TriggerFactory().provider
    late = mf.LateKpiReturnFactory().provider
    actions = mf.OverdueActionItemFactory().plan.provider
    fine = mf.GreenAssessmentFactory().provider
    response = as_user(commissioner).get(ATTENTION)
    page = text(response)
    html = response.content.decode()
    for organisation in (red, overdue, triggered, late, actions):
        assert organisation.name in page
        assert f'href="{url("provider", organisation.pk)}"' in html
    assert fine.name not in page
    for label in ("Red", "No visit planned", "Reassessment overdue", "Reassessment due now",
                  "Overdue actions", "Late KPI returns"):
        assert label in page
    assert "5 providers" in page


def test_attention_list_query_count_does_not_grow(as_user, dps_admin,
                                                  django_assert_max_num_queries):
    client = as_user(dps_admin)

    def make(count):
        for _ in range(count):
            provider = mf.RedAssessmentFactory().provider
            mf.TriggerFactory(provider=provider)
            mf.OverdueActionItemFactory(plan__provider=provider)
            mf.LateKpiReturnFactory(provider=provider)

    make(3)
    client.get(ATTENTION)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(ATTENTION).status_code == 200
    make(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(ATTENTION)
    assert response.status_code == 200
    assert "30 providers" in text(response)


# --- The provider risk page -----------------------------------------------------------------

def test_risk_page_shows_rating_history_triggers_activities_and_plans(as_user, commissioner):
    old = mf.GreenAssessmentFactory(
        is_current=False, assessed_at=datetime.datetime(2025, 1, 6, 12, tzinfo=datetime.UTC))
    provider = old.provider
    mf.RedAssessmentFactory(provider=provider, regulator_rating="requires_improvement",
                            complaints=4, notes="Manager left in May.")
    mf.TriggerFactory(provider=provider)
    mf.DoneActivityFactory(provider=provider)
    mf.ActionItemFactory(plan__provider=provider, plan__title="Recording")
    page = text(as_user(commissioner).get(url("provider", provider.pk)))
    assert "Red" in page
    assert "Score 15 (impact 5 × probability 3)" in page
    assert "Full monitoring visit" in page
    assert "Requires improvement" in page
    assert "Reassessment due now" in page
    assert "Allegation against a member of staff" in page
    assert "Manager left in May." in page
    assert "6 Jan 2025" in page  # history, UK dates
    assert "Records in good order" in page
    assert "Recording" in page
    assert "No visit planned" in page


def assessment_form(**overrides):
    data = {"assess-impact": "5", "assess-probability": "4", "assess-complaints": "3",
            "assess-regulator_rating": "inadequate", "assess-staff_turnover": "22.5",
            "assess-notes": "Two notifications about restraint."}
    data.update(overrides)
    return data


def test_commissioner_records_a_red_assessment_which_clears_the_triggers(as_user, commissioner):
    trigger = mf.TriggerFactory()
    provider = trigger.provider
    client = as_user(commissioner)
    response = client.post(url("assess", provider.pk), assessment_form(), follow=True)
    assert "Risk assessment recorded: red (score 20), full monitoring visit" in banner(response)
    assessment = RiskAssessment.objects.get(provider=provider)
    assert (assessment.score, assessment.rag, assessment.is_current) == (20, "red", True)
    assert assessment.complaints == 3
    assert assessment.staff_turnover == Decimal("22.5")
    assert assessment.assessed_by == commissioner
    trigger.refresh_from_db()
    assert trigger.cleared_by_assessment == assessment


@pytest.mark.parametrize(("data", "message"), [
    ({"assess-impact": ""}, "Choose the impact, from 1 to 5"),
    ({"assess-probability": "9"}, "Choose the probability, from 1 to 5"),
    ({"assess-complaints": "lots"}, "Enter a whole number, like 0 or 3"),
    ({"assess-next_due_day": "31", "assess-next_due_month": "2", "assess-next_due_year": "2030"},
     "The date the next assessment is due must be a real date"),
])
def test_bad_assessment_shows_the_error_summary_and_writes_nothing(as_user, commissioner, data,
                                                                    message):
    provider = f.ProviderOrgFactory()
    with nothing_changes():
        response = as_user(commissioner).post(url("assess", provider.pk), assessment_form(**data))
    assert response.status_code == 200
    assert message in error_summary(response)


def test_next_due_beyond_six_months_is_refused_by_the_service(as_user, commissioner, today):
    provider = f.ProviderOrgFactory()
    data = assessment_form(**{f"assess-{k}": v for k, v in date_parts(
        "next_due", datetime.date(2026, 9, 11)).items()})
    with nothing_changes():
        response = as_user(commissioner).post(url("assess", provider.pk), data)
    summary = error_summary(response)
    assert "within 6 months: by 10 September 2026 at the latest" in summary
    assert 'id="assess-next_due-error"' in response.content.decode()


def test_raise_a_trigger_and_the_reassessment_is_due_now(as_user, commissioner):
    provider = mf.GreenAssessmentFactory().provider
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(url("raise-trigger", provider.pk),
                               {"trigger-kind": "placement_breakdown"})
    assert "Say what happened." in error_summary(response)
    response = client.post(url("raise-trigger", provider.pk),
                           {"trigger-kind": "placement_breakdown",
                            "trigger-details": "Placement ended after 3 weeks."}, follow=True)
    assert "reassessment is due now" in banner(response)
    assert "Reassessment due now" in text(response)
    assert ReassessmentTrigger.objects.get().details == "Placement ended after 3 weeks."


def test_schedule_and_complete_an_activity(as_user, commissioner, today):
    provider = mf.RedAssessmentFactory().provider
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(url("schedule-activity", provider.pk), {
            "activity-kind": "full_visit", **{f"activity-{k}": v for k, v in date_parts(
                "planned_date", today - datetime.timedelta(days=1)).items()}})
    assert "Must be today or later." in error_summary(response)
    response = client.post(url("schedule-activity", provider.pk), {
        "activity-kind": "full_visit", **{f"activity-{k}": v for k, v in date_parts(
            "planned_date", datetime.date(2026, 3, 20)).items()}}, follow=True)
    assert "Full monitoring visit planned for 20 March 2026." in banner(response)
    activity = MonitoringActivity.objects.get()
    with nothing_changes():
        response = client.post(url("complete-activity", activity.pk), {})
    assert "Record what the activity found." in error_summary(response)
    response = client.post(url("complete-activity", activity.pk),
                           {f"done-{activity.pk}-findings": "Night staffing below plan."},
                           follow=True)
    assert "recorded as done" in banner(response)
    activity.refresh_from_db()
    assert activity.status == "done"
    assert activity.findings == "Night staffing below plan."


def plan_form(due, **overrides):
    data = {"plan-title": "Staffing", "plan-item0_action": "Recruit two night staff.",
            "plan-item0_owner": "Registered manager",
            **{f"plan-{k}": v for k, v in date_parts("item0_due_date", due).items()},
            "plan-item1_action": "Review rotas.", "plan-item1_owner": "Deputy",
            **{f"plan-{k}": v for k, v in date_parts("item1_due_date", due).items()}}
    data.update(overrides)
    return data


def test_create_an_action_plan_with_two_items(as_user, commissioner, today):
    provider = f.ProviderOrgFactory()
    response = as_user(commissioner).post(url("create-plan", provider.pk),
                                          plan_form(datetime.date(2026, 4, 1)), follow=True)
    assert "Action plan created with 2 actions" in banner(response)
    plan = ActionPlan.objects.get()
    assert plan.provider == provider
    assert [i.action for i in plan.items.order_by("id")] == ["Recruit two night staff.",
                                                            "Review rotas."]
    assert response.request["PATH_INFO"] == url("plan", plan.pk)


def test_bad_action_plan_shows_errors_inline_and_writes_nothing(as_user, commissioner, today):
    provider = f.ProviderOrgFactory()
    data = plan_form(datetime.date(2026, 4, 1), **{"plan-title": "", "plan-item1_owner": ""})
    with nothing_changes():
        response = as_user(commissioner).post(url("create-plan", provider.pk), data)
    summary = error_summary(response)
    assert "Give the plan a title." in summary
    assert "Say who is responsible." in summary
    html = response.content.decode()
    assert 'id="plan-item1_owner-error"' in html
    assert 'href="#plan-item1_owner"' in html
    with nothing_changes():
        response = as_user(commissioner).post(url("create-plan", provider.pk),
                                              {"plan-title": "Empty"})
    assert "A plan needs at least one action." in error_summary(response)


# --- Action plans ---------------------------------------------------------------------------

def test_commissioner_completes_and_cancels_items(as_user, commissioner):
    done = mf.RespondedActionItemFactory()
    dropped = mf.ActionItemFactory(plan=done.plan)
    client = as_user(commissioner)
    page = text(client.get(url("plan", done.plan_id)))
    assert "Drills held on the first Monday" in page
    response = client.post(url("complete-item", done.pk), follow=True)
    assert "Action marked as completed." in banner(response)
    with nothing_changes():
        response = client.post(url("cancel-item", dropped.pk), {})
    assert "Say why the action is cancelled." in error_summary(response)
    response = client.post(url("cancel-item", dropped.pk),
                           {f"cancel-{dropped.pk}-reason": "Covered by the new rota."},
                           follow=True)
    assert "Action cancelled." in banner(response)
    assert {i.status for i in ActionItem.objects.all()} == {"completed", "cancelled"}
    with nothing_changes():
        response = client.post(url("complete-item", done.pk))
    assert response.status_code == 200
    assert error_summary(response)


def test_provider_responds_to_its_own_item(as_user, provider_user, provider):
    item = mf.ActionItemFactory(plan__provider=provider, escalated_at=None)
    client = as_user(provider_user)
    page = text(client.get(url("plan", item.plan_id)))
    assert "Hold a fire drill each month" in page
    assert "Suspension recommended" not in page
    with nothing_changes():
        response = client.post(url("respond-item", item.pk),
                               {f"item-{item.pk}-evidence": "Log"})
    assert "Say what you have done." in error_summary(response)
    response = client.post(url("respond-item", item.pk), {
        f"item-{item.pk}-provider_response": "Drills now monthly.",
        f"item-{item.pk}-evidence": "Fire log."}, follow=True)
    assert "Response to action 1 sent." in banner(response)
    item.refresh_from_db()
    assert (item.status, item.provider_response, item.responded_by) == (
        "responded", "Drills now monthly.", provider_user)


def test_provider_does_not_see_the_escalation_flag(as_user, provider_user, provider):
    item = mf.OverdueActionItemFactory(plan__provider=provider)
    ActionItem.objects.filter(pk=item.pk).update(escalated_at=item.plan.created_at)
    page = text(as_user(provider_user).get(url("plan", item.plan_id)))
    assert "Suspension recommended" not in page
    page = text(as_user(f.DpsAdminFactory()).get(url("plan", item.plan_id)))
    assert "Suspension recommended" in page


# --- The provider's own page ----------------------------------------------------------------

def test_provider_sees_its_rating_without_notes_assessor_or_triggers(as_user, provider_user,
                                                                      provider):
    assessment = mf.RedAssessmentFactory(provider=provider, notes="Secret assessor note.")
    mf.TriggerFactory(provider=provider, details="LADO referral about a staff member.")
    mf.DoneActivityFactory(provider=provider)
    mf.ActionItemFactory(plan__provider=provider, plan__title="Fire safety")
    mf.ActionItemFactory(plan__title="Someone else's plan")
    response = as_user(provider_user).get(MINE)
    page = text(response)
    assert "Red" in page
    assert "Full monitoring visit" in page
    assert "Records in good order" in page
    assert "Fire safety" in page
    for hidden in ("Secret assessor note.", "LADO referral", assessment.assessed_by.username,
                   "Reassessment due now", "Someone else's plan"):
        assert hidden not in page


def test_provider_submits_a_kpi_return(as_user, provider_user, provider):
    kpi = mf.KpiFactory(name="Placement stability", unit="%")
    optional = mf.KpiFactory(name="Staff vacancies", unit="posts", min_value=None,
                             max_value=None, required=False)
    kpi_return = mf.KpiReturnFactory(provider=provider)
    client = as_user(provider_user)
    assert "Independent fostering" in text(client.get(MINE))
    form = client.get(url("kpi-return", kpi_return.pk)).content.decode()
    assert 'govuk-input__suffix" aria-hidden="true">%<' in form
    with nothing_changes():
        response = client.post(url("kpi-return", kpi_return.pk),
                               {f"kpi_{kpi.code}": "120"})
    assert "Placement stability: must be at most 100.00 %." in error_summary(response)
    with nothing_changes():
        response = client.post(url("kpi-return", kpi_return.pk), {f"kpi_{kpi.code}": ""})
    assert "Placement stability is required." in error_summary(response)
    with nothing_changes():
        response = client.post(url("kpi-return", kpi_return.pk), {f"kpi_{kpi.code}": "abc"})
    assert "Enter Placement stability as a number" in error_summary(response)
    response = client.post(url("kpi-return", kpi_return.pk),
                           {f"kpi_{kpi.code}": "92.5", f"kpi_{optional.code}": ""},
                           follow=True)
    assert "submitted" in banner(response)
    kpi_return.refresh_from_db()
    assert kpi_return.status == KpiReturn.Status.SUBMITTED
    assert [(v.kpi_id, v.value) for v in kpi_return.values.all()] == [(kpi.pk, Decimal("92.50"))]
    assert "Placement stability: 92.50 %" in text(response)


def test_a_return_cannot_be_submitted_before_its_period_ends(as_user, provider_user, provider,
                                                             today):
    kpi = mf.KpiFactory()
    kpi_return = mf.KpiReturnFactory(provider=provider, period_start=datetime.date(2026, 1, 1),
                                     period_end=datetime.date(2026, 3, 31))
    with nothing_changes():
        response = as_user(provider_user).post(url("kpi-return", kpi_return.pk),
                                               {f"kpi_{kpi.code}": "50"})
    assert "The period ends on 31 March 2026" in error_summary(response)


# --- KPI overview ---------------------------------------------------------------------------

def test_kpi_overview_shows_returns_and_sector_averages(as_user, commissioner):
    kpi = mf.KpiFactory(name="Placement stability")
    first = mf.with_values(mf.SubmittedKpiReturnFactory(), {kpi: "80"})
    mf.with_values(mf.SubmittedKpiReturnFactory(period_start=first.period_start), {kpi: "90"})
    late = mf.LateKpiReturnFactory()
    response = as_user(commissioner).get(KPIS)
    page = text(response)
    assert "Placement stability" in page
    assert "85.00 %" in page
    assert first.provider.name in page
    assert late.provider.name in page
    assert "Late" in page
