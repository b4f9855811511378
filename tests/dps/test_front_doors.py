"""The four front doors (issue 8): each role's landing page, its sections, the dashboard search,
the supplier portal's colleague invitations, the finance workspace, help and cookies pages.
Every front door's query count is bounded, the same with one row or many."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from calloffs.models import CallOff, Question
from contracts.models import Approval
from dps import formatting
from dps.models import AuditEntry, User
from dps.tasks import send_invitation, set_password_path
from providers.models import Membership
from tests import factories as f
from tests.asserts import nothing_changes
from tests.calloffs import factories as cf
from tests.contracts import factories as kf
from tests.documents.factories import CertificateFactory
from tests.monitoring import factories as mf
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")
PORTAL = reverse("portal")
FINANCE = reverse("finance-workspace")
INVITE = reverse("invite-colleague")


def _now():
    return timezone.now()


# --- Landing -----------------------------------------------------------------------------------

def test_each_role_lands_on_its_own_front_door(as_user):
    authority = f.AuthorityFactory()
    for user, door in (
            (f.CommissionerFactory(organisation=authority), DASHBOARD),
            (f.DpsAdminFactory(), DASHBOARD),
            (f.BudgetHolderFactory(organisation=authority), reverse("calloffs:approvals")),
            (f.FinanceFactory(organisation=authority), FINANCE),
            (f.ProviderUserFactory(), PORTAL)):
        response = as_user(user).get(reverse("home"))
        assert response.status_code == 302, user.roles
        assert response["Location"] == door, user.roles
        html = as_user(user).get(door).content.decode()
        if door != reverse("calloffs:approvals"):
            # "Home" in the navigation is the door itself, marked as the current page.
            assert re.search(rf'href="{door}" aria-current="page">\s*<strong[^>]*>Home', html)


@pytest.mark.parametrize(("door", "allowed"), [
    (DASHBOARD, {"commissioner", "dps_admin", "budget_holder"}),
    (PORTAL, {"provider"}),
    (FINANCE, {"finance", "dps_admin"}),
])
def test_a_front_door_refuses_other_roles_and_asks_strangers_to_sign_in(
        client, as_user, door, allowed):
    response = client.get(door)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    for factory in (f.CommissionerFactory, f.DpsAdminFactory, f.BudgetHolderFactory,
                    f.FinanceFactory, f.ProviderUserFactory):
        user = factory()
        status = as_user(user).get(door).status_code
        assert status == (200 if user.roles[0] in allowed else 403), (door, user.roles)


# --- Commissioner's dashboard -------------------------------------------------------------------

def _dashboard_world(authority, n=1):
    """`n` of everything the dashboard lists, for `authority`."""
    for i in range(n):
        soon = cf.OpenCallOffFactory(referral__authority=authority,
                                     deadline=_now() + datetime.timedelta(hours=20 + i))
        cf.EoiFactory(calloff=soon)
        cf.EoiFactory(calloff=soon)
        cf.ClosedCallOffFactory(referral__authority=authority)
        cf.awaiting_approval(authority=authority)
        Question.objects.create(calloff=soon, asked_by=f.ProviderOrgFactory(),
                                text="Is there a garden?")
        kf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)
        placement = kf.PlacementFactory(authority=authority)
        placement.reviews.update(due_date=timezone.localdate() + datetime.timedelta(days=3))
        f.AwaitingDecisionApplicationFactory(
            evaluation_due=timezone.localdate() - datetime.timedelta(days=i + 1))
        mf.RedAssessmentFactory()
        mf.OverdueAssessmentFactory()
        mf.OverdueActionItemFactory()
        CertificateFactory(expires_on=timezone.localdate() - datetime.timedelta(days=i + 1),
                           lapsed_at=timezone.now())


def test_the_dashboard_lists_what_needs_doing_today_each_linked_to_its_page(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    soon = cf.OpenCallOffFactory(referral__authority=authority,
                                 deadline=_now() + datetime.timedelta(hours=20))
    cf.EoiFactory(calloff=soon)
    cf.EoiFactory(calloff=soon)
    later = cf.OpenCallOffFactory(referral__authority=authority)  # closes in five days
    elsewhere = cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=5))
    closed = cf.ClosedCallOffFactory(referral__authority=authority)
    waiting, _ = cf.awaiting_approval(authority=authority)
    spot = kf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)
    placement = kf.PlacementFactory(authority=authority)
    placement.reviews.update(due_date=timezone.localdate() + datetime.timedelta(days=10))
    far = kf.PlacementFactory(authority=authority)
    far.reviews.update(due_date=timezone.localdate() + datetime.timedelta(days=40))
    overdue_app = f.AwaitingDecisionApplicationFactory(
        evaluation_due=timezone.localdate() - datetime.timedelta(days=7))
    red = mf.RedAssessmentFactory()
    late = mf.OverdueAssessmentFactory()
    item = mf.OverdueActionItemFactory()

    response = as_user(commissioner).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "What needs doing today" in page
    assert reverse("calloffs:detail", args=[soon.pk]) in html
    assert "2 responses" in page
    assert reverse("calloffs:detail", args=[later.pk]) not in html.split(
        'id="awaiting-heading"')[0]
    assert reverse("calloffs:detail", args=[elsewhere.pk]) not in html
    assert reverse("calloffs:detail", args=[closed.pk]) in html
    assert reverse("contracts:detail", args=[placement.pk]) in html
    assert reverse("contracts:detail", args=[far.pk]) not in html
    # What the commissioner cannot act on is not there: a recommendation is the budget
    # holder's to approve, a spot placement too, an application the DPS administrators'.
    assert reverse("calloffs:detail", args=[waiting.pk]) not in html
    assert reverse("calloffs:approval", args=[waiting.pk]) not in html
    assert f'href="{reverse("contracts:detail", args=[spot.pk])}"' not in html
    assert "Spot placements and blocks to approve" not in page
    assert "Applications to decide" not in page
    assert overdue_app.provider.name not in page
    assert reverse("monitoring:provider", args=[red.provider_id]) in html
    assert reverse("monitoring:provider", args=[late.provider_id]) in html
    assert reverse("monitoring:plan", args=[item.plan_id]) in html


def test_the_dps_administrator_sees_applications_linked_and_no_call_offs(as_user):
    app = f.AwaitingDecisionApplicationFactory(
        evaluation_due=timezone.localdate() + datetime.timedelta(days=14))
    cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=5))
    late = f.AwaitingDecisionApplicationFactory(
        evaluation_due=timezone.localdate() - datetime.timedelta(days=7))
    response = as_user(f.DpsAdminFactory()).get(DASHBOARD)
    html = response.content.decode()
    assert reverse("providers:round", args=[app.round_id]) in html
    assert f"Application from {app.provider.name}" in text(response)
    assert "working days left" in text(response)
    # Seven calendar days late is at least three working days late, whatever the weekday.
    assert late.provider.name in text(response)
    assert re.search(r'class="app-overdue">Overdue: was due .*?, \d working days late', html)
    assert "closing in the next 48 hours" not in text(response)


def test_the_dashboard_names_work_by_case_reference_age_and_lot_never_by_id(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    soon = cf.OpenCallOffFactory(referral__authority=authority, child_age=14,
                                 referral__lot=f.lot("fostering"),
                                 deadline=_now() + datetime.timedelta(hours=20))
    reference = soon.referral.child.case_reference
    page = text(as_user(commissioner).get(DASHBOARD))
    assert f"Call-off {reference} for a 14-year-old, independent fostering" in page
    assert f"Call-off {soon.pk}:" not in page


def test_the_commissioner_sees_the_questions_waiting_for_an_answer(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    calloff = cf.OpenCallOffFactory(referral__authority=authority, child_age=8)
    asked = Question.objects.create(calloff=calloff, asked_by=f.ProviderOrgFactory(),
                                    text="Is there a garden?")
    Question.objects.create(calloff=calloff, asked_by=f.ProviderOrgFactory(), text="Pets?",
                            answer="No pets.", answered_at=_now())
    theirs = cf.OpenCallOffFactory()
    Question.objects.create(calloff=theirs, asked_by=f.ProviderOrgFactory(), text="Stairs?")
    client = as_user(commissioner)
    response = client.get(DASHBOARD)
    html, page = response.content.decode(), text(response)
    reference = calloff.referral.child.case_reference
    assert (f'href="{reverse("calloffs:detail", args=[calloff.pk])}#questions"') in html
    assert f"Answer the question on call-off {reference} for an 8-year-old" in page
    assert "Is there a garden?" in page
    assert "Pets?" not in page
    assert "Stairs?" not in page
    # Answered, it leaves the dashboard.
    asked.answered_at = _now()
    asked.save()
    assert "Is there a garden?" not in text(client.get(DASHBOARD))


def test_the_budget_holder_sees_the_awards_and_purchases_to_approve_linked_to_approve(as_user):
    authority = f.AuthorityFactory()
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("100000"))
    waiting, eoi = cf.awaiting_approval(authority=authority)
    spot = kf.SpotPlacementFactory(authority=authority, approval=Approval.AWAITING)
    block = kf.BlockContractFactory(authority=authority, approval=Approval.AWAITING)
    cf.ClosedCallOffFactory(referral__authority=authority)
    f.AwaitingDecisionApplicationFactory()
    response = as_user(holder).get(DASHBOARD)
    assert response.status_code == 200
    html, page = response.content.decode(), text(response)
    assert reverse("calloffs:approval", args=[waiting.pk]) in html
    assert (f"Call-off {waiting.referral.child.case_reference} for a 13-year-old, "
            "residential") in page
    assert f"Recommended {eoi.provider.name}" in page
    assert reverse("contracts:approve-placement", args=[spot.pk]) in html
    assert f"Placement {spot.child.case_reference} for a" in page
    assert reverse("contracts:approve-block", args=[block.pk]) in html
    assert f"Block {block.reference}: 2 beds" in page
    assert "above your approval limit" in page  # the block is worth more than £100,000
    # Not theirs to do: evaluation, applications, monitoring.
    for absent in ("Closed call-offs to evaluate", "Applications to decide",
                   "Providers rated red", "Questions waiting"):
        assert absent not in page


def test_the_dps_admins_dashboard_counts_the_applications_waiting_for_a_round(as_user):
    # Submitted when no round was open or scheduled (API.md v1.1): no clock runs for them yet.
    waiting = [f.SubmittedApplicationFactory(round=None) for _ in range(3)]
    other = f.DpsFactory(name="Adults' DPS")
    f.SubmittedApplicationFactory(round=None, dps=other, lots={})
    f.AwaitingDecisionApplicationFactory()
    admin = as_user(f.DpsAdminFactory())
    response = admin.get(DASHBOARD)
    page = text(response)
    assert "3 applications waiting for a round in the Children" in page
    assert "1 application waiting for a round in the Adults' DPS" in page
    link = f'{reverse("providers:rounds")}?dps={waiting[0].dps.code}#waiting'
    assert f'href="{link}"' in response.content.decode()
    # The waiting ones are not listed as "to decide": they have no round, so no decision date.
    assert "No decision date yet" not in page
    rounds = text(admin.get(link.split("#")[0]))
    assert "3 applications waiting for a round." in rounds
    # A commissioner does not schedule rounds: the line is the DPS administrators'.
    commissioner = as_user(f.CommissionerFactory(organisation=f.AuthorityFactory()))
    assert "waiting for a round" not in text(commissioner.get(DASHBOARD))


def test_the_dashboard_query_count_does_not_grow_with_the_data(
        as_user, django_assert_max_num_queries):
    authority = f.AuthorityFactory()
    # Every staff role at once: every section is on the page.
    commissioner = f.CommissionerFactory(
        organisation=authority, roles=["commissioner", "budget_holder", "dps_admin"],
        approval_limit=Decimal("100000"))
    client = as_user(commissioner)
    client.get(DASHBOARD)
    _dashboard_world(authority, 1)
    # One query a section: 17, the lapsed certificates' and the notices to publish.
    with django_assert_max_num_queries(19) as few:
        assert client.get(DASHBOARD).status_code == 200
    _dashboard_world(authority, 12)
    with django_assert_max_num_queries(len(few.captured_queries)) as many:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert "Showing the first 10" in text(response)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_search_finds_a_call_off_referral_and_placement_by_number_and_case_reference(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    calloff = cf.OpenCallOffFactory(referral__authority=authority)
    reference = calloff.referral.child.case_reference
    placement = kf.PlacementFactory(authority=authority, child=calloff.referral.child)
    theirs = cf.OpenCallOffFactory()
    client = as_user(commissioner)

    html = client.get(DASHBOARD, {"q": reference}).content.decode()
    assert reverse("referrals:detail", args=[calloff.referral_id]) in html
    assert reverse("calloffs:detail", args=[calloff.pk]) in html
    assert reverse("contracts:detail", args=[placement.pk]) in html
    # The price says what it is per, as on the placement's own page.
    assert (f"{formatting.money(placement.price)} {placement.lot.get_price_unit_display()}"
            in html)

    html = client.get(DASHBOARD, {"q": str(calloff.pk)}).content.decode()
    assert reverse("calloffs:detail", args=[calloff.pk]) in html
    # Another authority's call-off is never found.
    html = client.get(DASHBOARD, {"q": str(theirs.pk)}).content.decode()
    assert reverse("calloffs:detail", args=[theirs.pk]) not in html
    html = client.get(DASHBOARD, {"q": theirs.referral.child.case_reference}).content.decode()
    assert reverse("calloffs:detail", args=[theirs.pk]) not in html


def test_search_finds_providers_by_name_but_never_children_by_name(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    provider = f.ProviderOrgFactory(name="Harbour Lights Care Ltd")
    placement = kf.PlacementFactory(authority=authority, provider=provider)
    theirs = kf.PlacementFactory(provider=provider, cap=False)
    calloff = cf.OpenCallOffFactory(referral__authority=authority)
    client = as_user(commissioner)
    html = client.get(DASHBOARD, {"q": "harbour lights"}).content.decode()
    assert reverse("monitoring:provider", args=[provider.pk]) in html
    assert reverse("contracts:detail", args=[placement.pk]) in html
    assert reverse("contracts:detail", args=[theirs.pk]) not in html
    # A lot's name finds its call-offs.
    html = client.get(DASHBOARD, {"q": "residential"}).content.decode()
    assert reverse("calloffs:detail", args=[calloff.pk]) in html
    response = client.get(DASHBOARD, {"q": cf.CHILD["first_name"]})
    assert "0 results" in text(response)


def test_search_query_count_is_bounded(as_user, django_assert_max_num_queries):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    for n in range(12):
        kf.PlacementFactory(authority=authority,
                            provider=f.ProviderOrgFactory(name=f"Care {n} Ltd"))
    client = as_user(commissioner)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(18):
        response = client.get(DASHBOARD, {"q": "care"})
    assert "Showing the first 10" in text(response)


# --- Supplier portal ----------------------------------------------------------------------------

QUARTERS = itertools.count()


def _provider_world(provider, n=1):
    for _ in range(n):
        calloff = cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=30))
        membership = (Membership.objects.filter(provider=provider, lot=calloff.lot).first()
                      or f.AdmittedMembershipFactory(provider=provider, lot=calloff.lot))
        cf.invite(calloff, membership)
        cf.EoiFactory(calloff=cf.AwardedCallOffFactory(), provider=provider,
                      outcome="unsuccessful", rank=2, quality_score=70,
                      price_score=Decimal("38.00"), total_score=Decimal("80.00"))
        kf.PlacementFactory(provider=provider, cap=False)
        quarter = next(QUARTERS)
        mf.KpiReturnFactory(provider=provider, period_start=datetime.date(
            2020 + quarter // 4, 1 + 3 * (quarter % 4), 1))
        mf.ActionItemFactory(plan__provider=provider)


def test_the_portal_shows_new_opportunities_since_the_last_visit(as_user):
    provider_user = f.ProviderUserFactory()
    provider = provider_user.organisation
    membership = f.AdmittedMembershipFactory(provider=provider, lot=f.lot("residential"))
    old = cf.OpenCallOffFactory(published_at=_now() - datetime.timedelta(days=2))
    cf.invite(old, membership)
    provider_user.last_portal_visit = _now() - datetime.timedelta(days=1)
    provider_user.save()
    new = cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=10))
    cf.invite(new, membership)
    not_invited = cf.OpenCallOffFactory()

    client = as_user(provider_user)
    html = client.get(PORTAL).content.decode()
    new_section = html.split('id="new-heading"')[1].split('id="responses-heading"')[0]
    assert reverse("calloffs:opportunity", args=[new.pk]) in new_section
    assert reverse("calloffs:opportunity", args=[old.pk]) not in new_section
    assert reverse("calloffs:opportunity", args=[not_invited.pk]) not in html
    closing = html.split('id="todo-heading"')[1].split('id="new-heading"')[0]
    assert reverse("calloffs:opportunity", args=[new.pk]) in closing
    provider_user.refresh_from_db()
    assert provider_user.last_portal_visit > _now() - datetime.timedelta(minutes=1)
    # A reload in the same visit shows the same list.
    html = client.get(PORTAL).content.decode()
    assert reverse("calloffs:opportunity", args=[new.pk]) in html.split('id="new-heading"')[1]
    # The next visit (a new session) counts from this one: nothing is new.
    client.logout()
    html = as_user(provider_user).get(PORTAL).content.decode()
    new_section = html.split('id="new-heading"')[1].split('id="responses-heading"')[0]
    assert "No new opportunities" in new_section


def test_the_portal_shows_outcomes_lots_suspension_dates_and_work_due(as_user):
    provider_user = f.ProviderUserFactory()
    provider = provider_user.organisation
    _provider_world(provider)
    f.SuspendedMembershipFactory(provider=provider, lot=f.lot("fostering"),
                                 suspended_from=datetime.date(2026, 6, 1),
                                 suspended_until=datetime.date(2026, 9, 30))
    page = text(as_user(provider_user).get(PORTAL))
    assert "Feedback: ranked 2; quality 70 out of 100, price score 38.00, total 80.00" in page
    assert "Suspended from 1 June 2026 until 30 September 2026" in page
    assert "Price cap £" in page
    assert "Placement" in page
    assert "Send your KPI return" in page
    assert "Respond to the action: Hold a fire drill each month" in page


def test_the_portal_names_its_placements_by_the_child_not_a_number(as_user):
    # Issue 16's walk-through: "Placement 12: Residential children's homes" named a database
    # row. The awarded provider knows the child's name (API.md), never the case reference.
    provider_user = f.ProviderUserFactory()
    placement = kf.PlacementFactory(provider=provider_user.organisation, cap=False)
    page = text(as_user(provider_user).get(PORTAL))
    child = placement.child
    assert f"{child.first_name} {child.last_name}: {placement.lot.name}" in page
    assert f"Placement {placement.pk}:" not in page
    assert child.case_reference not in page


def test_the_portal_leads_with_the_next_things_to_do_soonest_first(as_user):
    provider_user = f.ProviderUserFactory()
    provider = provider_user.organisation
    today = timezone.localdate()
    membership = f.AdmittedMembershipFactory(provider=provider, lot=f.lot("residential"))
    closing = cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=30))
    cf.invite(closing, membership)
    answered = cf.OpenCallOffFactory(deadline=_now() + datetime.timedelta(hours=20))
    cf.invite(answered, membership)
    cf.EoiFactory(calloff=answered, provider=provider)
    later = cf.OpenCallOffFactory()  # closes in five days: not yet a thing to do
    cf.invite(later, membership)
    late = mf.KpiReturnFactory(provider=provider, due_date=today - datetime.timedelta(days=3))
    overdue = mf.ActionItemFactory(plan__provider=provider, action="Repair the fire door",
                                   due_date=today - datetime.timedelta(days=1))
    soon = mf.ActionItemFactory(plan__provider=provider, action="Train two night staff",
                                due_date=today + datetime.timedelta(days=10))
    html = as_user(provider_user).get(PORTAL).content.decode()
    lead = html.split('id="todo-heading"')[1].split('id="new-heading"')[0]
    # It comes first, before everything else on the page.
    assert html.index('id="todo-heading"') < html.index('id="new-heading"')
    order = [reverse("monitoring:kpi-return", args=[late.pk]),
             reverse("monitoring:plan", args=[overdue.plan_id]),
             reverse("calloffs:opportunity", args=[closing.pk]),
             reverse("monitoring:plan", args=[soon.plan_id])]
    assert all(link in lead for link in order)
    assert [lead.index(link) for link in order] == sorted(lead.index(link) for link in order)
    assert reverse("calloffs:opportunity", args=[answered.pk]) not in lead
    assert reverse("calloffs:opportunity", args=[later.pk]) not in lead
    assert "Late</strong>" in lead
    assert "Overdue</strong>" in lead
    assert "Closing soon</strong>" in lead


def test_the_portal_query_count_does_not_grow_with_the_data(
        as_user, django_assert_max_num_queries):
    provider_user = f.ProviderUserFactory()
    client = as_user(provider_user)
    client.get(PORTAL)
    _provider_world(provider_user.organisation, 1)
    # 20, and at most 3 for the other next things to do (workspace/portal_todo.py).
    with django_assert_max_num_queries(23) as few:
        assert client.get(PORTAL).status_code == 200
    _provider_world(provider_user.organisation, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(PORTAL).status_code == 200


# --- Inviting colleagues -------------------------------------------------------------------------

def _org_admin():
    admin = f.ProviderUserFactory(first_name="Amina", last_name="Okafor")
    admin.is_org_admin = True
    admin.save()
    return admin


def test_an_organisation_administrator_invites_a_colleague_who_sets_a_password(
        as_user, client, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    admin = _org_admin()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(admin).post(INVITE, {
            "first_name": "Ben", "last_name": "Hale", "email": "ben@harbour.example",
            "username": "ben.hale"}, follow=True)
    assert "ben.hale was invited" in text(response)
    colleague = User.objects.get(username="ben.hale")
    assert colleague.organisation_id == admin.organisation_id
    assert colleague.roles == ["provider"]
    assert not colleague.is_org_admin
    assert not colleague.has_usable_password()
    assert colleague.invited_by == admin
    assert AuditEntry.objects.filter(action="user.invited", object_id=colleague.pk,
                                     actor=admin).exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ben@harbour.example"]
    link = re.search(r"http://testserver(/set-password/\?\S+)", mail.outbox[0].body).group(1)
    # Sent once: a retried task sends nothing.
    assert send_invitation(colleague.pk, "http://testserver") == 0
    assert len(mail.outbox) == 1

    client.logout()
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("set-password")
    response = client.post(reverse("set-password"), {"new_password1": "short",
                                                     "new_password2": "short"})
    assert response.status_code == 400
    assert "too short" in error_summary(response)
    response = client.post(reverse("set-password"), {
        "new_password1": "a-long-enough-phrase", "new_password2": "a-long-enough-phrase"})
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    colleague.refresh_from_db()
    assert colleague.check_password("a-long-enough-phrase")
    # The link works once.
    assert "This link does not work" in text(client.get(link))


def test_a_forged_or_reused_set_password_link_does_nothing(client):
    user = f.ProviderUserFactory()
    path = set_password_path(user)
    assert "This link does not work" in text(client.get(path.replace("token=", "token=x")))
    assert "This link does not work" in text(client.get(reverse("set-password")))
    with nothing_changes():
        assert client.post(reverse("set-password"), {
            "new_password1": "a-long-enough-phrase",
            "new_password2": "a-long-enough-phrase"}).status_code == 404


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "", "username": "ben"}, "Enter an email address"),
    ({"email": "not-an-email", "username": "ben"}, "Enter an email address in the correct"),
    ({"email": "ben@example.org", "username": ""}, "Enter a username"),
])
def test_an_invitation_with_bad_details_changes_nothing(as_user, data, message):
    client = as_user(_org_admin())
    with nothing_changes():
        response = client.post(INVITE, data)
    assert response.status_code == 400
    assert message in error_summary(response)


def test_an_invitation_with_a_taken_username_changes_nothing(as_user):
    client = as_user(_org_admin())
    taken = f.ProviderUserFactory()
    with nothing_changes():
        response = client.post(INVITE, {"email": "x@example.org",
                                        "username": taken.username.upper()})
    assert response.status_code == 400
    assert "A user with that username already exists." in error_summary(response)


def test_only_an_organisation_administrator_may_invite(as_user):
    admin = _org_admin()
    colleague = f.ProviderUserFactory(organisation=admin.organisation)
    client = as_user(colleague)
    assert "ask your organisation's administrator" in text(client.get(PORTAL))
    with nothing_changes():
        response = client.post(INVITE, {"email": "x@example.org", "username": "sneaky"})
    assert response.status_code == 403
    client = as_user(f.CommissionerFactory())
    with nothing_changes():
        response = client.post(INVITE, {"email": "x@example.org", "username": "sneaky"})
    assert response.status_code == 403
    assert not User.objects.filter(username="sneaky").exists()


def test_without_a_flagged_administrator_the_first_user_may_invite():
    from dps.services import may_invite

    first = f.ProviderUserFactory()
    second = f.ProviderUserFactory(organisation=first.organisation)
    assert may_invite(first)
    assert not may_invite(second)
    second.is_org_admin = True
    second.save()
    assert may_invite(second)
    assert not may_invite(first)
    assert not may_invite(f.CommissionerFactory())


def test_registering_a_provider_makes_its_first_user_the_organisation_administrator():
    from dps.services import register_provider

    _, user = register_provider(organisation_name="Brook House Care", area="Kent",
                                postcode="ME1 1AA", companies_house_number="",
                                username="brook.admin", password="a-long-enough-phrase",
                                email="admin@brook.example")
    assert user.is_org_admin


# --- Finance, help, cookies, errors --------------------------------------------------------------

def test_the_finance_workspace_links_spend_commitments_payments_and_exports(
        as_user, django_assert_max_num_queries):
    client = as_user(f.FinanceFactory())
    client.get(FINANCE)  # the first request of a session does its own set-up
    # 4 for the page, 4 for what is waiting (invoicing.selectors.finance_waiting).
    with django_assert_max_num_queries(8):
        response = client.get(FINANCE)
    html = response.content.decode()
    for name in ("finance:spend", "finance:commitments", "finance:payments", "finance:exports"):
        assert f'href="{reverse(name)}"' in html


def test_help_pages_explain_each_role_and_the_footer_links_help_and_cookies(as_user, client):
    user = f.CommissionerFactory()
    html = as_user(user).get(DASHBOARD).content.decode()
    footer = html.split('<footer')[1]
    assert f'href="{reverse("help")}"' in footer
    assert f'href="{reverse("cookies")}"' in footer
    assert f'href="{reverse("accessibility")}"' in footer
    for slug in ("commissioners", "providers", "budget-holders", "finance", "administrators"):
        response = as_user(user).get(reverse(f"help-{slug}"))
        assert response.status_code == 200
        assert 'class="govuk-breadcrumbs"' in response.content.decode()


def test_the_cookies_page_is_public_and_lists_only_essential_cookies(client):
    response = client.get(reverse("cookies"))
    assert response.status_code == 200
    page = text(response)
    assert "sessionid" in page
    assert "csrftoken" in page
    assert "do not use analytics" in page


@override_settings(ACCESSIBILITY_CONTACT_EMAIL="access@westsussex.example",
                   ACCESSIBILITY_OPERATOR="West Sussex County Council")
def test_the_accessibility_statement_is_public_with_its_contact_and_known_gaps(client):
    """The Public Sector Bodies Accessibility Regulations 2018 require one, reachable from
    every page (the footer), naming how to get help and what is not yet accessible."""
    response = client.get(reverse("accessibility"))
    assert response.status_code == 200
    page = text(response)
    assert "West Sussex County Council" in page
    assert "access@westsussex.example" in page
    assert "partially compliant" in page
    assert "Equality Advisory and Support Service" in page
    assert "Non-accessible content" in page
    footer = client.get(reverse("cookies")).content.decode().split("<footer")[1]
    assert f'href="{reverse("accessibility")}"' in footer


def test_error_pages_share_the_service_style(as_user):
    response = as_user(f.CommissionerFactory()).get(PORTAL)
    assert response.status_code == 403
    assert "You cannot see this page" in text(response)
    assert "govuk-footer" in response.content.decode()
    response = as_user(f.CommissionerFactory()).get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in text(response)


def test_money_and_dates_are_written_the_uk_way(as_user):
    authority = f.AuthorityFactory()
    commissioner = f.CommissionerFactory(organisation=authority)
    placement = kf.PlacementFactory(authority=authority, price=Decimal("12345.60"),
                                    provider=f.ProviderOrgFactory(name="Care Homes Ltd"))
    page = text(as_user(commissioner).get(DASHBOARD, {"q": "Care Homes"}))
    assert "£12,345.60" in page
    assert f"{placement.start_date:%-d %B %Y}" in page
    assert CallOff.objects.count() == 0
