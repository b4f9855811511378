"""A POST-only address opened with GET (a reloaded failed form) shows a page that leads back."""
import pytest
from django.urls import reverse

from calloffs.models import Question
from dps.sent_forms import nearest_page
from tests import factories as f
from tests.calloffs import factories as cf


@pytest.fixture
def question(db):
    calloff = cf.OpenCallOffFactory()
    return Question.objects.create(calloff=calloff, text="Is there a garden?",
                                   asked_by=cf.admitted_and_invited(calloff).provider)


def test_reloading_a_failed_answer_leads_back_to_the_call_off(as_user, question):
    council = f.CommissionerFactory(organisation=question.calloff.authority)
    url = reverse("calloffs:answer", args=[question.calloff_id, question.pk])
    response = as_user(council).get(url)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = response.content.decode()
    assert "This address sends a form" in page
    assert f'href="{reverse("calloffs:detail", args=[question.calloff_id])}"' in page
    question.refresh_from_db()
    assert question.answer == ""


def test_the_api_keeps_its_json_405(api, commissioner):
    response = api(commissioner).delete("/api/v1/organisations/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_the_nearest_page_walks_up_to_one_that_exists(db):
    assert nearest_page("/call-offs/12/questions/3/answer/") == "/call-offs/12/"
    assert nearest_page("/no-such-place/at-all/") == "/"
