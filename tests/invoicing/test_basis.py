"""GET /api/v1/reports/spend/?basis=accrued|invoiced|paid — the same report on three bases."""

import datetime as dt
from decimal import Decimal

import pytest

from invoicing.basis import _cumulative, invoiced_spend, paid_spend
from invoicing.models import Invoice, InvoiceLine
from tests import factories as f
from tests.asserts import assert_error
from tests.invoicing import factories_finance as ff
from tests.reports.conftest import make_placement

pytestmark = pytest.mark.django_db
D = dt.date
S = Invoice.Status
URL = "/api/v1/reports/spend/"


def _line(inv, placement, start, end, amount):
    return InvoiceLine.objects.create(invoice=inv, kind="placement", placement=placement,
                                      date_from=start, date_to=end, amount=Decimal(amount),
                                      expected=Decimal(amount))


@pytest.fixture
def world():
    authority = f.AuthorityFactory(area="West Sussex")
    provider = f.ProviderOrgFactory(area="Kent")
    residential = make_placement(authority=authority, provider=provider, start=D(2026, 1, 1),
                                 price="700.00")
    fostering = make_placement(authority=authority, provider=provider, lot="fostering",
                               start=D(2026, 1, 1), price="350.00")
    inv = ff.invoice(status=S.APPROVED, placement=residential, lines=[])
    _line(inv, residential, D(2026, 1, 25), D(2026, 2, 3), "1000.00")
    _line(inv, fostering, D(2026, 1, 1), D(2026, 1, 3), "100.00")
    Invoice.objects.filter(pk=inv.pk).update(total=Decimal("1100.00"),
                                             approved_total=Decimal("1100.00"))
    for status in (S.VOUCHED, S.QUERY, S.REJECTED):  # not counted
        other = ff.invoice(status=status, placement=residential, lines=[])
        _line(other, residential, D(2026, 1, 10), D(2026, 1, 16), "700.00")
    return {"authority": authority, "invoice": inv, "finance": ff.finance_of(authority)}


def test_a_line_spreads_evenly_to_the_penny():
    assert [_cumulative(10000, k, 3) for k in range(4)] == [0, 3333, 6667, 10000]
    assert _cumulative(-10000, 1, 3) == -3333


def test_invoiced_lines_count_by_their_days(world):
    report = invoiced_spend(date_from=D(2026, 1, 1), date_to=D(2026, 2, 28), group_by="month",
                            authority=world["authority"])
    assert [(r.key, r.amount) for r in report.rows] == [
        ("2026-01", Decimal("800.00")), ("2026-02", Decimal("300.00"))]
    assert report.total == Decimal("1100.00")
    # The middle day of a three-day £100 line carries the odd penny.
    middle = invoiced_spend(date_from=D(2026, 1, 2), date_to=D(2026, 1, 2),
                            authority=world["authority"])
    assert middle.total == Decimal("33.34")


@pytest.mark.parametrize("group_by", [None, "lot", "provider", "authority", "month", "route",
                                      "location"])
def test_every_grouping_adds_up_to_the_total(world, group_by):
    report = invoiced_spend(date_from=D(2026, 1, 2), date_to=D(2026, 1, 31),
                            group_by=group_by, authority=world["authority"])
    assert sum(r.amount for r in report.rows) == report.total == Decimal("766.67")


def test_payments_count_on_the_day_paid_shared_among_the_lines(world):
    inv = world["invoice"]
    ff.paid(inv, amount="550.00", paid_on=D(2026, 2, 10))
    ff.paid(inv, amount="0.01", paid_on=D(2026, 3, 1))
    report = paid_spend(date_from=D(2026, 2, 1), date_to=D(2026, 2, 28), group_by="lot",
                        authority=world["authority"])
    assert {r.key: r.amount for r in report.rows} == {
        "residential": Decimal("500.00"), "fostering": Decimal("50.00")}
    assert report.total == Decimal("550.00")


def test_the_api_takes_the_basis(api, world):
    client = api(world["finance"])
    ff.paid(world["invoice"], amount="1100.00", paid_on=D(2026, 2, 10))
    params = {"from": "2026-01-01", "to": "2026-02-28", "group_by": "month"}
    accrued = client.get(URL, params).json()
    assert accrued == client.get(URL, {**params, "basis": "accrued"}).json()
    invoiced = client.get(URL, {**params, "basis": "invoiced"}).json()
    assert [(r["key"], r["amount"]) for r in invoiced["rows"]] == [
        ("2026-01", "800.00"), ("2026-02", "300.00")]
    paid = client.get(URL, {**params, "basis": "paid"}).json()
    assert (paid["total"], [r["key"] for r in paid["rows"]]) == ("1100.00", ["2026-02"])
    assert accrued["total"] != invoiced["total"]
    csv = client.get(URL, {**params, "basis": "invoiced", "format": "csv"})
    assert "spend-invoiced-" in csv["Content-Disposition"]
    assert "800.00" in csv.content.decode()


def test_another_authority_sees_none_of_it(api, world):
    body = api(f.FinanceFactory()).get(URL, {"from": "2026-01-01", "to": "2026-02-28",
                                             "basis": "invoiced"}).json()
    assert (body["total"], body["rows"]) == ("0.00", [])


def test_an_unknown_basis_is_400(api, world):
    assert_error(api(world["finance"]).get(URL, {"from": "2026-01-01", "to": "2026-02-28",
                                                 "basis": "promised"}), 400, "invalid",
                 ["basis"])
