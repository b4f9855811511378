"""Clarification questions: a provider asks, the commissioner answers, every invited provider
sees both, and nobody learns who asked."""

import datetime
import json

import pytest
from django.core import mail
from django.utils import timezone

from calloffs.models import CallOff, Question
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf

pytestmark = pytest.mark.django_db

ASK = {"text": "Is there a garden, and how far is the nearest special school?"}
ANSWER = {"text": "Yes, and the school is two miles away."}


def ask_url(calloff):
    return f"/api/v1/opportunities/{calloff.pk}/questions/"


def answer_url(question, calloff=None):
    return f"/api/v1/calloffs/{(calloff or question.calloff).pk}/questions/{question.pk}/answer/"


@pytest.fixture
def calloff(db):
    return cf.OpenCallOffFactory()


@pytest.fixture
def bidders(calloff):
    """Three invited providers, each with a portal user."""
    return [f.ProviderUserFactory(organisation=cf.admitted_and_invited(calloff).provider)
            for _ in range(3)]


@pytest.fixture
def asker(api, bidders):
    return api(bidders[0])


@pytest.fixture
def council(api, calloff):
    return api(f.CommissionerFactory(organisation=calloff.authority))


@pytest.fixture
def question(calloff, bidders):
    return Question.objects.create(calloff=calloff, asked_by=bidders[0].organisation,
                                   text=ASK["text"])


# --- Ask ------------------------------------------------------------------------------------

def test_anonymous_cannot_ask_a_question(anon, calloff):
    with nothing_changes():
        assert_error(anon.post(ask_url(calloff), ASK, format="json"), 401, "not_authenticated")


def test_commissioner_cannot_ask_a_question(council, calloff):
    with nothing_changes():
        assert_error(council.post(ask_url(calloff), ASK, format="json"), 403, "forbidden")


def test_provider_cannot_ask_a_question_when_not_invited(api, calloff, bidders):
    stranger = api(f.ProviderUserFactory())
    with nothing_changes():
        response = stranger.post(ask_url(calloff), ASK, format="json")
    assert_error(response, 403, "not_invited")


def test_provider_cannot_ask_about_a_calloff_that_does_not_exist(asker):
    with nothing_changes():
        response = asker.post("/api/v1/opportunities/999999/questions/", ASK, format="json")
    assert_error(response, 404, "not_found")


def test_provider_cannot_ask_a_question_when_the_calloff_was_cancelled(asker, calloff):
    CallOff.objects.filter(pk=calloff.pk).update(status=CallOff.Status.CANCELLED)
    with nothing_changes():
        assert_error(asker.post(ask_url(calloff), ASK, format="json"), 409, "invalid_transition")


@pytest.mark.parametrize("status", [CallOff.Status.OPEN, CallOff.Status.CLOSED])
def test_provider_cannot_ask_a_question_after_the_deadline(asker, calloff, status):
    CallOff.objects.filter(pk=calloff.pk).update(
        status=status, deadline=timezone.now() - datetime.timedelta(minutes=1))
    with nothing_changes():
        response = asker.post(ask_url(calloff), ASK, format="json")
    assert_error(response, 400, "deadline_passed")


def test_provider_cannot_ask_an_empty_question(asker, calloff):
    with nothing_changes():
        response = asker.post(ask_url(calloff), {"text": ""}, format="json")
    assert_error(response, 400, "invalid", fields=["text"])


def test_provider_asks_a_question(asker, calloff, bidders):
    response = asker.post(ask_url(calloff), ASK, format="json")
    assert response.status_code == 201, response.json()
    assert set(response.json()) == {"id", "text", "asked_at", "answer", "answered_at"}
    question = Question.objects.get(pk=response.json()["id"])
    assert (question.calloff, question.asked_by) == (calloff, bidders[0].organisation)


# --- Answer ---------------------------------------------------------------------------------

def test_anonymous_cannot_answer_a_question(anon, question):
    with nothing_changes():
        assert_error(anon.post(answer_url(question), ANSWER, format="json"),
                     401, "not_authenticated")


def test_provider_cannot_answer_a_question(asker, question):
    with nothing_changes():
        assert_error(asker.post(answer_url(question), ANSWER, format="json"), 403, "forbidden")


def test_another_authoritys_commissioner_cannot_answer_a_question(api, question):
    client = api(f.CommissionerFactory())
    with nothing_changes():
        assert_error(client.post(answer_url(question), ANSWER, format="json"), 404, "not_found")


def test_commissioner_cannot_answer_a_question_through_another_calloff(council, calloff,
                                                                        bidders):
    other = cf.OpenCallOffFactory(referral__authority=calloff.authority)
    question = Question.objects.create(calloff=other, asked_by=bidders[0].organisation,
                                       text="Elsewhere")
    with nothing_changes():
        response = council.post(answer_url(question, calloff), ANSWER, format="json")
    assert_error(response, 404, "not_found")


def test_commissioner_cannot_answer_a_question_twice(council, question):
    council.post(answer_url(question), ANSWER, format="json")
    with nothing_changes():
        response = council.post(answer_url(question), {"text": "Changed"}, format="json")
    assert_error(response, 409, "invalid_transition")


def test_commissioner_cannot_give_an_empty_answer(council, question):
    with nothing_changes():
        response = council.post(answer_url(question), {"text": ""}, format="json")
    assert_error(response, 400, "invalid", fields=["text"])


def test_every_invited_provider_sees_the_answer_without_the_askers_identity(
        api, council, calloff, question, bidders, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = council.post(answer_url(question), ANSWER, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["answer"] == ANSWER["text"]

    asker = bidders[0].organisation
    for user in bidders:
        detail = api(user).get(f"/api/v1/opportunities/{calloff.pk}/").json()
        [shown] = detail["questions"]
        assert set(shown) == {"id", "text", "asked_at", "answer", "answered_at"}
        assert (shown["text"], shown["answer"]) == (ASK["text"], ANSWER["text"])
        text = json.dumps(shown)
        assert asker.name not in text
        assert "asked_by" not in text
        assert "provider" not in text
    # The answer e-mail goes to every invited provider, and names nobody.
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == sorted(user.email for user in bidders)
    for message in mail.outbox:
        assert ANSWER["text"] in message.body
        assert asker.name not in message.body


def test_other_providers_do_not_see_an_unanswered_question(api, calloff, question, bidders):
    for user in bidders[1:]:
        detail = api(user).get(f"/api/v1/opportunities/{calloff.pk}/").json()
        assert detail["questions"] == []
    # The asker sees its own, still unanswered.
    [own] = api(bidders[0]).get(f"/api/v1/opportunities/{calloff.pk}/").json()["questions"]
    assert (own["id"], own["answer"], own["answered_at"]) == (question.pk, "", None)


def test_the_authority_sees_the_question_in_the_calloff(council, calloff, question):
    detail = council.get(f"/api/v1/calloffs/{calloff.pk}/").json()
    assert [q["id"] for q in detail["questions"]] == [question.pk]
