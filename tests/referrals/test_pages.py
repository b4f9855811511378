"""Referral pages: list, new referral (lot, then the form), detail, change, publish, panel
decision and withdraw."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from calloffs.models import CallOff, Invitation
from dps.models import AuditEntry
from providers.models import Dps
from referrals.models import Child, Referral
from tests import factories as f
from tests.asserts import nothing_changes
from tests.calloffs.factories import CHILD, EoiFactory, OpenCallOffFactory, ReferralFactory
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db

LIST = reverse("referrals:list")
NEW = reverse("referrals:new")


def date_parts(name, day, time=None):
    parts = {f"{name}_day": day.day, f"{name}_month": day.month, f"{name}_year": day.year}
    if time:
        parts[f"{name}_time"] = time
    return parts


def referral_data(**overrides):
    start = timezone.localdate() + datetime.timedelta(days=30)
    data = {
        "first_name": CHILD["first_name"], "last_name": CHILD["last_name"],
        **date_parts("date_of_birth", CHILD["date_of_birth"]),
        "case_reference": CHILD["case_reference"], "postcode": CHILD["postcode"],
        "needs": ["semh", "asd"], "outcomes": ["safety", "health"],
        "summary": "Needs a calm home with waking night staff and education on site.",
        **date_parts("placement_start", start),
        "duration_weeks": "52", "location_area": "West Sussex", "urgency": "urgent",
        "budget_kind": "ceiling", "budget_amount": "£4,800",
        "alternatives_considered": ["in_house_homes"], "alternatives_notes": "",
    }
    data.update(overrides)
    return data


def publish_data(days=3, **overrides):
    deadline = timezone.localdate() + datetime.timedelta(days=days)
    data = {**date_parts("deadline", deadline, "12:00"), "quality_weight": "60",
            "price_weight": "40", "short_deadline_reason": ""}
    data.update(overrides)
    return data


def detail_url(referral):
    return reverse("referrals:detail", args=[referral.pk])


def publish_url(referral):
    return reverse("referrals:publish", args=[referral.pk])


# --- Access ---------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [LIST, NEW, "/referrals/1/", "/referrals/1/change/",
                                 "/referrals/1/publish/", "/referrals/1/panel-decision/",
                                 "/referrals/1/withdraw/"])
def test_anonymous_visitor_is_sent_to_sign_in(client, url):
    response = client.post(url) if url.endswith(("publish/", "decision/", "withdraw/")) \
        else client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("factory", [f.ProviderUserFactory, f.BudgetHolderFactory,
                                     f.FinanceFactory, f.DpsAdminFactory])
def test_only_commissioners_open_the_referral_pages(as_user, factory):
    user = factory()
    referral = ReferralFactory(authority=user.organisation) if user.organisation.is_authority \
        else ReferralFactory()
    client = as_user(user)
    for url in (LIST, NEW, detail_url(referral)):
        response = client.get(url)
        assert response.status_code == 403
        assert "You cannot see this page" in text(response)
    assert client.post(publish_url(referral), publish_data()).status_code == 403
    assert not CallOff.objects.exists()


def test_commissioner_cannot_see_or_publish_another_authoritys_referral(as_user, commissioner):
    theirs = ReferralFactory()
    client = as_user(commissioner)
    with nothing_changes():
        assert client.get(detail_url(theirs)).status_code == 404
        assert client.get(reverse("referrals:edit", args=[theirs.pk])).status_code == 404
        assert client.post(reverse("referrals:edit", args=[theirs.pk]),
                           referral_data()).status_code == 404
        assert client.post(publish_url(theirs), publish_data()).status_code == 404
        assert client.post(reverse("referrals:withdraw", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Referral.Status.DRAFT
    assert theirs.child.first_name not in text(client.get(LIST))


# --- List -----------------------------------------------------------------------------------

def test_list_shows_own_referrals_with_their_call_offs(as_user, commissioner):
    authority = commissioner.organisation
    draft = ReferralFactory(authority=authority)
    calloff = OpenCallOffFactory(referral__authority=authority)
    EoiFactory.create_batch(2, calloff=calloff)
    ReferralFactory()  # another authority's
    page = text(as_user(commissioner).get(LIST))
    assert draft.child.case_reference in page
    assert calloff.referral.child.case_reference in page
    assert "2 responses" in page
    assert "Not published" in page
    assert page.count("view the referral") == 2
    # A published referral shows where its call-off has got to, not "Published" for ever.
    assert "Open" in page
    assert "Published" not in page


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_list_query_count_does_not_grow(as_user, commissioner, django_assert_max_num_queries):
    authority = commissioner.organisation
    client = as_user(commissioner)
    ReferralFactory.create_batch(2, authority=authority)
    EoiFactory(calloff=OpenCallOffFactory(referral__authority=authority))
    small = _queries(client, LIST)
    ReferralFactory.create_batch(17, authority=authority)
    for calloff in OpenCallOffFactory.create_batch(10, referral__authority=authority):
        EoiFactory.create_batch(2, calloff=calloff)
    with django_assert_max_num_queries(small):
        response = client.get(LIST)
    assert text(response).count("view the referral") == 25  # the first page of 30


# --- New referral ---------------------------------------------------------------------------

def test_new_referral_asks_for_the_lot_first(as_user, commissioner):
    client = as_user(commissioner)
    page = text(client.get(NEW))
    assert "Which lot is the placement for?" in page
    assert "Tuition and alternative provision" in page
    assert "Priced per hour" in page
    response = client.get(NEW + "?lot=no-such-lot")
    assert "Choose the lot the placement is for" in error_summary(response)


def test_new_referral_form_marks_the_identity_and_prices_in_the_lots_unit(as_user,
                                                                          commissioner):
    client = as_user(commissioner)
    page = text(client.get(NEW + "?lot=residential"))
    assert "Kept by the council, never shown to providers" in page
    assert "Self-harm" in page  # needs from the taxonomy
    assert "Well-being" in page  # the eleven outcome domains
    assert "per week" in page
    assert "How many hours a week?" not in page
    tuition = text(client.get(NEW + "?lot=tuition"))
    assert "How many hours a week?" in tuition
    assert "per hour" in tuition


def test_commissioner_must_fill_the_form_and_nothing_is_written(as_user, commissioner):
    with nothing_changes():
        response = as_user(commissioner).post(NEW + "?lot=residential", referral_data(
            first_name="", date_of_birth_day="31", date_of_birth_month="2", summary="",
            duration_weeks="0", alternatives_considered=[], budget_amount="lots"))
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Enter the child's first name" in summary
    assert "The date of birth must be a real date" in summary
    assert "Enter a summary for providers" in summary
    assert "The placement must be for at least 1 week" in summary
    assert "Enter the budget as an amount in pounds" in summary
    assert "Select the alternatives you have considered, or say in the notes why" in summary
    html = response.content.decode()
    assert 'href="#date_of_birth-day"' in html
    assert 'href="#alternatives_considered"' in html
    assert "<title>Error: New referral" in html
    assert not Referral.objects.exists()
    assert not Child.objects.exists()


def test_a_note_explains_why_no_alternative_was_considered(as_user, commissioner):
    response = as_user(commissioner).post(NEW + "?lot=residential", referral_data(
        alternatives_considered=[], alternatives_notes="Sibling group: no in-house capacity."))
    assert response.status_code == 302
    assert Referral.objects.get().alternatives_notes.startswith("Sibling group")


def test_service_rules_come_back_beside_their_fields(as_user, commissioner):
    # Budget kind without an amount: create_referral's rule, not the form's.
    with nothing_changes():
        response = as_user(commissioner).post(NEW + "?lot=tuition", referral_data(
            budget_amount="", hours_per_week="15"))
    assert "Give both the kind of budget and its amount, or neither." in \
        error_summary(response)
    assert 'href="#budget_amount"' in response.content.decode()
    assert not Referral.objects.exists()


def test_commissioner_creates_a_referral(as_user, commissioner):
    client = as_user(commissioner)
    response = client.post(NEW + "?lot=tuition", referral_data(hours_per_week="15"))
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(referral)
    assert referral.authority == commissioner.organisation
    assert referral.lot.code == "tuition"
    assert referral.hours_per_week == Decimal("15")
    assert referral.budget_amount == Decimal("4800.00")
    assert referral.urgency == "urgent"
    assert sorted(n.code for n in referral.needs.all()) == ["asd", "semh"]
    assert referral.child.date_of_birth == CHILD["date_of_birth"]
    page = client.get(detail_url(referral))
    html = page.content.decode()
    assert "govuk-notification-banner--success" in html
    page = text(page)
    assert "Referral saved as a draft" in page
    assert "Jayden Oakes" in page
    assert "14 March 2012" in page
    assert "£4,800.00 per hour (ceiling)" in page
    assert "Social, emotional and mental health (SEMH)" in page
    assert "Safety, Health" in page
    assert "In-house children's homes" in page
    assert "Publish to providers" in page


# --- Publish --------------------------------------------------------------------------------

def test_publish_refuses_text_that_names_the_child(as_user, commissioner):
    referral = ReferralFactory(authority=commissioner.organisation,
                               summary="Jayden needs a calm home; ref WSCC-48213.",
                               child__case_reference="WSCC-48213")
    client = as_user(commissioner)
    # The page warns before anyone tries.
    assert "The text providers read identifies the child" in text(client.get(
        detail_url(referral)))
    with nothing_changes():
        response = client.post(publish_url(referral), publish_data())
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Summary: contains the child's first name." in summary
    assert "Summary: contains the child's case reference." in summary
    html = response.content.decode()
    change = reverse("referrals:edit", args=[referral.pk])
    assert f'href="{change}#summary"' in html
    assert "<title>Error: Referral" in html
    assert not CallOff.objects.exists()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DRAFT


def test_commissioner_changes_the_summary_then_publishes(as_user, commissioner):
    referral = ReferralFactory(authority=commissioner.organisation,
                               summary="Jayden needs a calm home.")
    client = as_user(commissioner)
    change = reverse("referrals:edit", args=[referral.pk])
    form = text(client.get(change))
    assert "Providers would see the child's identity" in form
    assert "Summary: contains the child's first name." in form
    response = client.post(change, referral_data(
        case_reference=referral.child.case_reference, summary="Needs a calm home."))
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.summary == "Needs a calm home."
    assert AuditEntry.objects.filter(action="referral.updated").exists()
    response = client.post(publish_url(referral), publish_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("calloffs:detail", args=[referral.calloff.pk])


def test_publish_checks_the_form_first(as_user, commissioner):
    referral = ReferralFactory(authority=commissioner.organisation)
    with nothing_changes():
        response = as_user(commissioner).post(publish_url(referral), publish_data(
            deadline_day="31", deadline_month="2", quality_weight="70"))
        summary = error_summary(response)
        assert "The date responses close must be a real date" in summary
        response = as_user(commissioner).post(publish_url(referral), publish_data(
            quality_weight="70"))
    assert "The quality and price weights must add up to 100." in error_summary(response)
    assert 'href="#quality_weight"' in response.content.decode()
    assert not CallOff.objects.exists()


def test_a_short_deadline_needs_a_reason(as_user, commissioner):
    Dps.objects.filter(code="children").update(min_response_days=10)
    referral = ReferralFactory(authority=commissioner.organisation)
    client = as_user(commissioner)
    assert "providers get at least 10 days to respond" in text(client.get(
        detail_url(referral)))
    with nothing_changes():
        response = client.post(publish_url(referral), publish_data(days=3))
    assert "record the reason" in error_summary(response)
    assert 'href="#short_deadline_reason"' in response.content.decode()
    assert not CallOff.objects.exists()
    response = client.post(publish_url(referral), publish_data(
        days=3, short_deadline_reason="Emergency placement agreed by the head of service"))
    assert response.status_code == 302
    assert CallOff.objects.get().short_deadline_reason.startswith("Emergency")


def test_a_panel_must_approve_first_where_the_authority_requires_one(as_user, commissioner):
    authority = commissioner.organisation
    authority.requires_resource_panel = True
    authority.save()
    referral = ReferralFactory(authority=authority)
    client = as_user(commissioner)
    assert "Record the panel decision" in text(client.get(detail_url(referral)))
    with nothing_changes():
        response = client.post(publish_url(referral), publish_data())
    assert "requires a resource panel's approval" in error_summary(response)
    assert 'href="#panel_date-day"' in response.content.decode()
    assert not CallOff.objects.exists()

    panel = reverse("referrals:panel-decision", args=[referral.pk])
    with nothing_changes():
        response = client.post(panel, {"panel_notes": "Agreed"})
    summary = error_summary(response)
    assert "Enter the date of the resource panel" in summary
    assert "Choose the panel's decision" in summary
    referral.refresh_from_db()
    assert referral.panel_decision == ""

    response = client.post(panel, {**date_parts("panel_date", timezone.localdate()),
                                    "panel_decision": "approved"})
    assert response.status_code == 302
    assert "Panel decision recorded" in text(client.get(detail_url(referral)))
    assert client.post(publish_url(referral), publish_data()).status_code == 302


def test_commissioner_publishes_to_every_admitted_provider(as_user, commissioner):
    referral = ReferralFactory(authority=commissioner.organisation)
    f.AdmittedMembershipFactory.create_batch(3, lot=referral.lot)
    f.SuspendedMembershipFactory(lot=referral.lot)
    client = as_user(commissioner)
    response = client.post(publish_url(referral), publish_data(), follow=True)
    calloff = CallOff.objects.get()
    assert (calloff.quality_weight, calloff.price_weight) == (60, 40)
    assert timezone.localtime(calloff.deadline).time() == datetime.time(12, 0)
    assert Invitation.objects.filter(calloff=calloff).count() == 3
    page = text(response)
    assert "Referral published. 3 providers on Residential children's homes were invited" \
        in page
    # Published: no more publishing or changing.
    page = text(client.get(detail_url(referral)))
    assert "Publish to providers" not in page
    assert "View the call-off" in page
    response = client.get(reverse("referrals:edit", args=[referral.pk]), follow=True)
    assert "can no longer be changed" in text(response)


def test_publishing_twice_is_refused(as_user, commissioner):
    calloff = OpenCallOffFactory(referral__authority=commissioner.organisation)
    response = as_user(commissioner).post(publish_url(calloff.referral), publish_data())
    assert "already published" in error_summary(response)
    assert CallOff.objects.count() == 1


def test_commissioner_withdraws_a_draft(as_user, commissioner):
    referral = ReferralFactory(authority=commissioner.organisation)
    client = as_user(commissioner)
    response = client.post(reverse("referrals:withdraw", args=[referral.pk]), follow=True)
    assert "Referral withdrawn" in text(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.WITHDRAWN
    response = client.post(reverse("referrals:withdraw", args=[referral.pk]))
    assert response.status_code == 409
    assert "Only a draft referral can be withdrawn" in error_summary(response)
