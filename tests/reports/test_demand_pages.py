"""The demand page at /insight/demand/ and the before/after sections of /insight/ (issue 18)."""

import datetime as dt

import pytest
import time_machine

from dps.models import Role
from providers.models import Dps
from reports import demand
from tests import factories as f
from tests.pages import error_summary, text
from tests.reports.insight_fixtures import build_market, placement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/insight/demand/"
D = dt.date


@pytest.fixture
def market(db):
    m = build_market()
    Dps.objects.filter(code="children").update(starts_on=D(2024, 4, 1))
    return m


def staff(authority, *roles):
    return f.UserFactory(organisation=authority, roles=list(roles))


def test_signed_out_goes_to_sign_in(client, db):
    assert client.get(URL).status_code == 302


def test_providers_and_budget_holders_are_403(as_user, market, provider_user):
    assert as_user(provider_user).get(URL).status_code == 403
    assert as_user(staff(market.a, Role.BUDGET_HOLDER)).get(URL).status_code == 403


@time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC), tick=False)
def test_commissioner_sees_history_forecast_and_today(as_user, market):
    response = as_user(staff(market.a, Role.COMMISSIONER)).get(URL, {"lot": "residential"})
    assert response.status_code == 200
    html, page = response.content.decode(), text(response)
    assert "Demand ahead: " in page
    assert "West Sussex County Council" in page
    assert html.count('role="img"') == 1
    assert 'class="app-table-scroll"' in html
    assert "June 2023" in page
    assert "March 2026" in page
    assert "April 2027" not in page
    assert "March 2027" in page
    # Today (15 April 2026), A's live residential placements: a2 only (P2, Kent: out of area).
    assert "Live placements 1" in page
    assert "0 (0.0%); out of area 1" in page
    assert "1 with live placements, of 2 admitted to the lot" in page  # P1, P2 admitted
    assert "Vacancies now" in page
    assert "Brighton" not in page


def test_admin_chooses_an_authority_and_bad_choices_are_400(as_user, market):
    admin = as_user(f.DpsAdminFactory())
    page = text(admin.get(URL, {"lot": "residential", "authority": market.b.pk}))
    assert "Brighton and Hove City Council" in page
    response = admin.get(URL, {"lot": "nope"})
    assert response.status_code == 400
    assert "Select a lot from the list" in error_summary(response)


@time_machine.travel(dt.datetime(2026, 4, 15, 12, tzinfo=dt.UTC), tick=False)
def test_vacancies_are_read_defensively(as_user, market):
    """"Not recorded" while the vacancies app (issue 18's sufficiency/) is not installed; its
    live vacancies on the lot once it is (none are posted here)."""
    from django.apps import apps

    page = text(as_user(staff(market.a, Role.COMMISSIONER)).get(URL, {"lot": "residential"}))
    if apps.is_installed("sufficiency"):
        assert demand.vacancies_now(f.lot("residential"), D(2026, 4, 15)) == (0, 0)
        assert "Vacancies now 0 vacancies, 0 places" in page
    else:
        assert demand.vacancies_now(f.lot("residential"), D(2026, 4, 15)) == (None, None)
        assert "Vacancies now Not recorded" in page


def test_query_count_is_bounded(as_user, market, django_assert_max_num_queries):
    user = as_user(staff(market.a, Role.COMMISSIONER))
    user.get(URL, {"lot": "residential"})
    for month in range(1, 13):
        placement(authority=market.a, provider=market.p2, start=D(2022, month, 3))
    with django_assert_max_num_queries(12):
        assert user.get(URL, {"lot": "residential"}).status_code == 200


def test_insight_page_shows_before_after_and_dps_against_spot(as_user, market):
    response = as_user(staff(market.a, Role.COMMISSIONER)).get(
        "/insight/", {"lot": "residential", "to_day": "31", "to_month": "3", "to_year": "2026"})
    page = text(response)
    assert "Before and after the DPS" in page
    assert "the year before the DPS began on 1 April 2024" in page
    assert "Before: 1 April 2023 to 31 March 2024 1 1" in page
    assert "Latest: 1 April 2025 to 31 March 2026 3 2" in page
    # Started per year: Y0 a1 (DPS), Y1 a2 (DPS), Y2 a3 (spot) and a5 (DPS).
    assert "Year to 31 March 2026 1 1 50.0% 0" in page
    assert "Year to 31 March 2025 1 0 100.0% 0" in page
