"""Child outcome pages: a placement's trend per domain with one form rating every domain (staff
of the placement's authority, a DPS administrator any), and a provider's averages across its
own placements only (no child, no other provider)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dps.models import AuditEntry
from monitoring.models import OutcomeRating
from tests import factories as f
from tests.asserts import nothing_changes
from tests.calloffs import factories as cf
from tests.monitoring import factories as mf
from tests.pages import banner, error_summary, text

pytestmark = pytest.mark.django_db

MY_OUTCOMES = reverse("monitoring:my-outcomes")


def outcomes(placement):
    return reverse("monitoring:placement-outcomes", args=[placement.pk])


def rating(domain="safety", value="4", day=None, note="", **more):
    """The form's data rating `domain` (and each of `more`: domain=value) on `day`."""
    data = {f"ratings-rating_{domain}": value, f"ratings-note_{domain}": note}
    for other, other_value in more.items():
        data[f"ratings-rating_{other}"] = other_value
    if day:
        data |= {"ratings-rated_on_day": day.day, "ratings-rated_on_month": day.month,
                 "ratings-rated_on_year": day.year}
    return data


@pytest.fixture
def placement(commissioner):
    return mf.PlacementFactory(authority=commissioner.organisation)


def test_anonymous_visitors_are_sent_to_sign_in(client, placement):
    for path in (outcomes(placement), MY_OUTCOMES):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    with nothing_changes():
        assert client.post(outcomes(placement), rating()).status_code == 302


def test_only_staff_open_a_placements_outcomes(as_user, placement):
    for user in (f.ProviderUserFactory(organisation=placement.provider), f.BudgetHolderFactory(
            organisation=placement.authority), f.FinanceFactory(organisation=placement.authority)):
        client = as_user(user)
        assert client.get(outcomes(placement)).status_code == 403
        with nothing_changes():
            assert client.post(outcomes(placement), rating()).status_code == 403


def test_only_providers_open_the_averages(as_user, commissioner, dps_admin):
    for user in (commissioner, dps_admin):
        assert as_user(user).get(MY_OUTCOMES).status_code == 403


def test_another_authoritys_placement_is_not_found(as_user, commissioner):
    theirs = mf.PlacementFactory()
    client = as_user(commissioner)
    assert client.get(outcomes(theirs)).status_code == 404
    with nothing_changes():
        assert client.post(outcomes(theirs), rating()).status_code == 404
    assert client.get("/monitoring/placements/999999/outcomes/").status_code == 404


def test_a_dps_admin_opens_any_placement(as_user, dps_admin, placement):
    assert as_user(dps_admin).get(outcomes(placement)).status_code == 200


def test_the_trend_shows_every_domain_with_a_table_and_a_picture(as_user, commissioner,
                                                                 placement):
    today = datetime.date.today()
    for days, value in ((90, 2), (60, 3), (30, 4)):
        mf.OutcomeRatingFactory(placement=placement, domain="safety", rating=value,
                                rated_on=today - datetime.timedelta(days=days))
    mf.OutcomeRatingFactory(placement=placement, domain="health", rating=3,
                            note="Registered with a GP")
    response = as_user(commissioner).get(outcomes(placement))
    page = text(response)
    html = response.content.decode()
    for label in ("Safety", "Health", "Resilience", "Self-esteem", "Well-being"):
        assert label in page, label
    assert "Up from 2 to 4" in page
    assert "One rating: 3" in page
    assert "Registered with a GP" in page
    assert page.count("Not rated yet") == 9
    assert 'aria-hidden="true"' in html
    assert "<polyline" in html
    assert f'href="{reverse("contracts:detail", args=[placement.pk])}"' in html


def test_commissioner_records_a_rating(as_user, commissioner, placement):
    client = as_user(commissioner)
    day = datetime.date.today() - datetime.timedelta(days=2)
    response = client.post(outcomes(placement), rating("achievement", "5", day, "Passed GCSE"),
                           follow=True)
    assert "1 outcome rating recorded" in banner(response)
    saved = OutcomeRating.objects.get(placement=placement)
    assert (saved.domain, saved.rating, saved.rated_on, saved.note, saved.rated_by) == (
        "achievement", 5, day, "Passed GCSE", commissioner)
    assert AuditEntry.objects.filter(action="outcomerating.recorded", actor=commissioner).exists()
    assert "Passed GCSE" in text(response)


def test_one_submission_rates_all_eleven_domains(as_user, commissioner, placement):
    from referrals.models import OutcomeDomain

    domains = dict.fromkeys(OutcomeDomain.values, "3")
    first = domains.pop("safety")
    response = as_user(commissioner).post(outcomes(placement),
                                          rating("safety", first, **domains), follow=True)
    assert "11 outcome ratings recorded" in banner(response)
    assert OutcomeRating.objects.filter(placement=placement).count() == 11
    assert "Not rated yet" not in text(response)


def test_one_refused_domain_records_none_of_them(as_user, commissioner, placement):
    mf.OutcomeRatingFactory(placement=placement, domain="health",
                            rated_on=datetime.date.today())
    with nothing_changes():
        response = as_user(commissioner).post(outcomes(placement),
                                              rating("safety", "4", health="2"))
    assert "Health already has a rating for that day." in error_summary(response)
    assert 'href="#ratings-rating_health"' in response.content.decode()


def test_bad_ratings_show_errors_and_write_nothing(as_user, commissioner, placement):
    client = as_user(commissioner)
    with nothing_changes():
        response = client.post(outcomes(placement), {"ratings-note_safety": "Settled"})
        assert "Rate at least one outcome domain" in error_summary(response)
        response = client.post(outcomes(placement), rating(value="9"))
        assert "Choose a rating from 1 to 5" in error_summary(response)
        response = client.post(outcomes(placement), rating(domain="luck"))
        assert "Rate at least one outcome domain" in error_summary(response)
        tomorrow = datetime.date.today() + datetime.timedelta(days=1)
        response = client.post(outcomes(placement), rating(day=tomorrow))
        assert "Must not be in the future" in error_summary(response)
        before = placement.start_date - datetime.timedelta(days=1)
        response = client.post(outcomes(placement), rating(day=before))
        assert "Must not be before the placement started" in error_summary(response)


def test_a_second_rating_of_a_domain_on_one_day_is_refused(as_user, commissioner, placement):
    mf.OutcomeRatingFactory(placement=placement, domain="safety",
                            rated_on=datetime.date.today())
    with nothing_changes():
        response = as_user(commissioner).post(outcomes(placement), rating())
    assert "already has a rating for that day" in error_summary(response)


def test_outcomes_page_query_count_does_not_grow(as_user, commissioner, placement,
                                                 django_assert_max_num_queries):
    client = as_user(commissioner)
    today = datetime.date.today()
    mf.OutcomeRatingFactory(placement=placement, domain="safety")
    client.get(outcomes(placement))
    with CaptureQueriesContext(connection) as small:
        client.get(outcomes(placement))
    for days in range(1, 40):
        for domain in ("health", "inclusion", "control"):
            mf.OutcomeRatingFactory(placement=placement, domain=domain, rating=days % 5 + 1,
                                    rated_on=today - datetime.timedelta(days=days))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(outcomes(placement)).status_code == 200


# --- The provider's averages ----------------------------------------------------------------

def test_provider_sees_averages_across_its_own_placements_only(as_user, provider_user):
    provider = provider_user.organisation
    child = cf.ChildFactory()
    first = mf.PlacementFactory(provider=provider, child=child)
    second = mf.PlacementFactory(provider=provider)
    mf.OutcomeRatingFactory(placement=first, domain="safety", rating=2)
    mf.OutcomeRatingFactory(placement=second, domain="safety", rating=5)
    mf.OutcomeRatingFactory(placement=first, domain="health", rating=4)
    elsewhere = mf.PlacementFactory()
    mf.OutcomeRatingFactory(placement=elsewhere, domain="safety", rating=1, note="Secret")
    mf.OutcomeRatingFactory(placement=elsewhere, domain="inclusion", rating=1)
    response = as_user(provider_user).get(MY_OUTCOMES)
    page = text(response)
    assert "Safety 3.50" in page  # (2 + 5) / 2, never the other provider's 1
    assert "Health 4.00" in page
    assert "Inclusion – No ratings yet" in page
    assert "Secret" not in page
    assert elsewhere.provider.name not in page
    assert child.first_name not in page
    assert child.case_reference not in page


def test_provider_averages_query_count_is_constant(as_user, provider_user,
                                                   django_assert_max_num_queries):
    provider = provider_user.organisation
    client = as_user(provider_user)
    mf.OutcomeRatingFactory(placement=mf.PlacementFactory(provider=provider))
    client.get(MY_OUTCOMES)
    with CaptureQueriesContext(connection) as small:
        client.get(MY_OUTCOMES)
    for _ in range(10):
        placement = mf.PlacementFactory(provider=provider)
        for domain in ("safety", "health", "control"):
            mf.OutcomeRatingFactory(placement=placement, domain=domain)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(MY_OUTCOMES).status_code == 200


# --- On the placement page ------------------------------------------------------------------

def test_the_placement_page_links_the_outcomes_and_shows_the_childs_trend(
        as_user, commissioner, placement, django_assert_max_num_queries):
    today = datetime.date.today()
    detail = reverse("contracts:detail", args=[placement.pk])
    client = as_user(commissioner)
    mf.OutcomeRatingFactory(placement=placement, domain="safety", rating=2,
                            rated_on=today - datetime.timedelta(days=20))
    with django_assert_max_num_queries(200) as few:
        client.get(detail)
    mf.OutcomeRatingFactory(placement=placement, domain="safety", rating=4, rated_on=today)
    mf.OutcomeRatingFactory(placement=placement, domain="health", rating=3, rated_on=today)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(detail)
    page = text(response)
    assert f'href="{outcomes(placement)}"' in response.content.decode()
    assert "Rate the child's outcomes" in page
    assert "Safety 4 Up from 2 to 4" in page
    assert "Health 3 One rating: 3" in page
    assert "Not rated yet: " in page
    # Those who cannot rate see the trend, not the link.
    finance = as_user(f.FinanceFactory(organisation=placement.authority)).get(detail)
    assert "Up from 2 to 4" in text(finance)
    assert f'href="{outcomes(placement)}"' not in finance.content.decode()
