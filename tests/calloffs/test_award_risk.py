"""A provider's risk where an award is decided (issue "A council officer's first week",
finding 3): the rating, the open reassessment triggers and the overdue action plan items, on
the recommend page, on the approve page and in the e-mail asking budget holders to approve."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from calloffs import services
from monitoring.award_risk import risk_for
from monitoring.models import TriggerKind
from tests import factories as f
from tests.calloffs.factories import ClosedCallOffFactory, EoiFactory, awaiting_approval
from tests.monitoring import factories as mf
from tests.pages import text

pytestmark = pytest.mark.django_db


def risky(provider):
    """Red, with a placement breakdown open and an action plan with an overdue item."""
    mf.RedAssessmentFactory(provider=provider)
    mf.TriggerFactory(provider=provider, kind=TriggerKind.PLACEMENT_BREAKDOWN)
    plan = mf.ActionPlanFactory(provider=provider)
    mf.OverdueActionItemFactory(plan=plan)
    mf.ActionItemFactory(plan=plan)


def test_risk_for_reads_rating_open_triggers_and_overdue_actions_in_three_queries(
        django_assert_num_queries):
    red, calm, never = f.ProviderOrgFactory(), f.ProviderOrgFactory(), f.ProviderOrgFactory()
    risky(red)
    mf.GreenAssessmentFactory(provider=calm)
    cleared = mf.TriggerFactory(provider=calm)
    cleared.cleared_by_assessment = mf.GreenAssessmentFactory(provider=calm, is_current=False)
    cleared.save()
    mf.CompletedActionItemFactory(plan__provider=calm,
                                  due_date=timezone.localdate() - datetime.timedelta(days=9))
    with django_assert_num_queries(3):
        risks = risk_for([red.pk, calm.pk, never.pk])
    assert (risks[red.pk].rag, risks[red.pk].open_triggers) == ("red", ["Placement breakdown"])
    assert (risks[red.pk].overdue_actions, risks[red.pk].open_plans) == (1, 1)
    assert risks[red.pk].warn
    assert (risks[calm.pk].rag, risks[calm.pk].open_triggers) == ("green", [])
    assert (risks[calm.pk].overdue_actions, risks[calm.pk].open_plans) == (0, 0)
    assert not risks[calm.pk].warn
    assert risks[never.pk].rag == ""  # never assessed
    assert risks[never.pk].warn


def test_the_recommend_page_warns_of_a_red_provider_with_a_breakdown_and_overdue_actions(
        as_user, commissioner):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    bad = EoiFactory(calloff=calloff, quality_score=80)
    good = EoiFactory(calloff=calloff, quality_score=70)
    risky(bad.provider)
    mf.GreenAssessmentFactory(provider=good.provider)
    response = as_user(commissioner).get(reverse("calloffs:detail", args=[calloff.pk]))
    page, html = text(response), response.content.decode()
    section = page.split("Provider risk")[1].split("Recommend an offer")[0]
    assert (f"{bad.provider.name} is rated red, with 1 reassessment trigger open and "
            "1 overdue action.") in section
    assert "Placement breakdown" in section
    assert f"{good.provider.name} is rated" not in section
    assert reverse("monitoring:provider", args=[bad.provider_id]) in html


def test_the_recommend_page_query_count_does_not_grow_with_risky_offers(
        as_user, commissioner, django_assert_max_num_queries):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    client = as_user(commissioner)
    risky(EoiFactory(calloff=calloff).provider)
    with django_assert_max_num_queries(100) as few:
        client.get(reverse("calloffs:detail", args=[calloff.pk]))
    for _ in range(8):
        risky(EoiFactory(calloff=calloff).provider)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("calloffs:detail", args=[calloff.pk]))


def test_the_approve_page_shows_the_recommended_providers_risk(as_user):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority)
    calloff, eoi = awaiting_approval(authority)
    risky(eoi.provider)
    page = text(as_user(holder).get(reverse("calloffs:approval", args=[calloff.pk])))
    assert f"{eoi.provider.name} is rated red" in page
    assert "Placement breakdown" in page
    assert "1 action overdue" in page


def test_recommending_emails_the_budget_holders_who_can_approve_with_the_risk(
        commissioner, django_capture_on_commit_callbacks):
    authority = commissioner.organisation
    able = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("300000"),
                                 email="able@example.org")
    f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("1000"),
                          email="small@example.org")
    f.CommissionerFactory(organisation=authority, email="colleague@example.org")
    calloff = ClosedCallOffFactory(referral__authority=authority)
    eoi = EoiFactory(calloff=calloff, quality_score=70)  # £260,000 over 52 weeks
    risky(eoi.provider)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.recommend(calloff, by=commissioner, eoi=eoi, reason="Best value")
    sent = [m for m in mail.outbox if m.subject.startswith("Award to approve")]
    assert [m.to for m in sent] == [[able.email]]
    body = sent[0].body
    assert eoi.provider.name in body
    assert "Risk rating: Red" in body
    assert "Open reassessment triggers: Placement breakdown" in body
    assert "Overdue action plan items: 1" in body
    assert f"/approvals/{calloff.pk}/" in body
