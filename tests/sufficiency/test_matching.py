"""Matching: the live vacancies on the referral's lot whose ages hold the child's age at the
start date, available by then, meeting every need, those in the referral's area first; and
the call-off page marking the invited providers that have one."""

import datetime

import pytest
from django.utils import timezone

from providers.models import Membership
from referrals.models import Need
from sufficiency import selectors
from tests import factories as f
from tests.calloffs import factories as cf
from tests.sufficiency.factories import vacancy

pytestmark = pytest.mark.django_db
BIRTHDAY = datetime.date(2012, 3, 14)  # tests.calloffs.factories.CHILD


def referral(start, needs=("semh",), area="West Sussex", **kwargs):
    made = cf.ReferralFactory(placement_start=start, location_area=area, **kwargs)
    made.needs.set(Need.objects.filter(code__in=needs))
    return made


def matched(made, **kwargs):
    return [m.vacancy.pk for m in selectors.for_referral(made, **kwargs).rows]


def next_birthday(age):
    return BIRTHDAY.replace(year=BIRTHDAY.year + age)


def test_the_childs_age_is_taken_at_the_start_date():
    fourteen_plus = vacancy(ages=(14, 17), available_from=datetime.date(2020, 1, 1))
    day_before = referral(next_birthday(14) - datetime.timedelta(days=1))
    on_the_day = referral(next_birthday(14))
    assert day_before.age_at_start() == 13
    assert matched(day_before) == []
    assert matched(on_the_day) == [fourteen_plus.pk]


def test_a_call_off_uses_the_age_it_recorded_at_publication():
    under_fourteen = vacancy(ages=(8, 13))
    made = referral(timezone.localdate() + datetime.timedelta(days=30))
    assert matched(made, age=13) == [under_fourteen.pk]
    assert matched(made, age=14) == []


def test_a_vacancy_must_meet_every_need():
    start = timezone.localdate() + datetime.timedelta(days=30)
    both = vacancy(ages=(0, 25), needs=("semh", "asd"))
    vacancy(ages=(0, 25), needs=("semh",))
    assert matched(referral(start, needs=("semh", "asd"))) == [both.pk]
    assert len(matched(referral(start, needs=()))) == 2


def test_only_the_referrals_lot_and_vacancies_available_by_the_start():
    start = timezone.localdate() + datetime.timedelta(days=30)
    on_time = vacancy(ages=(0, 25))
    vacancy(ages=(0, 25), available_from=start + datetime.timedelta(days=1))
    vacancy(lot="fostering", ages=(0, 25))
    assert matched(referral(start)) == [on_time.pk]


def test_in_area_first_then_the_most_recently_confirmed():
    start = timezone.localdate() + datetime.timedelta(days=30)
    kent_fresh = vacancy(ages=(0, 25), area="E10000016", confirmed_days_ago=0)
    sussex_old = vacancy(ages=(0, 25), area="E10000032", confirmed_days_ago=10)
    kent_old = vacancy(ages=(0, 25), area="E10000016", confirmed_days_ago=5)
    made = referral(start, area="West Sussex")
    assert matched(made) == [sussex_old.pk, kent_fresh.pk, kent_old.pk]
    rows = selectors.for_referral(made).rows
    assert [r.in_area for r in rows] == [True, False, False]
    assert [r.recency for r in rows] == ["10 days ago", "today", "5 days ago"]


def test_expired_withdrawn_and_suspended_providers_vacancies_never_match():
    start = timezone.localdate() + datetime.timedelta(days=30)
    vacancy(ages=(0, 25), confirmed_days_ago=14)
    vacancy(ages=(0, 25), withdrawn=True)
    suspended = f.AdmittedMembershipFactory(lot=f.lot("residential"))
    vacancy(suspended, ages=(0, 25))
    Membership.objects.filter(pk=suspended.pk).update(status=Membership.Status.SUSPENDED)
    live = vacancy(ages=(0, 25), confirmed_days_ago=13)
    assert matched(referral(start)) == [live.pk]


def test_a_legacy_area_not_in_the_list_still_matches_without_an_area_first():
    start = timezone.localdate() + datetime.timedelta(days=30)
    one = vacancy(ages=(0, 25))
    matches = selectors.for_referral(referral(start, area="South East"))
    assert [m.vacancy.pk for m in matches.rows] == [one.pk]
    assert matches.area_known is False
    assert matches.rows[0].in_area is False


def test_the_panel_shows_the_first_rows_and_counts_the_rest():
    start = timezone.localdate() + datetime.timedelta(days=30)
    for _ in range(4):
        vacancy(ages=(0, 25))
    matches = selectors.for_referral(referral(start), limit=3)
    assert (len(matches.rows), matches.total) == (3, 4)


def test_matching_query_count_does_not_grow_with_rows(django_assert_max_num_queries):
    start = timezone.localdate() + datetime.timedelta(days=30)
    made = referral(start, needs=("semh", "asd"))
    made = type(made).objects.select_related("child").get(pk=made.pk)
    for _ in range(3):
        vacancy(ages=(0, 25), needs=("semh", "asd"))
    with django_assert_max_num_queries(4):
        few = selectors.for_referral(made)
    for _ in range(30):
        vacancy(ages=(0, 25), needs=("semh", "asd"))
    with django_assert_max_num_queries(4):
        many = selectors.for_referral(made)
    assert (few.total, many.total) == (3, 33)
