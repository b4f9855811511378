"""Finance's invoice API: approve, query, reject, bulk approve (API.md v1.1)."""

from decimal import Decimal

import pytest

from invoicing.models import Invoice
from tests import factories as f
from tests.asserts import assert_error, assert_money, nothing_changes
from tests.invoicing import factories_finance as ff

pytestmark = pytest.mark.django_db
S = Invoice.Status


def _url(inv, action):
    return f"/api/v1/invoices/{inv.pk}/{action}/"


@pytest.mark.parametrize("action", ["approve", "query", "reject"])
def test_signed_out_is_401(anon, action):
    inv = ff.invoice()
    with nothing_changes():
        assert_error(anon.post(_url(inv, action), {"reason": "x"}, format="json"), 401,
                     "not_authenticated")


@pytest.mark.parametrize("action", ["approve", "query", "reject"])
@pytest.mark.parametrize("who", ["commissioner", "provider"])
def test_not_finance_is_403(api, action, who):
    inv = ff.invoice()
    user = f.CommissionerFactory(organisation=inv.authority) if who == "commissioner" else \
        f.ProviderUserFactory(organisation=inv.provider)
    client = api(user)
    with nothing_changes():
        assert_error(client.post(_url(inv, action), {"reason": "x"}, format="json"), 403,
                     "forbidden")


@pytest.mark.parametrize("action", ["approve", "query", "reject"])
def test_finance_of_another_authority_gets_404(api, action):
    inv = ff.invoice()
    client = api(f.FinanceFactory())
    with nothing_changes():
        assert_error(client.post(_url(inv, action), {"reason": "x"}, format="json"), 404,
                     "not_found")
    assert_error(client.post("/api/v1/invoices/999999/approve/", {}, format="json"), 404,
                 "not_found")


@pytest.mark.parametrize("status", [S.APPROVED, S.REJECTED, S.PAID])
@pytest.mark.parametrize("action", ["approve", "query", "reject"])
def test_a_decided_invoice_is_409(api, status, action):
    inv = ff.invoice(status=status)
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(
            _url(inv, action), {"reason": "Why?", "accept_difference_reason": "ok"},
            format="json"), 409, "invalid_transition")


def test_a_queried_invoice_without_a_reason_is_400_difference_unexplained(api):
    inv = ff.invoice(status=S.QUERY, lines=[("1001.00", "1000.00")])
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(_url(inv, "approve"), {}, format="json"),
                     400, "difference_unexplained", fields=["accept_difference_reason"])


@pytest.mark.parametrize("action", ["query", "reject"])
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_query_and_reject_need_a_reason(api, action, body):
    inv = ff.invoice()
    client = api(ff.finance_of(inv.authority))
    with nothing_changes():
        assert_error(client.post(_url(inv, action), body, format="json"),
                     400, "invalid", fields=["reason"])


def test_finance_approves_and_reads_the_invoice_back(api):
    inv = ff.invoice(lines=[("1000.00", "1000.00"), ("0.01", "0.01")])
    response = api(ff.finance_of(inv.authority)).post(_url(inv, "approve"), {}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved"
    assert_money(body["approved_total"], "1000.01")
    assert [line["difference"] for line in body["lines"]] == ["0.00", "0.00"]
    assert set(body["lines"][0]) >= {"id", "placement", "kind", "from", "to", "amount",
                                     "expected", "difference"}


def test_finance_approves_a_difference_with_its_reason(api):
    inv = ff.invoice(status=S.QUERY, lines=[("1001.00", "1000.00")])
    response = api(ff.finance_of(inv.authority)).post(
        _url(inv, "approve"), {"accept_difference_reason": "Rounding by the provider."},
        format="json")
    assert response.status_code == 200, response.content
    assert response.json()["reason"] == "Rounding by the provider."
    assert_money(response.json()["approved_total"], "1001.00")


def test_finance_queries_then_rejects(api):
    inv = ff.invoice()
    client = api(ff.finance_of(inv.authority))
    response = client.post(_url(inv, "query"), {"reason": "Which week?"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "query")
    response = client.post(_url(inv, "reject"), {"reason": "Not ours."}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "rejected")
    assert not inv.lines.filter(live=True).exists()


def test_bulk_approval_of_vouched_invoices(api):
    one = ff.invoice()
    two = ff.invoice(authority=one.authority)
    response = api(ff.finance_of(one.authority)).post(
        "/api/v1/invoices/approve-vouched/", {"invoices": [one.pk, two.pk]}, format="json")
    assert response.status_code == 200, response.content
    assert sorted(response.json()["approved"]) == sorted([one.pk, two.pk])


def test_bulk_approval_refuses_all_when_one_is_not_vouched(api):
    one = ff.invoice()
    queried = ff.invoice(status=S.QUERY, authority=one.authority)
    client = api(ff.finance_of(one.authority))
    with nothing_changes():
        assert_error(client.post("/api/v1/invoices/approve-vouched/",
                                 {"invoices": [one.pk, queried.pk]}, format="json"),
                     409, "invalid_transition")
        assert_error(client.post("/api/v1/invoices/approve-vouched/", {"invoices": []},
                                 format="json"), 400, "invalid", fields=["invoices"])
        assert_error(client.post("/api/v1/invoices/approve-vouched/",
                                 {"invoices": ["x"]}, format="json"), 400, "invalid")
    assert Invoice.objects.get(pk=one.pk).approved_total is None
    assert Decimal(one.total) == Decimal("1000.00")
