"""Admission pages: sign-in and roles, apply, my applications, rounds, round detail, decide."""

import datetime
import re

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from providers.models import AdmissionRound, Application, Membership
from tests import factories as f

pytestmark = pytest.mark.django_db

APPLY = reverse("providers:apply")
MINE = reverse("providers:my-applications")
ROUNDS = reverse("providers:rounds")
ALL_DECLARATIONS = ["equality_policy", "insurance", "no_discrimination_findings_3y"]


@pytest.fixture
def as_user(client):
    """as_user(user) → the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def text(response):
    """The page's text without tags, whitespace collapsed: what a person reads."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def error_summary(response):
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    assert match, "no error summary on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


# --- Signing in and roles -------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    APPLY, MINE, ROUNDS, "/providers/rounds/1/", "/providers/applications/1/decide/",
])
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_sign_in_page_shows_an_error_summary_for_a_wrong_password(client, provider_user):
    response = client.post(reverse("login"), {"username": provider_user.username,
                                              "password": "wrong"})
    assert response.status_code == 200
    assert "Enter a correct username and password" in error_summary(response)
    assert "<title>Error: Sign in – Placements DPS</title>" in response.content.decode()


def test_provider_signs_in_and_out(client, provider_user):
    response = client.post(reverse("login"), {"username": provider_user.username,
                                              "password": "correct-horse-battery"})
    assert response.status_code == 302
    page = client.get(MINE)
    assert "Sign out" in text(page)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(MINE).status_code == 302


@pytest.mark.parametrize("url", [ROUNDS, "/providers/rounds/{round}/",
                                 "/providers/applications/{application}/decide/"])
def test_provider_cannot_open_administrator_pages(as_user, provider_user, url):
    application = f.AwaitingDecisionApplicationFactory()
    url = url.format(round=application.round_id, application=application.pk)
    response = as_user(provider_user).get(url)
    assert response.status_code == 403
    assert "You cannot see this page" in text(response)


@pytest.mark.parametrize("url", [APPLY, MINE])
def test_authority_users_cannot_open_provider_pages(as_user, dps_admin, commissioner, url):
    assert as_user(dps_admin).get(url).status_code == 403
    assert as_user(commissioner).get(url).status_code == 403


def test_commissioner_cannot_close_a_round(as_user, commissioner):
    round_ = f.OpenRoundFactory()
    response = as_user(commissioner).post(reverse("providers:close-round", args=[round_.pk]))
    assert response.status_code == 403
    round_.refresh_from_db()
    assert round_.status == AdmissionRound.Status.OPEN


def test_navigation_follows_the_roles(as_user, provider_user):
    page = text(as_user(provider_user).get(MINE))
    assert "Apply to join" in page
    assert "Admission rounds" not in page


def test_error_pages_render(as_user, provider_user):
    response = as_user(provider_user).get(APPLY + "?dps=no-such-dps")
    assert response.status_code == 404
    assert "Page not found – Placements DPS" in response.content.decode()
    # The 500 page renders with no request and no context processors.
    html = loader.get_template("errors/500.html").render()
    assert "Sorry, there is a problem with the service" in html


# --- Apply to join --------------------------------------------------------------------------

def apply_data(**overrides):
    data = {"lots": ["fostering"], "cap_fostering": "1,100.00", "ofsted_urn": "sc123456",
            "declarations": ALL_DECLARATIONS}
    data.update(overrides)
    return data


def test_apply_page_lists_the_lots_with_their_units(as_user, provider_user):
    f.OpenRoundFactory()
    response = as_user(provider_user).get(APPLY)
    page = text(response)
    assert response.status_code == 200
    assert "<title>Apply to join – Placements DPS</title>" in response.content.decode()
    assert "Your price cap for Independent fostering, £ per week" in page
    assert "Your price cap for Tuition and alternative provision, £ per hour" in page
    assert "does not guarantee you any business" in page
    assert "no charges to providers" in page


def test_provider_cannot_apply_with_a_zero_cap_or_missing_declarations(as_user, provider_user):
    f.OpenRoundFactory()
    before = Application.objects.count()
    response = as_user(provider_user).post(APPLY, apply_data(
        lots=["residential", "fostering"], cap_fostering="0", cap_residential="4500",
        declarations=["insurance"]))
    assert response.status_code == 200
    summary = error_summary(response)
    assert "The price cap must be more than £0." in summary
    assert "Confirm every declaration" in summary
    html = response.content.decode()
    # Each message links to its field and shows beside it.
    assert 'href="#cap_fostering"' in html
    assert 'href="#declarations"' in html
    assert 'id="cap_fostering-error"' in html
    assert 'id="cap_residential-error"' not in html
    assert "<title>Error: Apply to join" in html
    # The refused submission left no draft behind.
    assert Application.objects.count() == before


def test_provider_must_give_a_cap_for_each_lot_chosen(as_user, provider_user):
    f.OpenRoundFactory()
    response = as_user(provider_user).post(APPLY, apply_data(cap_fostering=""))
    assert "Enter your price cap for Independent fostering" in error_summary(response)
    assert Application.objects.count() == 0


def test_provider_must_choose_a_lot(as_user, provider_user):
    f.OpenRoundFactory()
    response = as_user(provider_user).post(APPLY, apply_data(lots=[]))
    assert "Choose at least one lot." in error_summary(response)
    assert 'href="#lots"' in response.content.decode()
    assert Application.objects.count() == 0


def test_provider_applies_when_no_round_is_open_or_scheduled_and_is_told_it_waits(
        as_user, provider_user):
    client = as_user(provider_user)
    form = client.get(APPLY)
    assert "You can still apply now: your application waits" in text(form)
    response = client.post(APPLY, apply_data())
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.round is None
    page = client.get(MINE)
    assert "We will consider it in the next admission round to open" in text(page)
    assert "Waiting for the next admission round" in text(page)
    portal = client.get(reverse("portal"))
    assert "Your application is waiting for the next admission round" in text(portal)


def test_provider_applies_and_sees_the_application(as_user, provider_user):
    round_ = f.OpenRoundFactory()
    client = as_user(provider_user)
    response = client.post(APPLY, apply_data(credit_check_date_day="3",
                                             credit_check_date_month="2",
                                             credit_check_date_year="2025",
                                             credit_check_result="pass"))
    assert response.status_code == 302
    assert response["Location"] == MINE
    application = Application.objects.get()
    assert application.status == Application.Status.SUBMITTED
    assert application.round == round_
    assert application.provider == provider_user.organisation
    assert application.ofsted_urn == "SC123456"
    assert application.credit_check_date == datetime.date(2025, 2, 3)
    assert [(item.lot.code, str(item.price_cap)) for item in application.lots.all()] == [
        ("fostering", "1100.00")]
    page = client.get(MINE)
    assert "govuk-notification-banner--success" in page.content.decode()
    assert "Application submitted" in text(page)
    assert "£1,100.00 per week" in text(page)


def test_credit_check_date_must_be_a_real_date(as_user, provider_user):
    f.OpenRoundFactory()
    response = as_user(provider_user).post(APPLY, apply_data(
        credit_check_date_day="31", credit_check_date_month="2",
        credit_check_date_year="2025"))
    assert "The date of your credit check must be a real date" in error_summary(response)
    assert 'href="#credit_check_date-day"' in response.content.decode()
    assert Application.objects.count() == 0


# --- My applications ------------------------------------------------------------------------

def test_provider_sees_only_its_own_applications_and_memberships(as_user, provider_user):
    mine = f.DecidedApplicationFactory(provider=provider_user.organisation)
    mine.lots.update(outcome="rejected", reason="Insurance below the required level")
    f.SuspendedMembershipFactory(provider=provider_user.organisation, lot=f.lot("residential"),
                                 suspended_until=datetime.date(2030, 1, 15))
    theirs = f.SubmittedApplicationFactory()
    f.MembershipFactory(provider=theirs.provider)
    page = text(as_user(provider_user).get(MINE))
    assert "Insurance below the required level" in page
    assert "Suspended" in page
    assert "15 January 2030" in page
    assert theirs.provider.name not in page
    assert page.count("Lots applied for") == 1


# --- Rounds ---------------------------------------------------------------------------------

def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_rounds_page_query_count_does_not_grow(as_user, dps_admin,
                                               django_assert_max_num_queries):
    client = as_user(dps_admin)
    f.SubmittedApplicationFactory.create_batch(3, round=f.OpenRoundFactory())
    with django_assert_max_num_queries(8):
        small = client.get(ROUNDS)
    f.AwaitingDecisionApplicationFactory.create_batch(15, round=f.ClosedRoundFactory())
    f.DecidedApplicationFactory.create_batch(12, round=f.CompletedRoundFactory())
    with django_assert_max_num_queries(8):
        large = client.get(ROUNDS)
    assert _queries(client, ROUNDS) == _queries(client, ROUNDS)
    assert small.status_code == large.status_code == 200
    page = text(large)
    assert "Close now" in page
    assert " 15 15 " in page  # the closed round: 15 applications, all undecided


def test_round_detail_query_count_does_not_grow(as_user, dps_admin,
                                                django_assert_max_num_queries):
    client = as_user(dps_admin)
    round_ = f.ClosedRoundFactory()
    url = reverse("providers:round", args=[round_.pk])
    f.AwaitingDecisionApplicationFactory.create_batch(3, round=round_)
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    f.AwaitingDecisionApplicationFactory.create_batch(
        27, round=round_, lots={"fostering": "1000.00", "residential": "4000.00"})
    with django_assert_max_num_queries(8) as large:
        response = client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
    assert text(response).count("Decide the application from") == 30


def test_round_detail_pages_a_large_round(as_user, dps_admin):
    round_ = f.ClosedRoundFactory()
    f.AwaitingDecisionApplicationFactory.create_batch(53, round=round_)
    url = reverse("providers:round", args=[round_.pk])
    first = text(as_user(dps_admin).get(url))
    second = text(as_user(dps_admin).get(url + "?page=2"))
    assert first.count("Decide the application from") == 50
    assert second.count("Decide the application from") == 3
    assert "Next page" in first


def test_round_detail_marks_overdue_decisions(as_user, dps_admin):
    overdue = f.AwaitingDecisionApplicationFactory(
        evaluation_due=timezone.localdate() - datetime.timedelta(days=14))
    f.AwaitingDecisionApplicationFactory(round=overdue.round)
    response = as_user(dps_admin).get(reverse("providers:round", args=[overdue.round_id]))
    html = response.content.decode()
    assert html.count('govuk-tag govuk-tag--red">Overdue') == 1
    assert "working days by" not in html


def test_admin_schedules_a_round(as_user, dps_admin):
    opens = timezone.localdate() + datetime.timedelta(days=7)
    closes = opens + datetime.timedelta(days=14)
    response = as_user(dps_admin).post(ROUNDS, {
        "opens_at_day": opens.day, "opens_at_month": opens.month, "opens_at_year": opens.year,
        "opens_at_time": "09:00", "closes_at_day": closes.day,
        "closes_at_month": closes.month, "closes_at_year": closes.year,
        "closes_at_time": "17:30"}, follow=True)
    round_ = AdmissionRound.objects.get()
    assert round_.status == AdmissionRound.Status.SCHEDULED
    assert timezone.localtime(round_.opens_at).time() == datetime.time(9, 0)
    assert "Round scheduled" in text(response)


def test_admin_cannot_schedule_a_round_with_a_bad_time_or_an_overlap(as_user, dps_admin):
    client = as_user(dps_admin)
    open_round = f.OpenRoundFactory()
    today = timezone.localdate()
    data = {"opens_at_day": today.day, "opens_at_month": today.month,
            "opens_at_year": today.year, "opens_at_time": "25:00", "closes_at_day": "",
            "closes_at_month": "", "closes_at_year": "", "closes_at_time": ""}
    summary = error_summary(client.post(ROUNDS, data))
    assert "Enter the time the round opens in 24-hour format" in summary
    assert "Enter the date and time the round closes" in summary
    closes = timezone.localtime(open_round.closes_at)
    data.update(opens_at_time="08:00", closes_at_day=closes.day, closes_at_month=closes.month,
                closes_at_year=closes.year, closes_at_time="23:59")
    assert "Overlaps another round" in error_summary(client.post(ROUNDS, data))
    assert AdmissionRound.objects.count() == 1


def test_admin_closes_a_round_now(as_user, dps_admin):
    application = f.SubmittedApplicationFactory()
    response = as_user(dps_admin).post(
        reverse("providers:close-round", args=[application.round_id]), follow=True)
    assert "Round closed. 1 application to decide." in text(response)
    application.refresh_from_db()
    assert application.round.status == AdmissionRound.Status.CLOSED
    assert application.evaluation_due is not None


def test_closing_a_closed_round_shows_an_error_not_a_crash(as_user, dps_admin):
    round_ = f.ClosedRoundFactory()
    response = as_user(dps_admin).post(reverse("providers:close-round", args=[round_.pk]))
    assert response.status_code == 409
    assert "You cannot close" in error_summary(response)


# --- Decide ---------------------------------------------------------------------------------

def decide_url(application):
    return reverse("providers:decide", args=[application.pk])


def test_admin_admits_a_provider(as_user, dps_admin):
    application = f.AwaitingDecisionApplicationFactory(
        lots={"fostering": "1100.00", "residential": "4200.00"})
    response = as_user(dps_admin).post(decide_url(application), {
        "outcome_fostering": "admitted", "reason_fostering": "Meets every criterion",
        "outcome_residential": "rejected", "reason_residential": "No registered home"})
    assert response.status_code == 302
    assert response["Location"] == reverse("providers:round", args=[application.round_id])
    application.refresh_from_db()
    assert application.status == Application.Status.DECIDED
    membership = Membership.objects.get(provider=application.provider)
    assert (membership.lot.code, str(membership.price_cap)) == ("fostering", "1100.00")


def test_admin_must_give_a_reason_to_reject(as_user, dps_admin):
    application = f.AwaitingDecisionApplicationFactory()
    response = as_user(dps_admin).post(decide_url(application),
                                       {"outcome_fostering": "rejected"})
    assert "Give the reason for a rejection." in error_summary(response)
    assert 'href="#reason_fostering"' in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_admin_must_decide_every_lot(as_user, dps_admin):
    application = f.AwaitingDecisionApplicationFactory()
    response = as_user(dps_admin).post(decide_url(application), {})
    assert "Decide every lot applied for" in error_summary(response)
    assert 'href="#outcome_fostering"' in response.content.decode()


def test_admin_cannot_admit_a_debarred_provider(as_user, dps_admin):
    application = f.AwaitingDecisionApplicationFactory()
    f.DebarmentFactory(organisation=application.provider)
    response = as_user(dps_admin).post(decide_url(application),
                                       {"outcome_fostering": "admitted"})
    assert "on the debarment list" in error_summary(response)
    assert not Membership.objects.exists()


def test_admin_cannot_decide_before_the_round_closes(as_user, dps_admin):
    application = f.SubmittedApplicationFactory()
    client = as_user(dps_admin)
    assert "Applications are decided once their round has closed" in text(
        client.get(decide_url(application)))
    response = client.post(decide_url(application), {"outcome_fostering": "admitted"})
    assert "decided once their round has closed" in error_summary(response)
    assert not Membership.objects.exists()
