"""The finance pages: spend (filters, chart, table, downloads), commitments and payments."""

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests import factories as f
from tests.pages import error_summary, text

pytestmark = pytest.mark.django_db
JANUARY = {"date_from_day": "1", "date_from_month": "1", "date_from_year": "2026",
           "date_to_day": "31", "date_to_month": "1", "date_to_year": "2026"}


def test_the_spend_page_shows_the_chart_the_table_and_the_downloads(as_user, finance_user,
                                                                    spend_data):
    page = as_user(finance_user).get("/reports/", {**JANUARY, "group_by": "route"})

    assert page.status_code == 200
    html = page.content.decode()
    body = text(page)
    assert "<svg" in html
    assert 'role="img"' in html
    assert html.count("<rect") == 3
    assert "Spend by route" in body
    for label in ("DPS call-off", "Spot purchase (off-contract)", "Block contract"):
        assert label in body
    assert "£4,429.46" in body
    assert "£5,142.86" in body
    assert "£18,600.00" in body
    assert "£28,172.32" in body  # the total
    assert "62 void bed-days" in body
    assert "format=csv" in html
    assert "format=xlsx" in html


def test_the_downloads_hold_the_rows_shown(as_user, finance_user, spend_data):
    client = as_user(finance_user)
    query = {**JANUARY, "group_by": "provider"}
    response = client.get("/reports/", {**query, "format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert table[0] == ["Provider", "Amount"]  # people's headers; no internal key column
    labels = {row[0]: row[1] for row in table[1:]}
    assert labels == {spend_data["near"].name: "3200.00",
                      spend_data["far"].name: f"{Decimal('1229.46') + 18600:.2f}",
                      "Harbour Lights Care Ltd": "5142.86"}
    sheet = load_workbook(io.BytesIO(client.get("/reports/", {**query, "format": "xlsx"})
                                     .content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert {v[0]: f"{Decimal(str(v[1])):.2f}" for v in values[1:-1]} == labels


def test_a_first_visit_shows_this_financial_year_by_lot(as_user, finance_user, spend_data):
    page = as_user(finance_user).get("/reports/")
    assert page.status_code == 200
    assert "Spend by lot" in text(page)


def test_bad_dates_are_shown_in_the_error_summary(as_user, finance_user):
    page = as_user(finance_user).get("/reports/", {**JANUARY, "date_to_year": "2025"})
    assert "Must be on or after the start of the range." in error_summary(page)
    page = as_user(finance_user).get("/reports/", {**JANUARY, "date_from_month": "13"})
    assert "real date" in error_summary(page)
    # A download of an invalid report goes back to the page.
    assert as_user(finance_user).get("/reports/", {**JANUARY, "date_from_month": "13",
                                                   "format": "csv"}).status_code == 302


def test_a_finance_user_cannot_pick_another_authority(as_user, finance_user, spend_data):
    page = as_user(finance_user).get("/reports/", {**JANUARY, "group_by": "authority"})
    assert "Select a valid choice" in error_summary(page)
    page = as_user(finance_user).get("/reports/", {**JANUARY, "group_by": "lot"})
    assert spend_data["other"].name not in text(page)
    assert "£44,285.67" not in text(page)


def test_the_dps_admin_compares_authorities(as_user, dps_admin, spend_data):
    page = as_user(dps_admin).get("/reports/", {**JANUARY, "group_by": "authority"})
    assert spend_data["other"].name in text(page)
    assert "£44,285.67" in text(page)


def test_who_may_not_see_the_pages(provider_user, commissioner):
    urls = ("/reports/", "/reports/commitments/", "/reports/payments/", "/reports/exports/")
    for url in urls:
        assert Client().get(url).status_code == 302  # to sign in
    for user in (provider_user, commissioner):
        client = Client()
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403


def test_finance_users_find_the_pages_in_the_navigation(as_user, finance_user, commissioner):
    assert '"/reports/"' in as_user(finance_user).get("/reports/").content.decode()
    page = as_user(commissioner).get("/placements/")
    assert '>Finance<' not in page.content.decode().replace("\n", "").replace(" ", "")


def test_the_commitments_page(as_user, finance_user, spend_data):
    page = as_user(finance_user).get("/reports/commitments/", {
        "as_of_day": "1", "as_of_month": "3", "as_of_year": "2026", "group_by": "route"})
    assert page.status_code == 200
    assert "1 March 2026 to 31 March 2026" in text(page)
    assert "<svg" in page.content.decode()
    csv_response = as_user(finance_user).get("/reports/commitments/", {
        "as_of_day": "1", "as_of_month": "3", "as_of_year": "2026", "group_by": "route",
        "format": "csv"})
    assert csv_response.content.decode().startswith("Route,Amount\r\nDPS call-off,")


def test_the_payments_page(as_user, finance_user):
    """Actual payments, each on its own row (the accrued estimate is gone: s.70 lists
    payments made, tests/invoicing/test_transparency.py)."""
    from tests.invoicing import factories_finance as ff
    from tests.reports.conftest import D

    provider = f.ProviderOrgFactory(name="Big Care Ltd")
    invoice = ff.invoice(status="paid", authority=finance_user.organisation,
                         provider=provider, received_on=D(2026, 4, 20),
                         lines=[("91000.00", "91000.00")])
    ff.paid(invoice, paid_on=D(2026, 5, 1), reference="BACS-77")
    page = as_user(finance_user).get("/reports/payments/", {
        "date_from_day": "1", "date_from_month": "4", "date_from_year": "2026",
        "date_to_day": "30", "date_to_month": "6", "date_to_year": "2026"})
    assert "1 May 2026" in text(page)
    assert "Big Care Ltd" in text(page)
    assert "BACS-77" in text(page)
    assert "£91,000.00" in text(page)


def test_page_queries_are_bounded(as_user, dps_admin, spend_data,
                                  django_assert_max_num_queries):
    client = as_user(dps_admin)
    for group_by in ("lot", "provider", "authority", "month", "route", "location"):
        with django_assert_max_num_queries(12):
            assert client.get("/reports/", {**JANUARY, "group_by": group_by}).status_code == 200


def test_a_long_report_charts_the_largest_rows_and_tables_them_all(as_user, finance_user):
    from tests.reports.conftest import D, make_placement

    for number in range(65):
        make_placement(authority=finance_user.organisation,
                       provider=f.ProviderOrgFactory(name=f"Home {number:02d} Ltd"),
                       start=D(2026, 1, 1), price=f"{700 + number * 7}.00")
    page = as_user(finance_user).get("/reports/", {**JANUARY, "group_by": "provider"})
    html = page.content.decode()
    assert html.count("<rect") == 25
    assert "The chart shows the 25 largest; the table lists them all." in text(page)
    assert html.count('<th scope="row" class="govuk-table__header">Home ') == 65
    assert "Home 64 Ltd" in html


def test_the_first_visit_counts_the_financial_year_to_today_and_later_days_as_commitments(
        as_user, finance_user):
    """Spend is what has happened: the page defaults to the year to date, and a range that
    runs past today shows its later days as commitments, never as spend."""
    import datetime as dt

    from django.utils import timezone

    from tests.reports.conftest import make_placement

    today = timezone.localdate()
    make_placement(authority=finance_user.organisation, start=today - dt.timedelta(days=9),
                   price="700.00")  # £100 a day, open-ended
    client = as_user(finance_user)
    page = text(client.get("/reports/"))
    assert f"to {today:%-d %B %Y}: £1,000.00" in page
    later = today + dt.timedelta(days=20)
    page = text(client.get("/reports/", {
        "date_from_day": (today - dt.timedelta(days=9)).day,
        "date_from_month": (today - dt.timedelta(days=9)).month,
        "date_from_year": (today - dt.timedelta(days=9)).year,
        "date_to_day": later.day, "date_to_month": later.month, "date_to_year": later.year}))
    assert "£1,000.00" in page
    assert "commit £2,000.00" in page
    assert "£3,000.00" not in page


def test_the_spend_table_sorts_by_amount_and_back_to_its_own_order(as_user, finance_user,
                                                                   spend_data):
    client = as_user(finance_user)
    query = {**JANUARY, "group_by": "route"}
    labels = ("DPS call-off", "Spot purchase (off-contract)", "Block contract")

    def order(**extra):
        html = client.get("/reports/", {**query, **extra}).content.decode()
        table = html.split('id="report-table"', 1)[1].split("</table>", 1)[0]
        return sorted(labels, key=table.index), table

    natural, table = order()
    assert 'aria-sort="ascending"' in table
    by_amount, table = order(sort="-amount")
    assert by_amount == ["Block contract", "Spot purchase (off-contract)", "DPS call-off"]
    assert 'aria-sort="descending"' in table
    assert order(sort="amount")[0] == list(reversed(by_amount))
    assert order(sort="-group")[0] == list(reversed(natural))
    assert "£28,172.32" in table  # the total stays at the foot
