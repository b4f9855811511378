"""Call-off pages: the commissioner's call-offs, the budget holder's approvals, the provider's
opportunities and responses; and no page a provider sees names the child."""

import datetime
import html as htmllib
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calloffs.models import CallOff, ExpressionOfInterest, Question
from contracts.models import Placement
from providers.models import Dps
from tests import factories as f
from tests.asserts import nothing_changes
from tests.calloffs.factories import (
    CHILD,
    ChildFactory,
    ClosedCallOffFactory,
    EoiFactory,
    OpenCallOffFactory,
    admitted_and_invited,
    awaiting_approval,
    child_identifiers_in,
)
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

CALLOFFS = reverse("calloffs:list")
APPROVALS = reverse("calloffs:approvals")
OPPORTUNITIES = reverse("calloffs:opportunities")
RESPONSES = reverse("calloffs:my-responses")


def date_parts(name, moment):
    local = timezone.localtime(moment) if isinstance(moment, datetime.datetime) else moment
    parts = {f"{name}_day": local.day, f"{name}_month": local.month,
             f"{name}_year": local.year}
    if isinstance(moment, datetime.datetime):
        parts[f"{name}_time"] = f"{local:%H:%M}"
    return parts


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def url(name, *args):
    return reverse(f"calloffs:{name}", args=args)


def invited_provider(calloff, price_cap="5500.00"):
    membership = admitted_and_invited(calloff, price_cap=price_cap)
    return f.ProviderUserFactory(organisation=membership.provider)


@pytest.fixture
def authority(commissioner):
    return commissioner.organisation


# --- Access ---------------------------------------------------------------------------------

GET_PAGES = [CALLOFFS, "/call-offs/1/", APPROVALS, "/approvals/1/", OPPORTUNITIES,
             "/opportunities/1/", RESPONSES]
POST_ACTIONS = ["/call-offs/1/close/", "/call-offs/1/cancel/", "/call-offs/1/no-award/",
                "/call-offs/1/negotiation/", "/call-offs/1/offers/1/score/",
                "/call-offs/1/recommend/", "/call-offs/1/questions/1/answer/",
                "/approvals/1/send-back/", "/opportunities/1/response/",
                "/opportunities/1/response/withdraw/", "/opportunities/1/response/price/",
                "/opportunities/1/questions/"]


@pytest.mark.parametrize("path", GET_PAGES)
def test_anonymous_visitor_is_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("path", POST_ACTIONS)
def test_anonymous_posts_are_sent_to_sign_in(client, path):
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_each_role_opens_only_its_own_pages(as_user, commissioner, provider_user):
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation)
    calloff = OpenCallOffFactory(referral__authority=commissioner.organisation)
    commissioner_pages = [CALLOFFS, url("detail", calloff.pk)]
    holder_pages = [APPROVALS, url("approval", calloff.pk)]
    provider_pages = [OPPORTUNITIES, RESPONSES]
    for user, refused in ((commissioner, holder_pages + provider_pages),
                          (holder, commissioner_pages + provider_pages),
                          (provider_user, commissioner_pages + holder_pages)):
        client = as_user(user)
        for path in refused:
            assert client.get(path).status_code == 403, (user.roles, path)
    assert as_user(provider_user).post(url("close", calloff.pk)).status_code == 403
    assert as_user(holder).post(url("close", calloff.pk)).status_code == 403
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.OPEN


def test_another_authoritys_call_off_is_not_found(as_user, commissioner):
    theirs = OpenCallOffFactory()
    client = as_user(commissioner)
    assert client.get(url("detail", theirs.pk)).status_code == 404
    assert client.post(url("close", theirs.pk)).status_code == 404
    holder = f.BudgetHolderFactory(organisation=commissioner.organisation)
    calloff, _ = awaiting_approval()
    client = as_user(holder)
    assert client.get(url("approval", calloff.pk)).status_code == 404
    assert client.post(url("approval", calloff.pk)).status_code == 404
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWAITING_APPROVAL
    assert not Placement.objects.exists()


def test_an_opportunity_the_provider_was_not_invited_to_is_not_found(as_user, provider_user):
    calloff = OpenCallOffFactory()
    invited_provider(calloff)
    client = as_user(provider_user)
    with nothing_changes():
        assert client.get(url("opportunity", calloff.pk)).status_code == 404
        response = client.post(url("respond", calloff.pk), {"price": "100"})
        assert response.status_code == 404
        assert client.post(url("ask", calloff.pk),
                           {"question-text": "Hi?"}).status_code == 404
    assert not ExpressionOfInterest.objects.exists()
    assert not Question.objects.exists()


def test_each_role_lands_on_its_own_front_door_with_its_own_navigation(as_user, authority):
    commissioner = f.CommissionerFactory(organisation=authority)
    holder = f.BudgetHolderFactory(organisation=authority)
    provider = f.ProviderUserFactory()
    for user, door, shown, hidden in (
            # The front doors of issue 8: the commissioner's dashboard, the supplier portal.
            (commissioner, reverse("dashboard"), ["Referrals", "Call-offs"],
             ["Approvals", "Opportunities"]),
            (holder, APPROVALS, ["Approvals"], ["Referrals", "Call-offs", "Opportunities"]),
            (provider, reverse("portal"), ["Opportunities", "My responses"],
             ["Referrals", "Approvals"])):
        client = as_user(user)
        response = client.get(reverse("home"))
        assert response.status_code == 302, user.roles
        assert response["Location"] == door, user.roles
        nav = re.search(r'<ul class="govuk-service-navigation__list".*?</ul>',
                        client.get(door).content.decode(), re.S).group(0)
        nav = " ".join(re.sub(r"<[^>]+>", " ", nav).split())
        for label in shown:
            assert label in nav, (user.roles, label)
        for label in hidden:
            assert label not in nav, (user.roles, label)


# --- Commissioner: call-offs ----------------------------------------------------------------

def test_call_off_list_shows_own_call_offs_with_counts(as_user, commissioner, authority):
    calloff = OpenCallOffFactory(referral__authority=authority, invited_count=7)
    EoiFactory.create_batch(2, calloff=calloff)
    EoiFactory(calloff=calloff, status=ExpressionOfInterest.Status.WITHDRAWN)
    theirs = OpenCallOffFactory()
    page = text(as_user(commissioner).get(CALLOFFS))
    assert calloff.referral.child.case_reference in page
    assert theirs.referral.child.case_reference not in page
    assert " 7 2 " in page  # invited, live responses


def test_call_off_list_query_count_does_not_grow(as_user, commissioner, authority,
                                                 django_assert_max_num_queries):
    client = as_user(commissioner)
    for calloff in OpenCallOffFactory.create_batch(3, referral__authority=authority):
        EoiFactory(calloff=calloff)
    small = queries(client, CALLOFFS)
    for calloff in ClosedCallOffFactory.create_batch(27, referral__authority=authority):
        EoiFactory.create_batch(2, calloff=calloff)
    with django_assert_max_num_queries(small):
        response = client.get(CALLOFFS)
    assert text(response).count("view the call-off") == 25


def test_call_off_detail_shows_offers_flagged_above_budget(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority,
                                   referral__budget_kind="ceiling",
                                   referral__budget_amount=Decimal("5200.00"))
    cheap = EoiFactory(calloff=calloff, price=Decimal("5000.00"))
    dear = EoiFactory(calloff=calloff, price=Decimal("5400.00"))
    response = as_user(commissioner).get(url("detail", calloff.pk))
    html = response.content.decode()
    page = text(response)
    assert html.count("Above budget</strong>") == 1
    assert cheap.provider.name in page
    assert dear.provider.name in page
    assert "£5,400.00 per week" in page
    assert "Score the quality of each offer" in page
    assert f'id="eoi-{cheap.pk}-quality_score"' in html
    assert "Ranking" in page
    assert "Price score" in page
    assert "Recommend an offer" in page


def test_the_offers_table_sorts_by_its_column_headers(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    first = EoiFactory(calloff=calloff, price=Decimal("5400.00"), quality_score=None,
                       provider__name="Cedar Homes Ltd")
    second = EoiFactory(calloff=calloff, price=Decimal("4800.00"), quality_score=80,
                        provider__name="Alder Care Ltd")
    third = EoiFactory(calloff=calloff, price=Decimal("5100.00"), quality_score=60,
                       provider__name="Birch House Ltd")
    client = as_user(commissioner)

    def order(**query):
        html = client.get(url("detail", calloff.pk), query).content.decode()
        table = html.split('aria-label="Offers"', 1)[1].split("</table>", 1)[0]
        names = [eoi.provider.name for eoi in (first, second, third)]
        return sorted(names, key=table.index), table

    received, table = order()
    assert received == ["Cedar Homes Ltd", "Alder Care Ltd", "Birch House Ltd"]
    assert 'aria-sort="ascending"' not in table  # no column chosen: the order they came
    assert order(sort="provider")[0] == ["Alder Care Ltd", "Birch House Ltd",
                                         "Cedar Homes Ltd"]
    by_price, table = order(sort="-price")
    assert by_price == ["Cedar Homes Ltd", "Birch House Ltd", "Alder Care Ltd"]
    assert 'aria-sort="descending"' in table
    # Not scored yet: last, whichever the direction.
    assert order(sort="-quality")[0] == ["Alder Care Ltd", "Birch House Ltd",
                                         "Cedar Homes Ltd"]
    assert order(sort="quality")[0] == ["Birch House Ltd", "Alder Care Ltd",
                                        "Cedar Homes Ltd"]


def test_call_off_detail_query_count_does_not_grow_with_offers(as_user, commissioner,
                                                               authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    client = as_user(commissioner)
    EoiFactory.create_batch(3, calloff=calloff)
    small = queries(client, url("detail", calloff.pk))
    EoiFactory.create_batch(27, calloff=calloff, quality_score=60)
    assert queries(client, url("detail", calloff.pk)) == small


def test_open_call_off_offers_close_now_but_no_scoring(as_user, commissioner, authority):
    calloff = OpenCallOffFactory(referral__authority=authority)
    EoiFactory(calloff=calloff)
    client = as_user(commissioner)
    page = text(client.get(url("detail", calloff.pk)))
    assert "Close now" in page
    assert "Score the quality" not in page
    response = client.post(url("close", calloff.pk), follow=True)
    assert "Call-off closed" in banner(response)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.CLOSED
    response = client.post(url("close", calloff.pk))
    assert response.status_code == 409
    assert "You cannot close this" in error_summary(response)


def test_commissioner_scores_an_offer(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    eoi = EoiFactory(calloff=calloff)
    client = as_user(commissioner)
    score = url("evaluate", calloff.pk, eoi.pk)
    with nothing_changes():
        response = client.post(score, {f"eoi-{eoi.pk}-quality_score": "101"})
        assert "Enter a quality score from 0 to 100" in error_summary(response)
        assert f'href="#eoi-{eoi.pk}-quality_score"' in response.content.decode()
        response = client.post(score, {f"eoi-{eoi.pk}-quality_score": "lots"})
        assert "Enter the quality score as a whole number" in error_summary(response)
    eoi.refresh_from_db()
    assert eoi.quality_score is None
    response = client.post(score, {f"eoi-{eoi.pk}-quality_score": "72",
                                   f"eoi-{eoi.pk}-notes": "Strong therapeutic model"},
                           follow=True)
    assert f"Quality score saved for {eoi.provider.name}: 72 out of 100." in banner(response)
    eoi.refresh_from_db()
    assert (eoi.quality_score, eoi.evaluation_notes) == (72, "Strong therapeutic model")


def test_scoring_an_open_call_off_is_refused(as_user, commissioner, authority):
    calloff = OpenCallOffFactory(referral__authority=authority)
    eoi = EoiFactory(calloff=calloff)
    response = as_user(commissioner).post(url("evaluate", calloff.pk, eoi.pk),
                                          {f"eoi-{eoi.pk}-quality_score": "70"})
    assert "once closed" in error_summary(response)
    other = EoiFactory()
    assert as_user(commissioner).post(url("evaluate", calloff.pk, other.pk), {
        f"eoi-{other.pk}-quality_score": "70"}).status_code == 404


def test_recommendation_needs_a_choice_scores_and_a_reason(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    first = EoiFactory(calloff=calloff, price=Decimal("4000.00"), quality_score=80)
    second = EoiFactory(calloff=calloff, price=Decimal("5000.00"))
    client = as_user(commissioner)
    recommend = url("recommend", calloff.pk)
    with nothing_changes():
        summary = error_summary(client.post(recommend, {}))
        assert "Choose the offer you recommend" in summary
        assert "Give the reason for the recommendation" in summary
        response = client.post(recommend, {"recommend-eoi": second.pk,
                                           "recommend-reason": "Family preference"})
    assert "Score every offer's quality first (1 still to score)." in error_summary(response)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.CLOSED
    second.quality_score = 70
    second.save()
    response = client.post(recommend, {"recommend-eoi": second.pk,
                                       "recommend-reason": "The family prefers the "
                                                           "home near school"}, follow=True)
    assert f"You recommended {second.provider.name}" in banner(response)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWAITING_APPROVAL
    assert calloff.recommended_eoi == second
    assert first.pk != second.pk


def test_the_recommend_form_hints_at_preference(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    EoiFactory(calloff=calloff, quality_score=50)
    page = text(as_user(commissioner).get(url("detail", calloff.pk)))
    assert "If the offer is not ranked first, say why" in page
    assert "the child's or the family's preference" in page


def test_no_suitable_offer_needs_a_reason(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(url("no-award", calloff.pk), {"no-award-reason": " "})
    assert "Say why no offer was suitable" in error_summary(response)
    assert ' open>' in response.content.decode() or 'details" open' in \
        response.content.decode()
    response = client.post(url("no-award", calloff.pk),
                           {"no-award-reason": "No offer met the SEMH needs"}, follow=True)
    assert "ended without an award" in banner(response)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.NO_AWARD
    assert "No offer met the SEMH needs" in text(response)


def test_commissioner_cancels_a_call_off(as_user, commissioner, authority):
    calloff = OpenCallOffFactory(referral__authority=authority)
    client = as_user(commissioner)
    with nothing_changes():
        assert "Say why you are cancelling" in error_summary(
            client.post(url("cancel", calloff.pk), {}))
    response = client.post(url("cancel", calloff.pk), {"cancel-reason": "Child returned home"},
                           follow=True)
    assert "Call-off cancelled." in banner(response)
    calloff.refresh_from_db()
    assert (calloff.status, calloff.ended_reason) == (CallOff.Status.CANCELLED,
                                                      "Child returned home")


def test_commissioner_opens_a_negotiation(as_user, commissioner, authority):
    calloff = ClosedCallOffFactory(referral__authority=authority)
    EoiFactory(calloff=calloff)
    client = as_user(commissioner)
    past = timezone.now() - datetime.timedelta(days=1)
    with nothing_changes():
        response = client.post(url("negotiation", calloff.pk),
                               date_parts("negotiation-until", past))
    assert "The negotiation must end in the future." in error_summary(response)
    until = (timezone.now() + datetime.timedelta(days=2)).replace(second=0, microsecond=0)
    response = client.post(url("negotiation", calloff.pk),
                           date_parts("negotiation-until", until), follow=True)
    assert "Negotiation open until" in banner(response)
    calloff.refresh_from_db()
    assert calloff.negotiation_until == until


def test_commissioner_answers_a_question_for_every_provider(as_user, commissioner, authority):
    calloff = OpenCallOffFactory(referral__authority=authority)
    asker = invited_provider(calloff)
    other = invited_provider(calloff)
    question = Question.objects.create(calloff=calloff, asked_by=asker.organisation,
                                       text="Is there a garden?")
    client = as_user(commissioner)
    answer = url("answer", calloff.pk, question.pk)
    with nothing_changes():
        assert "Enter your answer" in error_summary(client.post(answer, {}))
    response = client.post(answer, {f"q-{question.pk}-text": "Yes, a large one."}, follow=True)
    assert "Answer published" in banner(response)
    question.refresh_from_db()
    assert question.answer == "Yes, a large one."
    page = text(as_user(other).get(url("opportunity", calloff.pk)))
    assert "Is there a garden?" in page
    assert "Yes, a large one." in page
    assert asker.organisation.name not in page


# --- Budget holder: approvals ---------------------------------------------------------------

def test_approvals_queue_shows_value_limit_and_who_else_can_approve(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("200000"),
                                   first_name="Ann", last_name="Low")
    f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("400000"),
                          first_name="Sam", last_name="High")
    f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("250000"),
                          first_name="Kim", last_name="Middle")
    f.CommissionerFactory(organisation=authority, approval_limit=Decimal("900000"),
                          first_name="Not", last_name="Holder")
    small, _ = awaiting_approval(authority, price="3000.00")  # £156,000
    large, _ = awaiting_approval(authority, price="5000.00")  # £260,000
    awaiting_approval()  # another authority's
    ClosedCallOffFactory(referral__authority=authority)
    page = text(as_user(holder).get(APPROVALS))
    assert "Your approval limit is £200,000.00" in page
    assert page.count("Review the award for") == 2
    assert "£156,000.00" in page
    assert "£260,000.00" in page
    assert "£5,000.00 per week × 52 weeks" in page
    assert page.count("Above your limit") == 1
    assert "Ask Sam High (limit £400,000.00) to approve it instead" in page
    assert "Kim Middle" not in page
    assert "Not Holder" not in page
    assert "Ranked 1 of 1" in page
    assert "Best value" in page  # the commissioner's reason
    assert small.referral.child.case_reference in page


def test_approvals_queue_query_count_does_not_grow(as_user, authority,
                                                   django_assert_max_num_queries):
    holder = f.BudgetHolderFactory(organisation=authority)
    client = as_user(holder)
    for _ in range(3):
        awaiting_approval(authority)
    small = queries(client, APPROVALS)
    for _ in range(27):
        calloff, _ = awaiting_approval(authority)
        EoiFactory(calloff=calloff, quality_score=50)
    with django_assert_max_num_queries(small):
        response = client.get(APPROVALS)
    assert text(response).count("Review the award for") == 30


def test_budget_holder_approves_and_a_placement_is_created(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority)
    calloff, eoi = awaiting_approval(authority)
    client = as_user(holder)
    page = text(client.get(url("approval", calloff.pk)))
    assert "£260,000.00" in page
    assert "Approve the award" in page
    assert "Key decision reference" not in page
    response = client.post(url("approval", calloff.pk), follow=True)
    assert response.redirect_chain[-1][0] == APPROVALS
    message = banner(response)
    assert "Award approved. A placement was created with " + eoi.provider.name in message
    placement = Placement.objects.get()
    assert placement.calloff == calloff
    assert placement.price == eoi.price
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWARDED
    assert "No award is waiting for approval" in text(response)


def test_budget_holder_cannot_approve_above_their_limit(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("100000"))
    f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("300000"),
                          username="deputy")
    calloff, _ = awaiting_approval(authority)
    client = as_user(holder)
    page = text(client.get(url("approval", calloff.pk)))
    assert "above your approval limit of £100,000.00" in page
    # Headed as what it is: not an approval this budget holder can make (issue 16 walk-through).
    assert f"Award above your limit for {calloff.referral.child.case_reference}" in page
    assert "Approve the award for" not in page
    assert "Ask deputy (limit £300,000.00) to approve it instead" in page
    assert "Approve the award</button>" not in client.get(
        url("approval", calloff.pk)).content.decode()
    with nothing_changes():
        response = client.post(url("approval", calloff.pk))
    assert "above your approval limit of £100,000.00" in error_summary(response)
    assert not Placement.objects.exists()


def test_an_award_above_500000_needs_a_key_decision_reference(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("900000"))
    calloff, _ = awaiting_approval(authority, price="11000.00", price_cap="12000.00")
    client = as_user(holder)
    assert "Key decision reference" in text(client.get(url("approval", calloff.pk)))
    with nothing_changes():
        response = client.post(url("approval", calloff.pk), {"key_decision_reference": ""})
    assert "Enter the key decision reference" in error_summary(response)
    assert not Placement.objects.exists()
    response = client.post(url("approval", calloff.pk),
                           {"key_decision_reference": "KD-2026-014"})
    assert response.status_code == 302
    calloff.refresh_from_db()
    assert calloff.key_decision_reference == "KD-2026-014"
    assert Placement.objects.count() == 1


def test_budget_holder_sends_a_recommendation_back(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority)
    calloff, _ = awaiting_approval(authority)
    client = as_user(holder)
    send_back = url("send-back", calloff.pk)
    with nothing_changes():
        assert "Say why you are sending the recommendation back" in error_summary(
            client.post(send_back, {}))
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWAITING_APPROVAL
    response = client.post(send_back, {"send-back-reason": "Check the start date"},
                           follow=True)
    assert "Recommendation sent back" in banner(response)
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.CLOSED
    assert not Placement.objects.exists()


def test_approving_twice_shows_an_error(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority)
    calloff, _ = awaiting_approval(authority)
    client = as_user(holder)
    client.post(url("approval", calloff.pk))
    response = client.post(url("approval", calloff.pk))
    assert "Only a recommendation awaiting approval can be approved" in error_summary(response)
    assert Placement.objects.count() == 1


# --- Provider: opportunities ----------------------------------------------------------------

def test_opportunities_list_only_invited_call_offs_with_filters(as_user, provider_user):
    membership = f.AdmittedMembershipFactory(provider=provider_user.organisation,
                                             lot=f.lot("residential"))
    soon = OpenCallOffFactory(deadline=timezone.now() + datetime.timedelta(hours=20),
                              referral__location_area="Brighton and Hove")
    later = OpenCallOffFactory(referral__location_area="West Sussex")
    for calloff in (soon, later):
        from tests.calloffs.factories import invite
        invite(calloff, membership)
    soon.referral.needs.set([_need("semh")])
    later.referral.needs.set([_need("asd")])
    OpenCallOffFactory()  # not invited
    client = as_user(provider_user)
    page = text(client.get(OPPORTUNITIES))
    assert "2 opportunities" in page
    assert page.count("Closing soon") == 1
    assert "Brighton and Hove" in page
    assert "Autism (ASD)" in page
    assert "1 opportunity matching your filters" in text(client.get(
        OPPORTUNITIES + "?closing_soon=1"))
    assert "West Sussex" in text(client.get(OPPORTUNITIES + "?need=asd"))
    assert "Brighton and Hove" not in text(client.get(OPPORTUNITIES + "?need=asd"))
    assert "1 opportunity" in text(client.get(OPPORTUNITIES + "?area=brighton+and+hove"))
    assert "No opportunities match" in text(client.get(OPPORTUNITIES + "?lot=fostering"))
    # An unknown filter value is ignored, the others still apply.
    assert "1 opportunity" in text(client.get(OPPORTUNITIES + "?lot=nope&need=semh"))


def _need(code):
    from referrals.models import Need

    return Need.objects.get(code=code)


def test_opportunities_list_paginates_with_a_fixed_query_count(as_user, provider_user,
                                                               django_assert_max_num_queries):
    membership = f.AdmittedMembershipFactory(provider=provider_user.organisation,
                                             lot=f.lot("residential"))
    from tests.calloffs.factories import invite

    client = as_user(provider_user)
    for calloff in OpenCallOffFactory.create_batch(3):
        invite(calloff, membership)
        calloff.referral.needs.set([_need("semh"), _need("asd")])
    small = queries(client, OPPORTUNITIES)
    for calloff in OpenCallOffFactory.create_batch(27):
        invite(calloff, membership)
        calloff.referral.needs.set([_need("cse")])
        EoiFactory(calloff=calloff, provider=provider_user.organisation)
    with django_assert_max_num_queries(small):
        response = client.get(OPPORTUNITIES)
    page = text(response)
    assert "30 opportunities" in page
    assert "(page 1 of 2)" in page
    assert page.count("You responded") == 25
    assert "Next page" in page
    second = text(client.get(OPPORTUNITIES + "?page=2"))
    assert second.count(", age 13, published") == 5


def test_provider_sees_the_opportunity_with_its_cap_as_a_hint(as_user):
    calloff = OpenCallOffFactory(referral__budget_kind="ceiling",
                                 referral__budget_amount=Decimal("5123.45"))
    provider = invited_provider(calloff, price_cap="5500.00")
    page = text(as_user(provider).get(url("opportunity", calloff.pk)))
    assert "Residential children's homes, age 13" in page
    assert "Your price cap for this lot is £5,500.00 per week" in page
    assert "Your price, £ per week" in page
    assert "5,123.45" not in page
    assert "5123.45" not in page
    assert "Send expression of interest" in page
    assert "Ask a question" in page


def eoi_data(**overrides):
    start = timezone.localdate() + datetime.timedelta(days=30)
    data = {"price": "£5,250", **date_parts("proposed_start", start),
            "how_needs_met": "A two-bed home with waking night staff.",
            "outcomes_approach": "Monthly outcome reviews."}
    data.update(overrides)
    return data


def test_provider_cannot_send_a_price_above_its_cap(as_user):
    calloff = OpenCallOffFactory()
    provider = invited_provider(calloff, price_cap="5000.00")
    with nothing_changes():
        response = as_user(provider).post(url("respond", calloff.pk), eoi_data())
    assert response.status_code == 200
    assert "Your price is above your cap for this lot" in error_summary(response)
    assert 'href="#price"' in response.content.decode()
    assert not ExpressionOfInterest.objects.exists()


def test_provider_must_complete_the_response(as_user):
    calloff = OpenCallOffFactory()
    provider = invited_provider(calloff)
    with nothing_changes():
        response = as_user(provider).post(url("respond", calloff.pk), eoi_data(
            price="", how_needs_met="", proposed_start_day="40"))
    summary = error_summary(response)
    assert "Enter your price" in summary
    assert "The date the placement could start must be a real date" in summary
    assert "Say how you would meet the child's needs" in summary
    assert not ExpressionOfInterest.objects.exists()


def test_provider_cannot_respond_after_the_deadline(as_user):
    calloff = ClosedCallOffFactory()
    provider = invited_provider(calloff)
    client = as_user(provider)
    assert "You did not respond" in text(client.get(url("opportunity", calloff.pk)))
    with nothing_changes():
        response = client.post(url("respond", calloff.pk), eoi_data())
    assert "The deadline passed" in error_summary(response)
    assert not ExpressionOfInterest.objects.exists()


def test_provider_sends_changes_and_withdraws_an_expression_of_interest(as_user):
    calloff = OpenCallOffFactory()
    provider = invited_provider(calloff)
    client = as_user(provider)
    response = client.post(url("respond", calloff.pk), eoi_data(), follow=True)
    assert "Expression of interest sent" in banner(response)
    eoi = ExpressionOfInterest.objects.get()
    assert (eoi.price, eoi.provider) == (Decimal("5250.00"), provider.organisation)
    page = text(response)
    assert "Change your expression of interest" in page
    assert "£5,250.00 per week" in page

    response = client.post(url("respond", calloff.pk), eoi_data(price="5100"), follow=True)
    assert "Expression of interest updated" in banner(response)
    eoi.refresh_from_db()
    assert eoi.price == Decimal("5100.00")
    assert ExpressionOfInterest.objects.count() == 1

    response = client.post(url("withdraw-response", calloff.pk), follow=True)
    assert "Expression of interest withdrawn" in banner(response)
    eoi.refresh_from_db()
    assert eoi.status == ExpressionOfInterest.Status.WITHDRAWN
    assert "You withdrew your expression of interest" in text(response)
    response = client.post(url("withdraw-response", calloff.pk))
    assert response.status_code == 409


def test_provider_asks_a_question_without_being_named(as_user):
    calloff = OpenCallOffFactory()
    provider = invited_provider(calloff)
    other = invited_provider(calloff)
    client = as_user(provider)
    with nothing_changes():
        assert "Enter your question" in error_summary(client.post(url("ask", calloff.pk), {}))
    response = client.post(url("ask", calloff.pk), {"question-text": "Is there a garden?"},
                           follow=True)
    assert "Question sent" in banner(response)
    assert "Your question: waiting for an answer" in text(response)
    assert Question.objects.get().asked_by == provider.organisation
    # Unanswered, another provider does not see it.
    assert "Is there a garden?" not in text(as_user(other).get(url("opportunity", calloff.pk)))


def test_provider_lowers_its_price_during_a_negotiation(as_user):
    calloff = ClosedCallOffFactory(negotiation_until=timezone.now() + datetime.timedelta(days=1))
    provider = invited_provider(calloff)
    eoi = EoiFactory(calloff=calloff, provider=provider.organisation, price=Decimal("5000"))
    client = as_user(provider)
    assert "Lower your price" in text(client.get(url("opportunity", calloff.pk)))
    with nothing_changes():
        response = client.post(url("revise-price", calloff.pk), {"revise-price": "5200"})
    assert "may only go down" in error_summary(response)
    response = client.post(url("revise-price", calloff.pk), {"revise-price": "4800"},
                           follow=True)
    assert "Price lowered to £4,800.00 per week" in banner(response)
    eoi.refresh_from_db()
    assert (eoi.price, eoi.offered_price) == (Decimal("4800.00"), Decimal("5000.00"))


def test_my_responses_shows_outcome_rank_and_scores_once_decided(as_user, authority):
    holder = f.BudgetHolderFactory(organisation=authority)
    calloff, winner = awaiting_approval(authority)
    loser_user = invited_provider(calloff)
    EoiFactory(calloff=calloff, provider=loser_user.organisation, price=Decimal("5200"),
               quality_score=40)
    client = as_user(loser_user)
    page = text(client.get(RESPONSES))
    assert "Not decided yet" in page
    assert "Unsuccessful" not in page
    as_user(holder).post(url("approval", calloff.pk), follow=True)
    page = text(as_user(loser_user).get(RESPONSES))
    assert "Unsuccessful" in page
    assert " 2 40 " in page  # rank, quality score
    assert winner.provider.name not in page
    detail = text(as_user(loser_user).get(url("opportunity", calloff.pk)))
    assert "Your rank 2" in detail


def test_my_responses_query_count_does_not_grow(as_user, provider_user,
                                                django_assert_max_num_queries):
    client = as_user(provider_user)
    EoiFactory.create_batch(3, provider=provider_user.organisation)
    small = queries(client, RESPONSES)
    EoiFactory.create_batch(27, provider=provider_user.organisation, outcome="unsuccessful",
                            rank=2, quality_score=50)
    EoiFactory.create_batch(3)  # other providers'
    with django_assert_max_num_queries(small):
        response = client.get(RESPONSES)
    assert text(response).count("Residential children's homes, age") == 25


# --- No provider page names the child -------------------------------------------------------

def test_no_provider_page_shows_the_childs_identity(as_user, authority):
    child = ChildFactory(authority=authority, case_reference=CHILD["case_reference"])
    calloff = OpenCallOffFactory(referral__authority=authority, referral__child=child)
    calloff.referral.needs.set([_need("semh")])
    provider = invited_provider(calloff)
    other = invited_provider(calloff)
    answered = Question.objects.create(calloff=calloff, asked_by=other.organisation,
                                       text="Is there a garden?", answer="Yes.",
                                       answered_at=timezone.now())
    client = as_user(provider)
    pages = {
        "opportunities": client.get(OPPORTUNITIES),
        "opportunity": client.get(url("opportunity", calloff.pk)),
        "eoi form with errors": client.post(url("respond", calloff.pk),
                                            eoi_data(price="99999", how_needs_met="")),
        "question with errors": client.post(url("ask", calloff.pk), {}),
    }
    client.post(url("respond", calloff.pk), eoi_data())
    client.post(url("ask", calloff.pk), {"question-text": "Can siblings visit?"})
    pages["opportunity with response and Q&A"] = client.get(url("opportunity", calloff.pk))
    pages["my responses"] = client.get(RESPONSES)
    pages["filtered opportunities"] = client.get(OPPORTUNITIES + "?need=semh&area=west+sussex")
    assert "Is there a garden?" in text(pages["opportunity with response and Q&A"])
    assert answered.asked_by.name not in text(pages["opportunity with response and Q&A"])
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        found = child_identifiers_in(htmllib.unescape(html))
        found += [form for form in ("14 March 2012", "14/03/2012", "2012-03-14",
                                    "RH124QT", "RH12 4QT") if form.lower() in html.lower()]
        assert not found, f"{name} shows the child's {found}"
    # The same pages for the commissioner do show the identity (so the test can see it).
    commissioner_page = as_user(f.CommissionerFactory(organisation=authority)).get(
        reverse("referrals:detail", args=[calloff.referral.pk]))
    assert child_identifiers_in(htmllib.unescape(commissioner_page.content.decode()))


def test_closed_call_off_settings_use_the_dps(as_user, authority):
    # The regime's minimum response days come from the DPS, not the page.
    assert Dps.objects.get(code="children").min_response_days == 0
