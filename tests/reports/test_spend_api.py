"""GET /api/v1/reports/spend/: the contract's body, files of the same rows, who may see what."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from reports.spend import GROUPINGS
from tests import factories as f
from tests.asserts import assert_error, assert_money

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/spend/"
JANUARY = {"from": "2026-01-01", "to": "2026-01-31"}


def test_the_body_is_the_contract(api, finance_user, spend_data):
    response = api(finance_user).get(URL, {**JANUARY, "group_by": "route"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert list(body)[:5] == ["from", "to", "group_by", "rows", "total"]
    assert (body["from"], body["to"], body["group_by"]) == ("2026-01-01", "2026-01-31", "route")
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {"dps", "spot", "block"}
    assert {"key", "label", "amount"} <= set(rows["dps"])
    # DPS: 31 days × £100 + support 10 days × £10 + tuition 27 × 25.50 × 12.5 / 7 = 1,229.46
    assert_money(rows["dps"]["amount"], "4429.46")
    assert_money(rows["spot"]["amount"], "5142.86")  # 12 days × 3000 / 7 = 5,142.857
    assert_money(rows["block"]["amount"], "18600.00")  # 2 beds × 31 days × £300
    assert rows["block"]["void_bed_days"] == 62
    assert_money(rows["block"]["voids"], "18600.00")
    assert_money(body["total"], f"{sum(Decimal(r['amount']) for r in body['rows']):.2f}")


def test_spot_amount_is_a_seventh_of_the_week_a_day(api, finance_user, spend_data):
    body = api(finance_user).get(URL, {**JANUARY, "route": "spot"}).json()
    # 20 to 31 January: 12 days × £3,000 / 7 = 5,142.857… → 5,142.86
    assert_money(body["total"], "5142.86")
    assert body["group_by"] is None
    assert [row["key"] for row in body["rows"]] == ["total"]


@pytest.mark.parametrize("group_by", GROUPINGS)
def test_every_grouping_adds_up_to_the_total(api, dps_admin, spend_data, group_by):
    body = api(dps_admin).get(URL, {**JANUARY, "group_by": group_by}).json()
    total = api(dps_admin).get(URL, JANUARY).json()["total"]
    assert f"{sum(Decimal(row['amount']) for row in body['rows']):.2f}" == body["total"] == total


def test_a_finance_user_sees_only_their_authority(api, finance_user, spend_data):
    body = api(finance_user).get(URL, {**JANUARY, "group_by": "authority"}).json()
    assert [row["key"] for row in body["rows"]] == [spend_data["mine"].pk]

    other = api(finance_user).get(URL, {**JANUARY, "authority": spend_data["other"].pk}).json()
    assert other["rows"] == []
    assert other["total"] == "0.00"


def test_the_dps_admin_compares_authorities(api, dps_admin, spend_data):
    body = api(dps_admin).get(URL, {**JANUARY, "group_by": "authority"}).json()
    keys = {row["key"] for row in body["rows"]}
    assert keys == {spend_data["mine"].pk, spend_data["other"].pk}
    other = [row for row in body["rows"] if row["key"] == spend_data["other"].pk][0]
    assert_money(other["amount"], "44285.67")  # 31 × 9,999.99 / 7 = 44,285.6700


def test_filters(api, finance_user, spend_data):
    client = api(finance_user)
    near = client.get(URL, {**JANUARY, "provider": spend_data["near"].pk}).json()
    assert_money(near["total"], "3200.00")  # 31 days × £100 + support 10 days × £10
    tuition = client.get(URL, {**JANUARY, "lot": "tuition"}).json()
    assert_money(tuition["total"], "1229.46")  # 27 × 25.50 × 12.5 / 7 = 1,229.464…
    inside = client.get(URL, {**JANUARY, "location": "in_area"}).json()
    assert_money(inside["total"], "3200.00")


@pytest.mark.parametrize(("params", "fields"), [
    ({}, ["from", "to"]),
    ({"from": "2026-02-01", "to": "2026-01-01"}, ["to"]),
    ({"from": "yesterday", "to": "2026-01-01"}, ["from"]),
    ({**JANUARY, "group_by": "colour"}, ["group_by"]),
    ({**JANUARY, "route": "bus"}, ["route"]),
    ({**JANUARY, "location": "moon"}, ["location"]),
    ({**JANUARY, "lot": "juggling"}, ["lot"]),
    ({**JANUARY, "provider": "abc"}, ["provider"]),
    ({**JANUARY, "format": "pdf"}, ["format"]),
    ({"from": "2000-01-01", "to": "2030-01-01"}, ["to"]),
])
def test_bad_parameters_are_400_invalid(api, finance_user, params, fields):
    assert_error(api(finance_user).get(URL, params), 400, "invalid", fields)


def test_who_may_not_see(api, anon, provider_user, commissioner, spend_data):
    assert_error(anon.get(URL, JANUARY), 401, "not_authenticated")
    assert_error(api(provider_user).get(URL, JANUARY), 403, "forbidden")
    assert_error(api(commissioner).get(URL, JANUARY), 403, "forbidden")
    # A finance role held by someone in a provider organisation sees nothing either.
    odd = f.FinanceFactory(organisation=f.ProviderOrgFactory())
    assert_error(api(odd).get(URL, JANUARY), 403, "forbidden")
    assert_error(api(provider_user).get(URL, {**JANUARY, "format": "csv"}), 403, "forbidden")


@pytest.mark.parametrize("group_by", ["lot", "provider", "month", "route"])
def test_csv_holds_exactly_the_json_rows(api, dps_admin, spend_data, group_by):
    client = api(dps_admin)
    body = client.get(URL, {**JANUARY, "group_by": group_by}).json()
    response = client.get(URL, {**JANUARY, "group_by": group_by, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"))))
    assert table[0][0] == "key"
    assert table[0][2] == "amount"
    assert table[1:] == [["" if row["key"] is None else str(row["key"]), row["label"],
                          row["amount"]] for row in body["rows"]]


@pytest.mark.parametrize("group_by", ["provider", "authority", "month"])
def test_xlsx_holds_the_same_rows_as_numbers_with_a_totals_row(api, dps_admin, spend_data,
                                                               group_by):
    client = api(dps_admin)
    body = client.get(URL, {**JANUARY, "group_by": group_by}).json()
    response = client.get(URL, {**JANUARY, "group_by": group_by, "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "key"
    assert values[0][2] == "amount"
    assert sheet.cell(row=1, column=1).font.b
    data, totals = values[1:-1], values[-1]
    assert len(data) == len(body["rows"])
    for got, row in zip(data, body["rows"], strict=True):
        key = "" if row["key"] is None else row["key"]
        assert (got[0] if got[0] is not None else "") == str(key)
        assert got[1] == row["label"]
        assert isinstance(got[2], (int, float))
        assert Decimal(str(got[2])).quantize(Decimal("0.01")) == Decimal(row["amount"])
    assert sheet.cell(row=2, column=3).number_format == '"£"#,##0.00'
    assert totals[1] == "Total"
    assert Decimal(str(totals[2])).quantize(Decimal("0.01")) == Decimal(body["total"])


def test_queries_do_not_grow_with_the_data(api, dps_admin, spend_data,
                                           django_assert_max_num_queries):
    client = api(dps_admin)
    for group_by in GROUPINGS:
        with django_assert_max_num_queries(6):
            assert client.get(URL, {**JANUARY, "group_by": group_by}).status_code == 200


def test_the_schema_lists_the_finance_endpoints(client):
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/reports/spend/", "/api/v1/reports/commitments/",
                 "/api/v1/reports/payments/", "/api/v1/reports/exports/",
                 "/api/v1/reports/exports/{id}/", "/api/v1/reports/exports/{id}/download/"):
        assert f"{path}:" in schema, path
