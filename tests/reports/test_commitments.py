"""GET /api/v1/reports/commitments/: spend from as_of to 31 March, by the same engine."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from reports.spend import financial_year_end, spend
from tests.asserts import assert_error, assert_money

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/commitments/"


def test_commitments_are_spend_to_the_year_end(api, finance_user, spend_data):
    body = api(finance_user).get(URL, {"as_of": "2026-02-01", "group_by": "route"}).json()

    assert (body["as_of"], body["from"], body["to"]) == ("2026-02-01", "2026-02-01",
                                                         "2026-03-31")
    expected = spend(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 3, 31),
                     group_by="route", authority=finance_user.organisation)
    assert [(row["key"], row["amount"]) for row in body["rows"]] == [
        (row.key, f"{row.amount:.2f}") for row in expected.rows]
    assert_money(body["total"], f"{expected.total:.2f}")
    assert f"{sum(Decimal(row['amount']) for row in body['rows']):.2f}" == body["total"]


def test_as_of_defaults_to_today(api, finance_user, spend_data):
    body = api(finance_user).get(URL).json()
    today = timezone.localdate()
    assert body["from"] == today.isoformat()
    assert body["to"] == financial_year_end(today).isoformat()


def test_csv_holds_the_same_rows(api, finance_user, spend_data):
    client = api(finance_user)
    params = {"as_of": "2026-01-15", "group_by": "lot"}
    body = client.get(URL, params).json()
    response = client.get(URL, {**params, "format": "csv"})
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert table[1:] == [[str(row["key"]), row["label"], row["amount"]] for row in body["rows"]]
    assert "commitments-2026-01-15-by-lot.csv" in response["Content-Disposition"]


def test_who_may_not_see_and_bad_parameters(api, anon, provider_user, finance_user):
    assert_error(anon.get(URL), 401, "not_authenticated")
    assert_error(api(provider_user).get(URL), 403, "forbidden")
    assert_error(api(finance_user).get(URL, {"as_of": "soon"}), 400, "invalid", ["as_of"])
    assert_error(api(finance_user).get(URL, {"group_by": "x"}), 400, "invalid", ["group_by"])


def test_queries_do_not_grow_with_the_data(api, as_user, dps_admin, spend_data,
                                           django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api(dps_admin).get(URL, {"group_by": "provider"}).status_code == 200
    client = as_user(dps_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/reports/commitments/").status_code == 200


def test_the_ungrouped_download_is_named_for_commitments(as_user, finance_user, spend_data):
    response = as_user(finance_user).get("/reports/commitments/", {
        "as_of_day": "15", "as_of_month": "1", "as_of_year": "2026", "group_by": "",
        "format": "csv"})
    assert response.status_code == 200
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0] == ["Commitments", "Amount"]
    assert table[1][0] == "All commitments"
    assert "spend" not in response.content.decode("utf-8-sig").lower()
