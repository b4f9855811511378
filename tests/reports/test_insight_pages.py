"""The market insight page at /insight/: who may open it, what it shows, and bad filters."""

import re

import pytest

from dps.models import Role
from tests import factories as f
from tests.pages import error_summary, text
from tests.reports.insight_fixtures import build_market

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

URL = "/insight/"
QUERY = {"lot": "residential", "to_day": "31", "to_month": "3", "to_year": "2026"}


@pytest.fixture
def market(db):
    return build_market()


def staff(authority, *roles):
    return f.UserFactory(organisation=authority, roles=list(roles))


def test_signed_out_goes_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/sign-in" in response["Location"] or "login" in response["Location"]


def test_providers_are_403(as_user, provider_user):
    assert as_user(provider_user).get(URL).status_code == 403


def test_budget_holders_are_403(as_user, market):
    assert as_user(staff(market.a, Role.BUDGET_HOLDER)).get(URL).status_code == 403


def test_commissioner_sees_charts_and_tables_for_their_authority(as_user, market):
    response = as_user(staff(market.a, Role.COMMISSIONER)).get(URL, QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    page = text(response)
    assert "Market insight: " in page
    assert "West Sussex County Council" in page
    # Seven charts, each an image with a title and description, each beside a table (and the
    # before/after table, issue 18).
    assert html.count('role="img"') == 7
    assert len(re.findall(r'<svg class="app-chart"[^>]*aria-labelledby="chart-\w+-title '
                          r'chart-\w+-desc"', html)) == 7
    assert html.count("<table") == 8
    assert "<script" not in html.split("<main", 1)[1].split("</main>", 1)[0]
    # Figures as finance writes them.
    assert "£89,450.00" in page  # Y2 spend
    assert "£1,050.00" in page  # Y2 lower quartile
    assert "66.7%" in page  # Y2 turnover
    assert "Sector average" in page
    assert "Year to 31 March 2026" in page
    # Nothing about the other authority, and no authority picker.
    assert "Brighton" not in page
    assert 'name="authority"' not in html


def test_the_lot_can_be_changed(as_user, market):
    response = as_user(staff(market.a, Role.COMMISSIONER)).get(URL, {**QUERY, "lot": "fostering"})
    page = text(response)
    assert "Market insight: Independent fostering" in page
    assert "£89,450.00" not in page


def test_without_a_query_the_first_lot_to_today(as_user, market):
    response = as_user(staff(market.a, Role.COMMISSIONER)).get(URL)
    assert response.status_code == 200
    assert 'role="img"' in response.content.decode()


def test_dps_admin_sees_the_breakdown_by_authority(as_user, market):
    page = text(as_user(f.DpsAdminFactory()).get(URL, QUERY))
    assert "All authorities" in page
    assert "By authority" in page
    assert "Brighton and Hove City Council" in page
    assert "£182,500.00" in page


def test_dps_admin_forum_view_leaves_out_the_breakdown(as_user, market):
    page = text(as_user(f.DpsAdminFactory()).get(URL, {**QUERY, "forum": "on"}))
    figures = page.split("Show figures", 1)[1]  # the authority picker lists every authority
    assert "By authority" not in figures
    assert "Brighton" not in figures
    assert "£271,950.00" in page


def test_dps_admin_picks_one_authority(as_user, market):
    page = text(as_user(f.DpsAdminFactory()).get(URL, {**QUERY, "authority": market.b.pk}))
    assert "£182,500.00" in page
    assert "By authority" not in page


@pytest.mark.parametrize(("query", "message"), [
    ({"lot": "nope"}, "Select a lot from the list"),
    ({"to_day": "31", "to_month": "2", "to_year": "2026"}, "must be a real date"),
    ({"to_year": ""}, "must include a year"),
    ({"authority": "999999"}, "Select an authority from the list"),
])
def test_bad_filters_show_the_error_summary(as_user, market, query, message):
    response = as_user(f.DpsAdminFactory()).get(URL, {**QUERY, **query})
    assert response.status_code == 400
    assert message in error_summary(response)
    assert 'role="img"' not in response.content.decode()


def test_insight_is_in_the_navigation_for_commissioners_and_admins(as_user, market):
    for user in (staff(market.a, Role.COMMISSIONER), f.DpsAdminFactory()):
        html = as_user(user).get(URL, QUERY).content.decode()
        assert 'href="/insight/"' in html


def test_query_count_is_bounded(as_user, market, django_assert_max_num_queries):
    client = as_user(f.DpsAdminFactory())
    with django_assert_max_num_queries(25):
        assert client.get(URL, QUERY).status_code == 200
