"""Passing an award above one's limit to an approver whose limit covers it (issue "A council
officer's first week", finding 5): named, audited, e-mailed through the outbox; the page and
`POST /api/v1/calloffs/{id}/pass-on/` run the same service."""

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from calloffs.models import CallOff
from dps.models import AuditEntry
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.calloffs import factories as cf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """An award worth £260,000; a budget holder up to £100,000, a deputy up to £300,000, a
    colleague up to £200,000 (not enough) and another authority's director up to £1m."""
    calloff, _ = cf.awaiting_approval()
    authority = calloff.authority
    return {
        "calloff": calloff,
        "holder": f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("100000"),
                                        first_name="Sam", last_name="Low"),
        "deputy": f.BudgetHolderFactory(organisation=authority, approval_limit=Decimal("300000"),
                                        first_name="Dee", last_name="Puty",
                                        email="deputy@example.org"),
        "colleague": f.BudgetHolderFactory(organisation=authority,
                                           approval_limit=Decimal("200000")),
        "stranger": f.BudgetHolderFactory(approval_limit=Decimal("1000000")),
    }


def api_url(calloff):
    return f"/api/v1/calloffs/{calloff.pk}/pass-on/"


# --- The API, refusals in the order 401, 403, 404, 409, 400, then the pass -----------------

def test_anonymous_cannot_pass_on(anon, world):
    with nothing_changes():
        assert_error(anon.post(api_url(world["calloff"]), {"to": 1}, format="json"), 401,
                     "not_authenticated")


def test_a_commissioner_cannot_pass_on(api, world):
    client = api(f.CommissionerFactory(organisation=world["calloff"].authority))
    with nothing_changes():
        assert_error(client.post(api_url(world["calloff"]), {"to": world["deputy"].pk},
                                 format="json"), 403, "forbidden")


def test_another_authoritys_budget_holder_finds_no_award(api, world):
    with nothing_changes():
        assert_error(api(world["stranger"]).post(api_url(world["calloff"]),
                                                 {"to": world["deputy"].pk}, format="json"),
                     404, "not_found")


def test_an_award_no_longer_waiting_cannot_be_passed_on(api, world):
    CallOff.objects.filter(pk=world["calloff"].pk).update(status=CallOff.Status.CLOSED)
    with nothing_changes():
        assert_error(api(world["holder"]).post(api_url(world["calloff"]),
                                               {"to": world["deputy"].pk}, format="json"),
                     409, "invalid_transition")


@pytest.mark.parametrize("who", ["colleague", "stranger", "holder", "nobody"])
def test_only_an_approver_whose_limit_covers_it_can_be_chosen(api, world, who):
    to = world[who].pk if who != "nobody" else 999999
    with nothing_changes():
        response = api(world["holder"]).post(api_url(world["calloff"]), {"to": to},
                                             format="json")
    assert_error(response, 400, "invalid")
    assert "to" in response.json()["fields"]


def test_a_budget_holder_whose_limit_covers_it_approves_rather_than_passes(api, world):
    with nothing_changes():
        response = api(world["deputy"]).post(api_url(world["calloff"]),
                                             {"to": world["deputy"].pk}, format="json")
    assert_error(response, 400, "invalid")


def test_passing_on_is_audited_and_emails_the_approver(api, world,
                                                       django_capture_on_commit_callbacks):
    calloff, deputy = world["calloff"], world["deputy"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world["holder"]).post(api_url(calloff), {
            "to": deputy.pk, "note": "Over my limit: please look today."}, format="json")
    assert response.status_code == 200
    assert response.json() == {"to": deputy.pk, "name": "Dee Puty"}
    calloff.refresh_from_db()
    assert calloff.status == CallOff.Status.AWAITING_APPROVAL
    entry = AuditEntry.objects.get(action="calloff.approval_passed_on")
    assert entry.actor == world["holder"]
    assert entry.data["to"] == deputy.pk
    assert entry.reason == "Over my limit: please look today."
    assert [m.to for m in mail.outbox] == [[deputy.email]]
    assert "passed to you by Sam Low" in mail.outbox[0].subject
    assert f"/approvals/{calloff.pk}/" in mail.outbox[0].body


# --- The page -------------------------------------------------------------------------------

def test_the_approve_page_offers_to_pass_an_award_above_the_limit_to_named_approvers(
        as_user, world, django_capture_on_commit_callbacks):
    calloff = world["calloff"]
    client = as_user(world["holder"])
    page = reverse("calloffs:approval", args=[calloff.pk])
    html = client.get(page).content.decode()
    assert "Pass it to an approver" in html
    assert "Dee Puty, approval limit £300,000.00" in html
    assert f'value="{world["colleague"].pk}"' not in html  # £200,000 does not cover it
    action = reverse("calloffs:pass-on", args=[calloff.pk])
    with nothing_changes():
        response = client.post(action, {})
    assert response.status_code == 200
    assert "Choose who should approve it" in error_summary(response)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action, {"pass-on-to": world["deputy"].pk}, follow=True)
    assert "Passed to Dee Puty" in banner(response)
    assert [m.to for m in mail.outbox] == [[world["deputy"].email]]
    # Within the limit there is nothing to pass on.
    assert "Pass it to an approver" not in text(as_user(world["deputy"]).get(page))
