"""The vacancy rules, through the API (API.md v1.1 "Vacancies"), each a test: who may post,
the 14-day expiry and its one-click refresh, withdrawal, and hiding a suspended or removed
provider's vacancies at once."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from dps.models import AuditEntry
from providers.models import Membership
from sufficiency.models import Vacancy
from tests import factories as f
from tests.asserts import assert_error, nothing_changes
from tests.sufficiency.factories import vacancy

pytestmark = pytest.mark.django_db
URL = "/api/v1/vacancies/"


def body(**changes):
    data = {"lot": "residential", "places": 2, "area": "West Sussex", "age_from": 12,
            "age_to": 17, "needs": ["semh", "asd"],
            "available_from": timezone.localdate().isoformat(),
            "notes": "Two-bed home near the coast."}
    return data | changes


@pytest.fixture
def member():
    return f.AdmittedMembershipFactory(lot=f.lot("residential"))


@pytest.fixture
def provider(member, api):
    return api(f.ProviderUserFactory(organisation=member.provider))


@pytest.fixture
def staff(api):
    return api(f.CommissionerFactory())


def test_signed_out_callers_get_401(anon):
    assert_error(anon.get(URL), 401, "not_authenticated")
    assert_error(anon.post(URL, body(), format="json"), 401, "not_authenticated")


def test_commissioner_cannot_post_a_vacancy(staff):
    assert_error(staff.post(URL, body(), format="json"), 403, "forbidden")


def test_provider_cannot_refresh_another_providers_vacancy(provider):
    theirs = vacancy()
    assert_error(provider.post(f"{URL}{theirs.pk}/refresh/"), 404, "not_found")
    assert_error(provider.delete(f"{URL}{theirs.pk}/"), 404, "not_found")


def test_provider_posts_a_vacancy_that_expires_in_14_days(provider, member):
    response = provider.post(URL, body(), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["expires_on"] == (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    assert (data["lot"], data["area"], data["area_code"]) == ("residential", "West Sussex",
                                                             "E10000032")
    assert sorted(data["needs"]) == ["asd", "semh"]
    assert data["status"] == "live"
    assert AuditEntry.objects.filter(object_id=data["id"], action="vacancy.posted").exists()


def test_an_area_may_be_given_by_its_code_and_is_stored_by_it(provider):
    response = provider.post(URL, body(area="e06000043"), format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["area"] == "Brighton and Hove"


def test_provider_not_admitted_on_the_lot_gets_not_admitted(provider):
    with nothing_changes():
        response = provider.post(URL, body(lot="fostering"), format="json")
    assert_error(response, 400, "not_admitted", fields=["lot"])
    assert not Vacancy.objects.exists()


def test_suspended_provider_gets_not_admitted(provider, member):
    Membership.objects.filter(pk=member.pk).update(status=Membership.Status.SUSPENDED)
    assert_error(provider.post(URL, body(), format="json"), 400, "not_admitted")


@pytest.mark.parametrize(("changes", "field"), [
    ({"needs": ["semh", "telepathy"]}, "needs"),
    ({"area": "South East"}, "area"),
    ({"area": "Near RH12 4QT"}, "area"),
    ({"age_from": 16, "age_to": 12}, "age_to"),
    ({"places": 0}, "places"),
    ({"age_to": 40}, "age_to"),
    ({"notes": "x" * 301}, "notes"),
])
def test_bad_input_is_400_invalid_and_stores_nothing(provider, changes, field):
    response = provider.post(URL, body(**changes), format="json")
    assert_error(response, 400, "invalid", fields=[field])
    assert not Vacancy.objects.exists()


def test_a_vacancy_stops_showing_14_days_after_it_was_posted(provider, staff):
    posted = provider.post(URL, body(), format="json").json()
    today = timezone.localdate()
    with time_machine.travel(today + datetime.timedelta(days=13, hours=12)):
        assert [v["id"] for v in staff.get(URL).json()["results"]] == [posted["id"]]
    with time_machine.travel(today + datetime.timedelta(days=14, hours=12)):
        assert staff.get(URL).json()["results"] == []
        assert provider.get(f"{URL}{posted['id']}/").json()["status"] == "expired"


def test_one_click_refresh_keeps_it_for_14_days_from_the_confirmation(provider, staff):
    posted = provider.post(URL, body(), format="json").json()
    today = timezone.localdate()
    with time_machine.travel(today + datetime.timedelta(days=12, hours=12)):
        refreshed = provider.post(f"{URL}{posted['id']}/refresh/")
        assert refreshed.status_code == 200, refreshed.json()
        assert refreshed.json()["expires_on"] == (
            today + datetime.timedelta(days=26)).isoformat()
    with time_machine.travel(today + datetime.timedelta(days=20, hours=12)):
        assert [v["id"] for v in staff.get(URL).json()["results"]] == [posted["id"]]


def test_an_expired_vacancy_confirmed_shows_again(provider, member, staff):
    old = vacancy(member, confirmed_days_ago=20)
    assert staff.get(URL).json()["results"] == []
    assert provider.post(f"{URL}{old.pk}/refresh/").status_code == 200
    assert [v["id"] for v in staff.get(URL).json()["results"]] == [old.pk]


def test_withdrawn_vacancy_stops_showing_and_cannot_be_refreshed_or_withdrawn_again(
        provider, member, staff):
    mine = vacancy(member)
    assert provider.delete(f"{URL}{mine.pk}/").status_code == 204
    assert staff.get(URL).json()["results"] == []
    with nothing_changes():
        assert_error(provider.post(f"{URL}{mine.pk}/refresh/"), 409, "invalid_transition")
        assert_error(provider.delete(f"{URL}{mine.pk}/"), 409, "invalid_transition")
    assert provider.get(f"{URL}{mine.pk}/").json()["status"] == "withdrawn"


@pytest.mark.parametrize("status", [Membership.Status.SUSPENDED, Membership.Status.REMOVED])
def test_suspended_or_removed_providers_vacancies_stop_showing_at_once(
        provider, member, staff, status):
    mine = vacancy(member)
    assert [v["id"] for v in staff.get(URL).json()["results"]] == [mine.pk]
    Membership.objects.filter(pk=member.pk).update(status=status)
    assert staff.get(URL).json()["results"] == []
    assert provider.get(f"{URL}{mine.pk}/").json()["status"] == "hidden"
    assert_error(provider.post(f"{URL}{mine.pk}/refresh/"), 400, "not_admitted")


def test_staff_filter_by_lot_area_need_and_age(staff):
    a = vacancy(area="E10000032", ages=(8, 12), needs=("semh",))
    b = vacancy(area="E10000016", ages=(13, 17), needs=("asd",))
    c = vacancy(lot="fostering", area="E10000032", ages=(0, 17), needs=("semh", "asd"))

    def ids(query):
        return sorted(v["id"] for v in staff.get(URL + query).json()["results"])

    assert ids("") == sorted([a.pk, b.pk, c.pk])
    assert ids("?lot=residential") == sorted([a.pk, b.pk])
    assert ids("?area=west+sussex") == sorted([a.pk, c.pk])
    assert ids("?area=E10000016") == [b.pk]
    assert ids("?need=asd") == sorted([b.pk, c.pk])
    assert ids("?age=12") == sorted([a.pk, c.pk])
    assert ids("?lot=nosuchlot") == []
    assert_error(staff.get(URL + "?age=old"), 400, "invalid", fields=["age"])


def test_providers_see_only_their_own(provider, member):
    mine, theirs = vacancy(member), vacancy()
    assert [v["id"] for v in provider.get(URL).json()["results"]] == [mine.pk]
    assert_error(provider.get(f"{URL}{theirs.pk}/"), 404, "not_found")


def test_staff_list_query_count_does_not_grow_with_rows(staff, django_assert_max_num_queries):
    for _ in range(3):
        vacancy()
    with django_assert_max_num_queries(6):
        first = staff.get(URL)
    for _ in range(20):
        vacancy()
    with django_assert_max_num_queries(6):
        more = staff.get(URL)
    assert (first.json()["count"], more.json()["count"]) == (3, 23)
