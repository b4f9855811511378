"""The vacancy pages and the matching panel on the referral and call-off pages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from providers.models import Membership
from referrals.models import Need, Referral
from sufficiency.models import Vacancy
from tests import factories as f
from tests.calloffs import factories as cf
from tests.sufficiency.factories import vacancy

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return f.AdmittedMembershipFactory(lot=f.lot("residential"))


@pytest.fixture
def provider(member, as_user):
    return as_user(f.ProviderUserFactory(organisation=member.provider))


def form(**changes):
    start = timezone.localdate() + datetime.timedelta(days=3)
    data = {"lot": "residential", "places": "2", "area": "West Sussex", "age_from": "12",
            "age_to": "17", "needs": ["semh"], "available_from_day": str(start.day),
            "available_from_month": str(start.month), "available_from_year": str(start.year),
            "notes": "Two-bed home near the coast."}
    return data | changes


def text(response):
    return response.content.decode()


def test_provider_posts_a_vacancy_from_the_form(provider):
    page = provider.get("/vacancies/new/")
    assert page.status_code == 200
    assert "Do not include any personal data" in text(page)
    response = provider.post("/vacancies/new/", form())
    assert response.status_code == 302
    posted = Vacancy.objects.get()
    assert (posted.area_code, posted.places) == ("E10000032", 2)
    listing = text(provider.get("/vacancies/"))
    assert "Two-bed home near the coast." in listing
    assert "West Sussex" in listing


def test_the_form_refuses_an_area_typed_rather_than_chosen(provider):
    response = provider.post("/vacancies/new/", form(area="Somewhere sunny"))
    assert response.status_code == 400
    assert "Choose the area from the list" in text(response)
    assert not Vacancy.objects.exists()


def test_the_form_shows_ages_out_of_order(provider):
    response = provider.post("/vacancies/new/", form(age_from="15", age_to="12"))
    assert "The oldest age cannot be below the youngest age" in text(response)


def test_confirm_and_withdraw_with_one_click(provider, member):
    mine = vacancy(member, confirmed_days_ago=12)
    assert provider.post(f"/vacancies/{mine.pk}/confirm/").status_code == 302
    mine.refresh_from_db()
    assert mine.expires_on == timezone.localdate() + datetime.timedelta(days=14)
    assert provider.post(f"/vacancies/{mine.pk}/withdraw/").status_code == 302
    mine.refresh_from_db()
    assert mine.withdrawn_at is not None
    # A second withdrawal is refused with a message, not an error page.
    again = provider.post(f"/vacancies/{mine.pk}/withdraw/", follow=True)
    assert "was withdrawn" in text(again)


def test_another_providers_vacancy_is_not_found(provider):
    theirs = vacancy()
    assert provider.post(f"/vacancies/{theirs.pk}/confirm/").status_code == 404


def test_the_portal_links_to_the_vacancies(provider):
    assert 'href="/vacancies/"' in text(provider.get("/portal/"))


def _draft(commissioner, **kwargs):
    referral = cf.ReferralFactory(authority=commissioner.organisation, **kwargs)
    referral.needs.set(Need.objects.filter(code="semh"))
    return referral


def test_the_draft_referral_shows_matching_vacancies_in_area_first(as_user):
    commissioner = f.CommissionerFactory()
    referral = _draft(commissioner)
    near = vacancy(ages=(0, 25), area="E10000032")
    far = vacancy(ages=(0, 25), area="E10000016")
    page = text(as_user(commissioner).get(f"/referrals/{referral.pk}/"))
    assert "Vacancies that match" in page
    assert page.index(near.provider.name) < page.index(far.provider.name)
    html = as_user(commissioner).get(f"/referrals/{referral.pk}/").content.decode()
    profile = reverse("monitoring:provider-profile", args=[near.provider_id])
    assert f'href="{profile}"' in html  # who it is, one click away
    assert "In area" in page
    assert "publishing invites every admitted provider" in page
    edit = text(as_user(commissioner).get(f"/referrals/{referral.pk}/change/"))
    assert near.provider.name in edit


def test_a_legacy_area_does_not_break_the_referral_pages(as_user):
    commissioner = f.CommissionerFactory()
    referral = _draft(commissioner)
    Referral.objects.filter(pk=referral.pk).update(location_area="south east (old value)")
    vacancy(ages=(0, 25))
    client = as_user(commissioner)
    page = client.get(f"/referrals/{referral.pk}/")
    assert page.status_code == 200
    assert "not in the list of local authority areas" in text(page)
    assert client.get(f"/referrals/{referral.pk}/change/").status_code == 200


def test_the_referral_form_offers_the_area_list(as_user):
    commissioner = f.CommissionerFactory()
    page = text(as_user(commissioner).get("/referrals/new/?lot=residential"))
    assert '<select class="govuk-select" id="location_area"' in page
    assert '<option value="Westmorland and Furness">' in page


def test_the_referral_api_refuses_an_area_not_in_the_list(api):
    commissioner = f.CommissionerFactory()
    referral = _draft(commissioner)
    response = api(commissioner).patch(f"/api/v1/referrals/{referral.pk}/",
                                       {"location_area": "Atlantis"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"location_area": [
        "Choose a local authority area in England (an upper-tier council's name as the ONS "
        "lists it, like \"West Sussex\", or its code, like \"E10000032\")."]}
    ok = api(commissioner).patch(f"/api/v1/referrals/{referral.pk}/",
                                 {"location_area": "e10000016"}, format="json")
    assert ok.json()["location_area"] == "Kent"


def test_the_call_off_marks_invited_providers_with_a_matching_vacancy(as_user):
    calloff = cf.OpenCallOffFactory()
    calloff.referral.needs.set(Need.objects.filter(code="semh"))
    invited = cf.admitted_and_invited(calloff)
    vacancy(invited, ages=(0, 25))
    later = f.AdmittedMembershipFactory(lot=calloff.lot)  # admitted after publication
    vacancy(later, ages=(0, 25))
    commissioner = f.CommissionerFactory(organisation=calloff.authority)
    page = text(as_user(commissioner).get(f"/call-offs/{calloff.pk}/"))
    assert "Invited, has a matching vacancy" in page
    assert "Not invited" in page
    assert "the call-off invited every admitted provider" in page


def test_staff_see_live_vacancies_without_suspended_providers(as_user):
    shown = vacancy(ages=(0, 25))
    hidden = vacancy(ages=(0, 25))
    Membership.objects.filter(provider=hidden.provider).update(
        status=Membership.Status.SUSPENDED)
    page = text(as_user(f.CommissionerFactory()).get("/vacancies/live/?lot=residential"))
    assert shown.provider.name in page
    assert hidden.provider.name not in page


def test_referral_page_query_count_does_not_grow_with_vacancies(
        as_user, django_assert_max_num_queries):
    commissioner = f.CommissionerFactory()
    referral = _draft(commissioner)
    client = as_user(commissioner)
    for _ in range(2):
        vacancy(ages=(0, 25))
    client.get(f"/referrals/{referral.pk}/")
    with django_assert_max_num_queries(40) as few:
        client.get(f"/referrals/{referral.pk}/")
    for _ in range(25):
        vacancy(ages=(0, 25))
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        client.get(f"/referrals/{referral.pk}/")
