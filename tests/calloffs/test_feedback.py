"""The commissioner's evaluation notes are the bidder's feedback (issue "A council officer's
first week", finding 14): every bidder reads its own with the outcome (page, portal, API,
e-mail), never before; so the notes are scanned for the child's identifiers when written."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from calloffs import services, tasks
from calloffs.models import ExpressionOfInterest
from dps.errors import RuleViolation
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs.factories import CHILD, ClosedCallOffFactory, EoiFactory, admitted_and_invited
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db

FEEDBACK = "Strong education offer; the home is further from school than the other offers."


@pytest.fixture
def decided(commissioner):
    """A call-off awarded to the winner; the loser scored with feedback and told."""
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    offers = []
    for price, score, notes in (("4800.00", 80, "Clear plan for the first month."),
                                ("5200.00", 60, FEEDBACK)):
        membership = admitted_and_invited(calloff)
        eoi = EoiFactory(calloff=calloff, provider=membership.provider, price=Decimal(price))
        services.evaluate_eoi(eoi, by=commissioner, quality_score=score, notes=notes)
        offers.append(eoi)
    winner, loser = offers
    services.recommend(calloff, by=commissioner, eoi=winner, reason="Best value")
    holder = f.BudgetHolderFactory(organisation=calloff.authority)
    services.approve_award(calloff, by=holder)
    return calloff, winner, loser


def test_a_note_naming_the_child_is_refused_and_nothing_is_stored(commissioner):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    eoi = EoiFactory(calloff=calloff)
    with nothing_changes(), pytest.raises(RuleViolation) as refused:
        services.evaluate_eoi(eoi, by=commissioner, quality_score=70,
                              notes=f"Good match for {CHILD['first_name']}.")
    assert refused.value.code == "identifiers_in_text"
    assert "notes" in refused.value.fields
    eoi.refresh_from_db()
    assert (eoi.quality_score, eoi.evaluation_notes) == (None, "")


def test_the_api_refuses_a_note_with_the_childs_case_reference(api, commissioner):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    eoi = EoiFactory(calloff=calloff)
    with nothing_changes():
        response = api(commissioner).post(f"/api/v1/eois/{eoi.pk}/evaluate/", {
            "quality_score": 70,
            "notes": f"See case {calloff.referral.child.case_reference}."}, format="json")
    assert_error(response, 400, "identifiers_in_text")


def test_the_score_form_says_the_provider_reads_it_and_shows_the_refusal(as_user, commissioner):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    eoi = EoiFactory(calloff=calloff)
    client = as_user(commissioner)
    page = text(client.get(reverse("calloffs:detail", args=[calloff.pk])))
    assert f"Feedback for {eoi.provider.name} (optional)" in page
    assert "The provider reads it with the outcome" in page
    with nothing_changes():
        response = client.post(reverse("calloffs:evaluate", args=[calloff.pk, eoi.pk]), {
            f"eoi-{eoi.pk}-quality_score": "70",
            f"eoi-{eoi.pk}-notes": f"{CHILD['last_name']} liked the home."})
    assert "contains the child's last name" in error_summary(response)


def test_the_losing_bidder_reads_its_feedback_on_the_page_portal_and_api(api, as_user,
                                                                         decided):
    calloff, winner, loser = decided
    user = f.ProviderUserFactory(organisation=loser.provider)
    opportunity = text(as_user(user).get(reverse("calloffs:opportunity", args=[calloff.pk])))
    assert "The council's feedback" in opportunity
    assert FEEDBACK in opportunity
    assert "Clear plan for the first month." not in opportunity  # never another's
    assert FEEDBACK[:60] in text(as_user(user).get(reverse("portal")))
    mine = api(user).get("/api/v1/eois/").json()["results"]
    assert [row["result"]["feedback"] for row in mine] == [FEEDBACK]


def test_the_outcome_email_carries_the_feedback(decided):
    calloff, winner, loser = decided
    f.ProviderUserFactory(organisation=loser.provider, email="bids@loser.example")
    mail.outbox.clear()
    ExpressionOfInterest.objects.filter(calloff=calloff).update(outcome_notified_at=None)
    tasks.notify_outcome(calloff.pk)
    (message,) = [m for m in mail.outbox if m.to == ["bids@loser.example"]]
    assert "The council's feedback on your offer:" in message.body
    assert FEEDBACK in message.body


def test_no_feedback_is_shown_before_the_outcome(as_user, commissioner):
    calloff = ClosedCallOffFactory(referral__authority=commissioner.organisation)
    membership = admitted_and_invited(calloff)
    eoi = EoiFactory(calloff=calloff, provider=membership.provider)
    services.evaluate_eoi(eoi, by=commissioner, quality_score=55, notes=FEEDBACK)
    user = f.ProviderUserFactory(organisation=membership.provider)
    assert FEEDBACK not in text(as_user(user).get(reverse("calloffs:opportunity",
                                                          args=[calloff.pk])))
