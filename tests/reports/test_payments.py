"""The Procurement Act 2023 s.70 list: over £30,000 per provider per financial-year quarter."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.payments import payments, quarter_of
from tests import factories as f
from tests.asserts import assert_error, assert_money
from tests.reports.conftest import make_placement

pytestmark = pytest.mark.django_db
D = dt.date
URL = "/api/v1/reports/payments/"
YEAR = {"from": "2026-04-01", "to": "2027-03-31"}


@pytest.fixture
def paid(finance_user):
    mine = finance_user.organisation
    big = f.ProviderOrgFactory(name="Big Care Ltd")
    exact = f.ProviderOrgFactory(name="Exactly Thirty Ltd")
    just = f.ProviderOrgFactory(name="Just Over Ltd")
    # £1,000 a day all year: every quarter over the threshold.
    make_placement(authority=mine, provider=big, start=D(2026, 1, 1), price="7000.00")
    # 30 days at £1,000 = £30,000.00 exactly: not listed (strictly more than £30,000).
    make_placement(authority=mine, provider=exact, start=D(2026, 4, 1), end=D(2026, 4, 30),
                   price="7000.00")
    # 31 days: £31,000 in Q2 only.
    make_placement(authority=mine, provider=just, start=D(2026, 9, 1), end=D(2026, 10, 1),
                   price="7000.00")
    other = f.AuthorityFactory()
    make_placement(authority=other, provider=big, start=D(2026, 1, 1), price="7000.00")
    return {"big": big, "exact": exact, "just": just, "other": other}


def test_quarters_follow_the_financial_year():
    assert quarter_of(2026, 4) == ("2026-27 Q1", D(2026, 4, 1), D(2026, 6, 30))
    assert quarter_of(2026, 9) == ("2026-27 Q2", D(2026, 7, 1), D(2026, 9, 30))
    assert quarter_of(2026, 12) == ("2026-27 Q3", D(2026, 10, 1), D(2026, 12, 31))
    assert quarter_of(2027, 2) == ("2026-27 Q4", D(2027, 1, 1), D(2027, 3, 31))


def test_only_quarters_strictly_over_the_threshold_are_listed(finance_user, paid):
    report = payments(date_from=D(2026, 4, 1), date_to=D(2027, 3, 31),
                      authority=finance_user.organisation)
    listed = {(row.provider_name, row.quarter): row.amount for row in report.rows}
    assert listed == {
        ("Big Care Ltd", "2026-27 Q1"): Decimal("91000.00"),
        ("Big Care Ltd", "2026-27 Q2"): Decimal("92000.00"),
        ("Big Care Ltd", "2026-27 Q3"): Decimal("92000.00"),
        ("Big Care Ltd", "2026-27 Q4"): Decimal("90000.00"),
    }
    # Exactly Thirty: £30,000.00 in Q1, not more. Just Over: 30 days of September (Q2) and
    # 1 October (Q3): neither quarter is over.
    assert [row.quarter for row in report.rows] == sorted(row.quarter for row in report.rows)


def test_a_quarter_over_the_threshold_by_a_penny_is_listed(finance_user):
    provider = f.ProviderOrgFactory(name="Penny Over Ltd")
    # 30 days at £1,000 plus a penny a week more: £30,000.04 in the quarter.
    make_placement(authority=finance_user.organisation, provider=provider, start=D(2026, 4, 1),
                   end=D(2026, 4, 30), price="7000.01")
    report = payments(date_from=D(2026, 4, 1), date_to=D(2026, 6, 30))
    assert [(row.provider_name, row.amount) for row in report.rows] == [
        ("Penny Over Ltd", Decimal("30000.04"))]


def test_the_api_lists_them_and_exports_the_same_rows(api, finance_user, paid):
    client = api(finance_user)
    body = client.get(URL, YEAR).json()
    assert (body["from"], body["to"]) == ("2026-04-01", "2027-03-31")
    assert_money(body["threshold"], "30000.00")
    assert {row["provider"] for row in body["rows"]} == {paid["big"].pk}
    assert {row["authority"] for row in body["rows"]} == {finance_user.organisation_id}
    assert_money(body["rows"][0]["amount"], "91000.00")
    assert_money(body["total"], "365000.00")

    text = client.get(URL, {**YEAR, "format": "csv"}).content.decode("utf-8")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["quarter", "quarter_start", "quarter_end", "authority", "provider_id",
                        "provider", "amount"]
    assert [(r[0], r[4], r[6]) for r in table[1:]] == [
        (row["quarter"], str(row["provider"]), row["amount"]) for row in body["rows"]]

    sheet = load_workbook(io.BytesIO(client.get(URL, {**YEAR, "format": "xlsx"}).content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert len(values) == 1 + len(body["rows"]) + 1
    assert [Decimal(str(v[6])).quantize(Decimal("0.01")) for v in values[1:-1]] == [
        Decimal(row["amount"]) for row in body["rows"]]
    assert values[-1][0] == "Total"


def test_the_dps_admin_sees_every_authority(api, dps_admin, paid):
    body = api(dps_admin).get(URL, YEAR).json()
    assert {row["authority"] for row in body["rows"]} == {
        paid["other"].pk, paid["big"].placements.exclude(authority=paid["other"])
        .values_list("authority_id", flat=True).get()}


def test_who_may_not_see_and_bad_parameters(api, anon, provider_user, finance_user):
    assert_error(anon.get(URL, YEAR), 401, "not_authenticated")
    assert_error(api(provider_user).get(URL, YEAR), 403, "forbidden")
    assert_error(api(finance_user).get(URL, {"from": "2026-04-01"}), 400, "invalid", ["to"])
    assert_error(api(finance_user).get(URL, {"from": "2027-04-01", "to": "2026-04-01"}), 400,
                 "invalid", ["to"])


def test_queries_do_not_grow_with_the_data(api, as_user, dps_admin, paid,
                                           django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api(dps_admin).get(URL, YEAR).status_code == 200
    client = as_user(dps_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/reports/payments/").status_code == 200
